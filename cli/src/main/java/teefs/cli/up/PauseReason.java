package teefs.cli.up;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * Why a mirror is paused, from the end of its log: its last state line, when that is a pause (a full drive, a drive
 * gone or not the one its position was saved for). Only the log's last 16 KiB are read, at each look.
 */
final class PauseReason {
    private static final int TAIL = 16 * 1024;
    private static final String PAUSED = ": paused: ";
    /** Lines of a mirror that is past a pause: it connected again, or stopped. */
    private static final String[] PAST = {": streaming after index ", ": resumed: ", ": stopped", ": connecting to "};

    private PauseReason() {
    }

    /** The reason after "paused: " of the last state line of {@code log}, or null when the mirror is not paused. */
    static String of(Path log) {
        String tail;
        try (RandomAccessFile f = new RandomAccessFile(log.toFile(), "r")) {
            long from = Math.max(0, f.length() - TAIL);
            byte[] bytes = new byte[(int) (f.length() - from)];
            f.seek(from);
            f.readFully(bytes);
            tail = new String(bytes, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return null;
        }
        int paused = tail.lastIndexOf(PAUSED);
        if (paused < 0) {
            return null;
        }
        for (String past : PAST) {
            if (tail.indexOf(past, paused) >= 0) {
                return null;
            }
        }
        int end = tail.indexOf('\n', paused);
        return tail.substring(paused + PAUSED.length(), end < 0 ? tail.length() : end).strip();
    }

    /** At most {@code max} characters of {@code reason}, for one line of the screen. */
    static String shortened(String reason, int max) {
        return reason.length() <= max ? reason : reason.substring(0, max - 3) + "...";
    }
}
