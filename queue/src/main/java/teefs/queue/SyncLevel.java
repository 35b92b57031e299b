package teefs.queue;

import java.util.Locale;

/**
 * What "appended" promises about power loss. Every level survives a crash of the process (the records are in the
 * page cache the moment the append returns); they differ in when the queue's pages are forced to the disk.
 */
public enum SyncLevel {
    /** The OS writes pages back when it likes: a power cut can lose the last seconds of the journal. */
    NONE,
    /** A background flusher forces the queue every {@code batch interval} (default 100 ms): a power cut loses at most that window. */
    BATCH,
    /** Each append is forced to the disk before the operation returns: nothing acknowledged is lost even to a power cut. */
    ALWAYS;

    public static SyncLevel parse(String text) {
        try {
            return valueOf(text.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("unknown sync level '" + text + "': use none, batch or always");
        }
    }
}
