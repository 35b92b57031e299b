package teefs.broadcast;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/**
 * Test helper: what the server logs (slf4j-simple writes to whatever System.err is at each call) while open, still
 * passed on to the real stderr.
 */
final class LogCapture implements AutoCloseable {
    private final PrintStream original = System.err;
    private final ByteArrayOutputStream captured = new ByteArrayOutputStream();

    LogCapture() {
        OutputStream tee = new OutputStream() {
            @Override
            public void write(int b) {
                synchronized (captured) {
                    captured.write(b);
                }
                original.write(b);
            }

            @Override
            public void write(byte[] b, int off, int len) {
                synchronized (captured) {
                    captured.write(b, off, len);
                }
                original.write(b, off, len);
            }
        };
        System.setErr(new PrintStream(tee, true, StandardCharsets.UTF_8));
    }

    String text() {
        synchronized (captured) {
            return captured.toString(StandardCharsets.UTF_8);
        }
    }

    /** Waits (up to 30 s) for a log line containing every one of {@code parts}; returns that line. */
    String awaitLine(String... parts) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (true) {
            for (String line : text().split("\n")) {
                boolean all = true;
                for (String p : parts) {
                    all &= line.contains(p);
                }
                if (all) {
                    return line;
                }
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("no log line with " + java.util.List.of(parts) + " in:\n" + text());
            }
            Thread.sleep(20);
        }
    }

    @Override
    public void close() {
        System.setErr(original);
    }
}
