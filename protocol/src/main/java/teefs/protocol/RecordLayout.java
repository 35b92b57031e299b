package teefs.protocol;

/**
 * Offsets of the fixed fields from the start of a frame (header included), per docs/RECORDS.md, shared by
 * {@link RecordEncoder} and {@link RecordDecoder} so the two cannot disagree. Fields of the same meaning sit at the
 * same offset in several types; the names say which types use them.
 */
final class RecordLayout {
    private static final int P = RecordHeader.PAYLOAD_OFFSET;

    /** {@code str}: u16 byte count. */
    static final int STR_PREFIX = 2;
    /** {@code blob}: u32 byte count. */
    static final int BLOB_PREFIX = 4;
    /** Largest {@code str}. */
    static final int MAX_STR_LENGTH = 0xFFFF;
    /** A timestamp: i64 seconds then i64 nanoseconds. */
    static final int TS_LENGTH = 16;
    static final int TS_NSEC = 8;

    // WRITE: offset i64 @0, mtime ts @8, data @24
    static final int WRITE_OFFSET = P;
    static final int WRITE_MTIME = P + 8;
    static final int WRITE_DATA = P + 24;

    // TRUNCATE: size i64 @0, mtime ts @8
    static final int TRUNCATE_SIZE = P;
    static final int TRUNCATE_MTIME = P + 8;

    // CREATE / MKDIR / MKNOD share mode, uid, gid and a pad
    static final int NODE_MODE = P;
    static final int NODE_UID = P + 4;
    static final int NODE_GID = P + 8;
    static final int NODE_PAD = P + 12;
    // CREATE / MKDIR: mtime ts @16, parentMtime ts @32
    static final int NODE_MTIME = P + 16;
    static final int NODE_PARENT_MTIME = P + 32;
    // MKNOD: rdev i64 @16, mtime ts @24, parentMtime ts @40
    static final int MKNOD_RDEV = P + 16;
    static final int MKNOD_MTIME = P + 24;
    static final int MKNOD_PARENT_MTIME = P + 40;

    // RMDIR / UNLINK / LINK: parentMtime ts @0
    static final int REMOVE_PARENT_MTIME = P;

    // RENAME: renameFlags u32 @0, pad @4, fromParentMtime ts @8, toParentMtime ts @24
    static final int RENAME_FLAGS = P;
    static final int RENAME_PAD = P + 4;
    static final int RENAME_FROM_PARENT_MTIME = P + 8;
    static final int RENAME_TO_PARENT_MTIME = P + 24;

    // SYMLINK: uid u32 @0, gid u32 @4, mtime ts @8, parentMtime ts @24
    static final int SYMLINK_UID = P;
    static final int SYMLINK_GID = P + 4;
    static final int SYMLINK_MTIME = P + 8;
    static final int SYMLINK_PARENT_MTIME = P + 24;

    // CHMOD: mode u32 @0, pad @4
    static final int CHMOD_MODE = P;
    static final int CHMOD_PAD = P + 4;

    // CHOWN: uid u32 @0, gid u32 @4
    static final int CHOWN_UID = P;
    static final int CHOWN_GID = P + 4;

    // UTIMENS: atime ts @0, mtime ts @16
    static final int UTIMENS_ATIME = P;
    static final int UTIMENS_MTIME = P + 16;

    // SETXATTR: xattrFlags u32 @0, pad @4
    static final int SETXATTR_FLAGS = P;
    static final int SETXATTR_PAD = P + 4;

    // FALLOCATE: fallocMode u32 @0, pad @4, offset i64 @8, length i64 @16, mtime ts @24
    static final int FALLOC_MODE = P;
    static final int FALLOC_PAD = P + 4;
    static final int FALLOC_OFFSET = P + 8;
    static final int FALLOC_LENGTH = P + 16;
    static final int FALLOC_MTIME = P + 24;

    // FSYNC: datasync u32 @0, pad @4
    static final int FSYNC_DATASYNC = P;
    static final int FSYNC_PAD = P + 4;

    // CHECKPOINT: checkpointFlags u32 @0, count u32 @4, sessionId i64 @8; entries are (u32 handle, str path)
    static final int CHECKPOINT_FLAGS = P;
    static final int CHECKPOINT_COUNT = P + 4;
    static final int CHECKPOINT_SESSION = P + 8;
    static final int CHECKPOINT_ENTRY_HANDLE = 4;

    // MARKER: wallClockMillis i64 @0
    static final int MARKER_WALL_CLOCK = P;

    private RecordLayout() {
    }
}
