package teefs.mirror.verify;

import java.io.PrintStream;
import java.util.Locale;
import java.util.function.LongSupplier;

/**
 * Where a long verify is: a line every {@link #DEFAULT_INTERVAL_NANOS} once it has run that long (a quick one says
 * nothing), while it scans each tree and while it compares, with the contents read and how fast.
 *
 * <p>Not thread-safe: the verifying thread owns it.
 */
public final class VerifyProgress {
    public static final long DEFAULT_INTERVAL_NANOS = 5_000_000_000L;

    /** One that tells nothing (its own: the counters of a progress belong to one verify). */
    public static VerifyProgress none() {
        return new VerifyProgress(null, System::nanoTime, Long.MAX_VALUE);
    }

    private final PrintStream out;
    private final LongSupplier clock;
    private final long interval;
    private final long started;
    private long next;
    private long scanned;
    private long compared;
    private long total;
    private long bytes;

    /** @param out where the lines go (stderr for the CLI), or null for none */
    public VerifyProgress(PrintStream out, LongSupplier clock, long intervalNanos) {
        this.out = out;
        this.clock = clock;
        this.interval = intervalNanos;
        this.started = clock.getAsLong();
        this.next = intervalNanos == Long.MAX_VALUE ? Long.MAX_VALUE : started + intervalNanos;
    }

    void scannedOne(String tree) {
        scanned++;
        if (due()) {
            out.printf(Locale.ROOT, "verify: scanning %s: %,d entries so far%n", tree, scanned);
        }
    }

    void scanDone() {
        scanned = 0;
    }

    void comparing(long entries) {
        total = entries;
    }

    void comparedOne(String path) {
        compared++;
        if (due()) {
            report(path);
        }
    }

    void read(long n, String path) {
        bytes += n;
        if (due()) {
            report(path);
        }
    }

    private void report(String path) {
        double secs = Math.max((clock.getAsLong() - started) / 1e9, 1e-9);
        out.printf(Locale.ROOT, "verify: %,d of %,d entries compared, %s of contents read (%s/s); at %s%n",
                compared, total, size(bytes), size((long) (bytes / secs)), path);
    }

    private boolean due() {
        if (out == null) {
            return false;
        }
        long now = clock.getAsLong();
        if (now - next < 0) {
            return false;
        }
        next = now + interval;
        return true;
    }

    private static String size(long n) {
        if (n < 1024 * 1024) {
            return String.format(Locale.ROOT, "%.1f KiB", n / 1024.0);
        }
        if (n < 1024L * 1024 * 1024) {
            return String.format(Locale.ROOT, "%.1f MiB", n / (1024.0 * 1024));
        }
        return String.format(Locale.ROOT, "%.2f GiB", n / (1024.0 * 1024 * 1024));
    }
}
