package teefs.mirror.session;

import java.util.Locale;

/**
 * How often the mirror makes TARGET durable and saves its position ({@code --sync}). The position is saved only
 * after the data it covers is durable, whatever the mode, so a crash never skips a record.
 */
public enum SyncMode {
    /** Save the position every batch interval without fsync: a crash of the mirror loses nothing, a power cut may. */
    NONE,
    /** syncfs TARGET, then save the position durably, at most every batch interval (the default). */
    BATCH,
    /** syncfs TARGET and save the position after every record: slowest, nothing re-applied after a power cut. */
    ALWAYS;

    /** Parses none|batch|always. */
    public static SyncMode parse(String text) {
        try {
            return valueOf(text.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--sync takes none, batch or always, not '" + text + "'");
        }
    }
}
