package teefs.mirror.session;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.regex.Pattern;

/**
 * Reads an rsync's error output on a thread of its own, passes every line on, and tells whether all of it was about
 * files changing under rsync.
 *
 * <p>Why: rsync exits 23 ("partial transfer") both for a real failure (an unreadable file, a full target) and for a
 * file a writer truncated while rsync read it ({@code read errors mapping ...: No data available (61)}, then
 * {@code ... failed verification -- update retained}). Under a busy writer of a log the second happens in every
 * copy, and a bootstrap that took it for a failure gave up after ten. A file changed under the copy is what the
 * bootstrap window is for: the records journaled since the head index are applied over it (see {@link WindowRepair}),
 * as over a vanished file (exit 24). rsync's messages are not translated, so matching them is stable.
 */
final class RsyncErrors extends Thread {
    /** Lines that say a source file changed (or vanished) under rsync, and rsync's closing summaries of them. */
    private static final Pattern CHANGED_UNDER_RSYNC = Pattern.compile(
            "file has vanished: .*"
                    + "|rsync: \\[sender] read errors mapping .*: No data available \\(61\\)"
                    + "|ERROR: .* failed verification -- update retained\\.?"
                    + "|rsync warning: some files vanished before they could be transferred \\(code 24\\).*"
                    + "|rsync error: some files/attrs were not transferred \\(see previous errors\\) \\(code 23\\).*"
                    + "|\\s*");

    private final InputStream errors;
    private final PrintStream echo;
    private volatile boolean otherErrors;

    RsyncErrors(InputStream errors, PrintStream echo) {
        super("teefs-rsync-errors");
        setDaemon(true);
        this.errors = errors;
        this.echo = echo;
    }

    @Override
    public void run() {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(errors, StandardCharsets.UTF_8))) {
            for (String line; (line = r.readLine()) != null; ) {
                echo.println(line);
                if (!isChangedUnderRsync(line)) {
                    otherErrors = true;
                }
            }
        } catch (IOException e) {
            otherErrors = true; // cannot tell: take the exit code as it is
        }
    }

    /** After the thread ended: whether every line was about files changing under rsync (or there was none). */
    boolean onlyFilesChangingUnderRsync() {
        return !otherErrors;
    }

    static boolean isChangedUnderRsync(String line) {
        return CHANGED_UNDER_RSYNC.matcher(line).matches();
    }
}
