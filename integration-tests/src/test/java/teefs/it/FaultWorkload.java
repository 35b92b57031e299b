package teefs.it;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The mixed workload of the fault suite, as a python process writing into a directory of the mount: big files,
 * many small files, renames of directories holding open files, deletes, truncates, hard links, symlinks, chmod and
 * mmap writes. Every operation tolerates errors (a killed journal makes the mount stale for a moment, a full queue
 * disk answers ENOSPC): the writer counts them and carries on, as an application would retry. It stops when the
 * file STOP appears in its working directory or after its time limit, and prints its counters as its last line.
 */
final class FaultWorkload implements AutoCloseable {
    private static final String SCRIPT = """
            import errno, mmap, os, random, sys, time
            root, seed, seconds, small = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4])
            ctl = sys.argv[5]
            r = random.Random(seed)
            ops = 0; errors = 0; written = 0
            end = time.time() + seconds
            def stop():
                return time.time() > end or os.path.exists(os.path.join(ctl, 'STOP'))
            def p(*parts):
                return os.path.join(root, *parts)
            def attempt(f):
                global ops, errors
                try:
                    f(); ops += 1
                except OSError as e:
                    errors += 1
                    if e.errno in (errno.ENOTCONN, errno.ENOENT, errno.EIO, errno.ENOSPC):
                        time.sleep(0.05)
            def mkdirs():
                for d in ('big', 'small', 'tree', 'links', 'mm'):
                    os.makedirs(p(d), exist_ok=True)
            def big():
                global written
                n = r.randrange(4)
                with open(p('big', 'b%d.bin' % n), 'ab') as f:
                    for _ in range(r.randint(1, 6)):
                        f.write(os.urandom(1 << 20)); written += 1 << 20
            def smalls(count):
                global written
                d = p('small', 'd%d' % r.randrange(100))
                os.makedirs(d, exist_ok=True)
                for i in range(count):
                    with open(os.path.join(d, 'f%d' % r.randrange(100000)), 'wb') as f:
                        b = os.urandom(r.randint(0, 4096)); f.write(b); written += len(b)
            def rename_open_dir():
                global written
                a = p('tree', 'x%d' % r.randrange(5)); os.makedirs(a, exist_ok=True)
                f = open(os.path.join(a, 'open.txt'), 'ab')
                try:
                    f.write(b'before rename\\n'); f.flush()
                    b = p('tree', 'y%d' % r.randrange(1000))
                    os.rename(a, b)
                    f.write(os.urandom(5000)); f.flush(); written += 5014
                finally:
                    f.close()
            def delete():
                d = p('small', 'd%d' % r.randrange(100))
                if os.path.isdir(d):
                    names = os.listdir(d)
                    for n in names[: r.randint(1, 20)]:
                        os.unlink(os.path.join(d, n))
            def truncate():
                f = p('big', 'b%d.bin' % r.randrange(4))
                if os.path.exists(f):
                    os.truncate(f, r.randrange(max(1, os.path.getsize(f) + 1)))
            def links():
                src = p('links', 'src%d' % r.randrange(20))
                with open(src, 'wb') as f:
                    f.write(os.urandom(r.randint(1, 3000)))
                h = p('links', 'hard%d' % r.randrange(20))
                if os.path.lexists(h): os.unlink(h)
                os.link(src, h)
                s = p('links', 'sym%d' % r.randrange(20))
                if os.path.lexists(s): os.unlink(s)
                os.symlink('src%d' % r.randrange(20), s)
            def chmod():
                f = p('links', 'src%d' % r.randrange(20))
                if os.path.exists(f):
                    os.chmod(f, r.choice([0o600, 0o644, 0o640, 0o755]))
                d = p('small', 'd%d' % r.randrange(100))
                if os.path.isdir(d):
                    os.chmod(d, r.choice([0o755, 0o750, 0o700]))
            def mm():
                # in a child: a page of a FUSE mapping faulted while journal-fs is killed is SIGBUS, as for an
                # application, and must end that child, not the whole writer
                global written
                f = p('mm', 'm%d.bin' % r.randrange(3))
                offsets = [r.randrange((1 << 20) - 4096) for _ in range(16)]
                pid = os.fork()
                if pid == 0:
                    code = 1
                    try:
                        fd = os.open(f, os.O_RDWR | os.O_CREAT, 0o644)
                        try:
                            size = 1 << 20
                            if os.fstat(fd).st_size < size:
                                os.ftruncate(fd, size)
                            m = mmap.mmap(fd, size)
                            for off in offsets:
                                m[off:off + 4096] = os.urandom(4096)
                            m.flush(); m.close()
                            code = 0
                        finally:
                            os.close(fd)
                    finally:
                        os._exit(code)
                _, status = os.waitpid(pid, 0)
                if os.waitstatus_to_exitcode(status) != 0:
                    raise OSError(errno.EIO, 'mmap writer ended with %d' % os.waitstatus_to_exitcode(status))
                written += 16 * 4096
            attempt(mkdirs)
            made = 0
            while made < small and time.time() < end:
                attempt(lambda: smalls(200)); made += 200
            while not stop():
                op = r.choice(['big', 'small', 'small', 'rename', 'delete', 'truncate', 'links', 'chmod', 'mm'])
                attempt(mkdirs)
                attempt({'big': big, 'small': lambda: smalls(20), 'rename': rename_open_dir, 'delete': delete,
                         'truncate': truncate, 'links': links, 'chmod': chmod, 'mm': mm}[op])
            print('WORKLOAD ops=%d errors=%d written=%d' % (ops, errors, written), flush=True)
            """;

    private final Process process;
    private final Path control;
    private final Path out;

    private FaultWorkload(Process process, Path control, Path out) {
        this.process = process;
        this.control = control;
        this.out = out;
    }

    /** Starts the workload in {@code dir} (on the mount) for at most {@code seconds}, first making {@code small} files. */
    static FaultWorkload start(Path dir, long seed, double seconds, int small) throws IOException {
        Path control = Files.createTempDirectory("teefs-workload");
        Path script = control.resolve("workload.py");
        Files.writeString(script, SCRIPT);
        Path out = control.resolve("out.txt");
        Process p = new ProcessBuilder(List.of("python3", script.toString(), dir.toString(), Long.toString(seed),
                Double.toString(seconds), Integer.toString(small), control.toString()))
                .redirectErrorStream(true).redirectOutput(out.toFile()).start();
        return new FaultWorkload(p, control, out);
    }

    boolean isAlive() {
        return process.isAlive();
    }

    /** Asks the writer to stop and waits for it; returns its counters line. */
    String stop() throws Exception {
        Files.writeString(control.resolve("STOP"), "");
        if (!process.waitFor(120, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("the workload did not stop within 120 s");
        }
        String text = Files.readString(out);
        if (!text.contains("WORKLOAD ")) {
            int code = process.exitValue();
            throw new AssertionError("the workload failed (exit " + code + (code > 128 ? ", signal " + (code - 128)
                    : "") + "):\n" + text);
        }
        return text.substring(text.lastIndexOf("WORKLOAD ")).strip();
    }

    /** Bytes the writer reports as written (its counters line). */
    static long written(String counters) {
        return Long.parseLong(counters.replaceAll(".*written=(\\d+).*", "$1"));
    }

    static long errors(String counters) {
        return Long.parseLong(counters.replaceAll(".*errors=(\\d+).*", "$1"));
    }

    @Override
    public void close() {
        if (process.isAlive()) {
            process.destroyForcibly();
        }
    }
}
