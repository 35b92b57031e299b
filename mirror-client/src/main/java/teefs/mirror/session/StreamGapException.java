package teefs.mirror.session;

/**
 * The stream left out records: inside one queue cycle the journal's indexes have no holes (KilledAppenderTest checks
 * that even for writers killed mid-append), so a record whose index is not the one after the last applied means the
 * records in between were lost on their way. Nothing of it was applied: the session ends, and the mirror connects
 * again from its last applied index.
 */
final class StreamGapException extends RuntimeException {
    StreamGapException(long applied, long index) {
        super("record #" + index + " came right after #" + applied + ", leaving out the " + (index - applied - 1)
                + " record(s) between them (same queue cycle); none of it was applied: connecting again from #"
                + applied);
    }
}
