package teefs.mirror.testing;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import org.agrona.concurrent.UnsafeBuffer;

import teefs.mirror.apply.ApplyEngine;
import teefs.posix.Posix;
import teefs.protocol.RecordEncoder;
import teefs.protocol.RecordHeader;
import teefs.queue.JournalAppender;

/**
 * Builds a list of record frames, as journal-fs would journal them, with the protocol's encoder. Times are
 * distinct and carry odd nanoseconds so that a lost or rounded nanosecond shows.
 */
public final class Journal {
    public static final long T0 = 1_700_000_000L;
    public static final int UID = Posix.LIBC.geteuid();
    public static final int GID = Posix.LIBC.getegid();

    private final RecordEncoder encoder = new RecordEncoder();
    private final UnsafeBuffer scratch = new UnsafeBuffer(new byte[RecordHeader.MAX_FRAME_LENGTH]);
    private final List<byte[]> frames = new ArrayList<>();
    private long clock = T0;

    public Journal() {
        encoder.wrap(scratch, 0);
    }

    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private Journal add(int length) {
        frames.add(Arrays.copyOf(scratch.byteArray(), length));
        encoder.wrap(scratch, 0);
        return this;
    }

    /** Next distinct timestamp's seconds; {@link #nsec(long)} gives its nanoseconds. */
    public long tick() {
        return ++clock;
    }

    public static long nsec(long sec) {
        return (sec * 7919 + 123) % 1_000_000_000L;
    }

    public Journal checkpoint(boolean reset, Map<Integer, String> live) {
        encoder.checkpointBegin(reset ? teefs.protocol.RecordDecoder.CHECKPOINT_RESET : 0, 42);
        live.forEach((h, p) -> encoder.checkpointEntry(h, b(p)));
        return add(encoder.checkpointEnd());
    }

    public Journal associate(int handle, String path) {
        return add(encoder.associate(handle, b(path)));
    }

    public Journal write(int handle, long offset, String data) {
        return write(handle, offset, b(data));
    }

    public Journal write(int handle, long offset, byte[] data) {
        long t = tick();
        return add(encoder.write(handle, offset, t, nsec(t), data));
    }

    public Journal truncate(String path, long size) {
        long t = tick();
        return add(encoder.truncate(size, t, nsec(t), b(path)));
    }

    public Journal create(int handle, String path, int mode) {
        long t = tick();
        long p = tick();
        return add(encoder.create(handle, mode | Posix.S_IFREG, UID, GID, t, nsec(t), p, nsec(p), b(path)));
    }

    public Journal mkdir(String path, int mode) {
        long t = tick();
        long p = tick();
        return add(encoder.mkdir(mode | Posix.S_IFDIR, UID, GID, t, nsec(t), p, nsec(p), b(path)));
    }

    public Journal mknod(String path, int mode, long rdev) {
        long t = tick();
        long p = tick();
        return add(encoder.mknod(mode, UID, GID, rdev, t, nsec(t), p, nsec(p), b(path)));
    }

    public Journal rmdir(String path) {
        long p = tick();
        return add(encoder.rmdir(p, nsec(p), b(path)));
    }

    public Journal unlink(String path) {
        long p = tick();
        return add(encoder.unlink(p, nsec(p), b(path)));
    }

    public Journal rename(String from, String to) {
        return rename(0, from, to);
    }

    public Journal rename(int flags, String from, String to) {
        long f = tick();
        long t = tick();
        return add(encoder.rename(flags, f, nsec(f), t, nsec(t), b(from), b(to)));
    }

    public Journal symlink(String path, String target) {
        long t = tick();
        long p = tick();
        return add(encoder.symlink(UID, GID, t, nsec(t), p, nsec(p), b(path), b(target)));
    }

    public Journal link(String existing, String newPath) {
        long p = tick();
        return add(encoder.link(p, nsec(p), b(existing), b(newPath)));
    }

    public Journal chmod(String path, int mode) {
        return add(encoder.chmod(mode, b(path)));
    }

    public Journal chown(String path, int uid, int gid) {
        return add(encoder.chown(uid, gid, b(path)));
    }

    public Journal utimens(String path, long mtimeSec, long mtimeNsec) {
        return add(encoder.utimens(mtimeSec, 5, mtimeSec, mtimeNsec, b(path)));
    }

    public Journal setxattr(String path, String name, String value) {
        return add(encoder.setxattr(Posix.XATTR_CREATE, b(path), b(name), b(value)));
    }

    public Journal removexattr(String path, String name) {
        return add(encoder.removexattr(b(path), b(name)));
    }

    public Journal fallocate(int handle, int mode, long offset, long length) {
        long t = tick();
        return add(encoder.fallocate(handle, mode, offset, length, t, nsec(t)));
    }

    public Journal fsync(int handle) {
        return add(encoder.fsync(handle, false));
    }

    public Journal release(int handle) {
        return add(encoder.release(handle));
    }

    public Journal marker(String label) {
        return add(encoder.marker(System.currentTimeMillis(), b(label)));
    }

    public List<byte[]> frames() {
        return frames;
    }

    public int size() {
        return frames.size();
    }

    /** Applies frames [from, to) with their list position as index. */
    public void applyTo(ApplyEngine engine, int from, int to) {
        for (int i = from; i < to; i++) {
            byte[] f = frames.get(i);
            engine.apply(i, new UnsafeBuffer(f), 0, f.length);
        }
    }

    public void applyTo(ApplyEngine engine) {
        applyTo(engine, 0, frames.size());
    }

    /** Appends every frame to a queue; returns their indexes. */
    public long[] appendTo(JournalAppender appender) {
        long[] indexes = new long[frames.size()];
        for (int i = 0; i < frames.size(); i++) {
            byte[] f = frames.get(i);
            indexes[i] = appender.append(new UnsafeBuffer(f), 0, f.length);
        }
        return indexes;
    }
}
