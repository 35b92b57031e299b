package teefs.mirror.session;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.agrona.concurrent.UnsafeBuffer;

import teefs.posix.Posix;
import teefs.posix.Stat;
import teefs.protocol.RecordEncoder;
import teefs.protocol.RecordHeader;

/**
 * A source directory changed the way journal-fs changes STORE: each operation is made on the directory, then
 * journaled with what the directory shows right after it (modes, owners, times), so replaying the records onto a
 * copy ends identical to the directory. {@link #copyTo} is the bootstrap's rsync, with chosen names left out: the
 * names a fuzzy copy missed.
 */
final class LiveSource {
    final Path dir;
    private final RecordEncoder encoder = new RecordEncoder();
    private final UnsafeBuffer scratch = new UnsafeBuffer(new byte[RecordHeader.MAX_FRAME_LENGTH]);
    private final List<byte[]> frames = new ArrayList<>();
    private final Stat stat = new Stat();
    private final Stat parent = new Stat();
    private int nextHandle = 100;

    LiveSource(Path dir) throws IOException {
        this.dir = Files.createDirectories(dir);
    }

    /** Index of the next record. */
    long next() {
        return frames.size();
    }

    /** Index of the last record. */
    long last() {
        return frames.size() - 1;
    }

    /** Writes {@code text} into a new file (CREATE, WRITE, RELEASE), creating its parents without journaling. */
    LiveSource file(String path, String text) throws IOException {
        Path p = dir.resolve(path);
        Files.createDirectories(p.getParent());
        Files.writeString(p, text);
        lstat(path);
        int handle = nextHandle++;
        add(encoder.wrap(scratch, 0).create(handle, stat.mode(), stat.uid(), stat.gid(), stat.mtimeSec(),
                stat.mtimeNsec(), parent.mtimeSec(), parent.mtimeNsec(), b(path)));
        add(encoder.wrap(scratch, 0).write(handle, 0, stat.mtimeSec(), stat.mtimeNsec(), b(text)));
        return add(encoder.wrap(scratch, 0).release(handle));
    }

    /** Binds a new handle to the existing file at {@code path} (ASSOCIATE), as a first write through it would. */
    int associate(String path) {
        int handle = nextHandle++;
        add(encoder.wrap(scratch, 0).associate(handle, b(path)));
        return handle;
    }

    /** Appends {@code text} through {@code handle} to the file it was bound to, now at {@code path} (WRITE). */
    LiveSource append(int handle, String path, String text) throws IOException {
        long offset = Files.size(dir.resolve(path));
        Files.writeString(dir.resolve(path), text, java.nio.file.StandardOpenOption.APPEND);
        lstat(path);
        return add(encoder.wrap(scratch, 0).write(handle, offset, stat.mtimeSec(), stat.mtimeNsec(), b(text)));
    }

    /** A file made before the bootstrap: not journaled. */
    LiveSource existing(String path, String text) throws IOException {
        Path p = dir.resolve(path);
        Files.createDirectories(p.getParent());
        Files.writeString(p, text);
        return this;
    }

    LiveSource rename(String from, String to) throws IOException {
        Files.move(dir.resolve(from), dir.resolve(to), StandardCopyOption.ATOMIC_MOVE);
        Stat fromParent = new Stat();
        fromParent.lstat(parentOf(from).toString());
        lstat(to);
        return add(encoder.wrap(scratch, 0).rename(0, fromParent.mtimeSec(), fromParent.mtimeNsec(),
                parent.mtimeSec(), parent.mtimeNsec(), b(from), b(to)));
    }

    LiveSource link(String existing, String created) throws IOException {
        Files.createLink(dir.resolve(created), dir.resolve(existing));
        lstat(created);
        return add(encoder.wrap(scratch, 0).link(parent.mtimeSec(), parent.mtimeNsec(), b(existing), b(created)));
    }

    LiveSource unlink(String path) throws IOException {
        Files.delete(dir.resolve(path));
        parent.lstat(parentOf(path).toString());
        return add(encoder.wrap(scratch, 0).unlink(parent.mtimeSec(), parent.mtimeNsec(), b(path)));
    }

    LiveSource mkdir(String path) throws IOException {
        Files.createDirectory(dir.resolve(path));
        lstat(path);
        return add(encoder.wrap(scratch, 0).mkdir(stat.mode(), stat.uid(), stat.gid(), stat.mtimeSec(),
                stat.mtimeNsec(), parent.mtimeSec(), parent.mtimeNsec(), b(path)));
    }

    LiveSource symlink(String path, String target) throws IOException {
        Files.createSymbolicLink(dir.resolve(path), Path.of(target));
        lstat(path);
        return add(encoder.wrap(scratch, 0).symlink(stat.uid(), stat.gid(), stat.mtimeSec(), stat.mtimeNsec(),
                parent.mtimeSec(), parent.mtimeNsec(), b(path), b(target)));
    }

    /** The bootstrap's copy of the directory as it is now, with rsync, leaving out {@code missed} (rsync patterns). */
    void copyTo(Path target, String... missed) throws Exception {
        List<String> command = new ArrayList<>(List.of("rsync", "-aHAX", "--inplace", "--delete", "--numeric-ids"));
        for (String m : missed) {
            command.add("--exclude=" + m);
        }
        command.add(dir + "/");
        command.add(target + "/");
        Process p = new ProcessBuilder(command).inheritIO().start();
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new AssertionError("rsync " + command + " failed");
        }
    }

    /** Applies the record at list position {@code position} through {@code applier} as index {@code index}. */
    void applyAs(DurableApplier applier, long position, long index) {
        byte[] f = frames.get((int) position);
        applier.accept(index, new UnsafeBuffer(f), 0, f.length);
    }

    /** Applies records [from, to] through {@code applier}, with their list positions as indexes. */
    void applyTo(DurableApplier applier, long from, long to) {
        for (long i = from; i <= to; i++) {
            byte[] f = frames.get((int) i);
            applier.accept(i, new UnsafeBuffer(f), 0, f.length);
        }
    }

    private void lstat(String path) {
        if (stat.lstat(dir.resolve(path).toString()) != 0 || parent.lstat(parentOf(path).toString()) != 0) {
            throw new AssertionError("lstat " + path + ": " + Posix.strerror(Posix.errno()));
        }
    }

    private Path parentOf(String path) {
        return dir.resolve(path).getParent();
    }

    private LiveSource add(int length) {
        frames.add(Arrays.copyOf(scratch.byteArray(), length));
        return this;
    }

    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
