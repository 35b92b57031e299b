package teefs.broadcast.wire;

/**
 * The outer framing of the broadcast protocol (docs/WIRE.md), both directions:
 *
 * <pre>
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +---------------------------------------------------------------+
 * |   frame length (u32, big-endian): bytes after this field       |
 * +---------------+-----------------------------------------------+
 * |   kind (u8)   |  body ...                                      |
 * +---------------+                                                |
 *
 *  kind 1 CONTROL: body = one protobuf teefs.protocol.control.Envelope
 *  kind 2 RECORDS: body = first index (i64 BE) | count (u32 BE) | count raw record frames, each
 *                  align16(length) bytes, exactly as the queue holds them; their indexes are
 *                  first, first + 1, ... (a batch never spans a gap or a queue cycle)
 * </pre>
 *
 * Only the server sends RECORDS. A frame longer than the receiver's limit, an unknown kind, a zero length, or a
 * body that does not parse closes the connection with a logged {@link WireException}.
 */
public final class WireFormat {
    /** Bumped on any incompatible change; Hello and Welcome carry it. */
    public static final int PROTOCOL_VERSION = 1;

    public static final int LENGTH_FIELD = 4;
    public static final int KIND_FIELD = 1;
    public static final int HEADER = LENGTH_FIELD + KIND_FIELD;

    public static final byte KIND_CONTROL = 1;
    public static final byte KIND_RECORDS = 2;

    /** RECORDS body prefix: first index (i64) and record count (u32). */
    public static final int RECORDS_PREFIX = 8 + 4;

    /** Largest frame a server accepts from a client: control messages only. */
    public static final int MAX_CLIENT_FRAME = 64 * 1024;
    /** Largest frame a client accepts from a server: a batch of records (one record alone may reach 1 MiB + 4 KiB). */
    public static final int MAX_SERVER_FRAME = 8 * 1024 * 1024;

    private WireFormat() {
    }
}
