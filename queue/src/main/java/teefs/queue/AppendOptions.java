package teefs.queue;

/**
 * How an appender protects the records it writes.
 *
 * @param sync           when appended records are forced to the disk
 * @param batchMillis    with {@link SyncLevel#BATCH}: the longest a record waits before it is forced
 * @param reserveBytes   {@link JournalAppender#reserve} refuses (with {@link QueueFullException}) while the queue's
 *                       filesystem has less free space than this; it is also how far ahead of the write position the
 *                       cycle file's blocks are kept allocated (at least {@link SpaceReservation#MIN_WINDOW}):
 *                       Chronicle writes through mmap, and a write into a sparse page of a full disk cannot fail
 *                       politely (docs/JOURNAL.md, "Queue space")
 */
public record AppendOptions(SyncLevel sync, long batchMillis, long reserveBytes) {
    public static final long DEFAULT_BATCH_MILLIS = 100;
    public static final long DEFAULT_RESERVE_BYTES = 64L << 20;

    public AppendOptions {
        if (sync == null) {
            throw new IllegalArgumentException("sync level is required");
        }
        if (batchMillis <= 0) {
            throw new IllegalArgumentException("batch interval must be positive, was " + batchMillis + " ms");
        }
        if (reserveBytes < 0) {
            throw new IllegalArgumentException("free-space reserve must not be negative, was " + reserveBytes);
        }
    }

    public static AppendOptions defaults() {
        return new AppendOptions(SyncLevel.BATCH, DEFAULT_BATCH_MILLIS, DEFAULT_RESERVE_BYTES);
    }
}
