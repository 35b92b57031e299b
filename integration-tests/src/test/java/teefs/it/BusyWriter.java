package teefs.it;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The crash tests' writer: a python3 process in a directory (a mount) that, as fast as it can and until it is
 * killed, appends to a big file (flushed after each write), rewrites small files, renames, truncates, deletes and
 * makes directories, all under one base directory. Seeded, so a failing round can be replayed.
 */
final class BusyWriter {
    private static final String SCRIPT = """
            import os, sys, random
            r = random.Random(int(sys.argv[1]))
            base = sys.argv[2]
            os.makedirs(base, exist_ok=True)
            big = open(os.path.join(base, 'big.log'), 'ab')
            i = 0
            while True:
                i += 1
                big.write(os.urandom(r.choice([100, 4096, 65536, 300000]))); big.flush()
                p = os.path.join(base, 'f%d' % (i % 50))
                with open(p, 'wb') as f:
                    f.write(os.urandom(r.randint(0, 20000)))
                if i % 7 == 0:
                    os.replace(p, p + '.renamed')
                if i % 11 == 0:
                    os.truncate(os.path.join(base, 'big.log'), r.randint(0, 1 << 20))
                if i % 13 == 0 and os.path.exists(p + '.renamed'):
                    os.unlink(p + '.renamed')
                if i % 17 == 0:
                    d = os.path.join(base, 'dir%d' % i); os.mkdir(d); os.chmod(d, 0o700)
            """;

    private BusyWriter() {
    }

    /** Starts the writer in {@code dir}, writing under {@code dir/base}; its output (errors) goes to {@code output}. */
    static Process start(Path dir, String base, int seed, ProcessBuilder.Redirect output) throws Exception {
        Path script = Files.createTempFile("teefs-writer", ".py");
        script.toFile().deleteOnExit();
        Files.writeString(script, SCRIPT);
        return new ProcessBuilder(List.of("python3", script.toString(), Integer.toString(seed), base))
                .directory(dir.toFile()).redirectErrorStream(true).redirectOutput(output).start();
    }
}
