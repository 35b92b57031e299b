package teefs.protocol;

import static teefs.protocol.RecordHeader.BYTE_ORDER;
import static teefs.protocol.RecordLayout.*;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

/**
 * Writes record frames (docs/RECORDS.md) into a {@link MutableDirectBuffer}: a flyweight, so no allocation per
 * record. {@link #wrap} a buffer at an offset, then call one method per type; each writes the header, the fixed and
 * variable fields and the zero padding, fills the CRC32C, and returns the padded frame length (a multiple of 16).
 * The buffer must have room for that frame ({@link RecordHeader#MAX_FRAME_LENGTH} always suffices).
 *
 * <pre>
 *  offset                                                     offset + padded length
 *  | header (16) | fixed fields | variable fields | zero padding |
 *                 \__ per type: RecordLayout                    (to a multiple of 16, CRC covers it)
 * </pre>
 *
 * <p>Strings (paths, names, targets, labels) are raw bytes, given as a {@code byte[]} or as a slice of any
 * {@link DirectBuffer}; the encoder does not judge them (confinement is the apply engine's job) but refuses one
 * longer than 65535 bytes or a record longer than {@link RecordHeader#MAX_RECORD_LENGTH} with an
 * {@link IllegalArgumentException}, before writing anything past that limit.
 *
 * <p>Three ways to encode a WRITE:
 * <ul>
 *   <li>{@link #write} copies the data into the frame: one contiguous frame.</li>
 *   <li>{@link #writeHeaderOnly} + {@link #finishCrc()}: the caller copies the data straight to
 *       {@link #writeDataOffset()} between the two calls (e.g. into memory it then hands on whole).</li>
 *   <li>{@link #writeHead}: zero-copy. Only the 40-byte head (header and fixed fields) is written, into a small
 *       scratch buffer, and its CRC already covers the caller's data and the padding, which are read in place and
 *       never copied. The frame is then the concatenation head + data + {@link RecordHeader#paddingFor
 *       paddingFor(40 + dataLength)} zero bytes, which is what {@code teefs.queue.JournalAppender}'s
 *       (head, body, zeroPadding) append takes.</li>
 * </ul>
 *
 * <p>Not thread-safe: one encoder per thread.
 */
public final class RecordEncoder {
    /** Bytes of a WRITE frame before its data: header and fixed fields. */
    public static final int WRITE_HEAD_LENGTH = WRITE_DATA;
    /** Largest data a single WRITE record can carry. */
    public static final int MAX_WRITE_DATA = RecordHeader.MAX_RECORD_LENGTH - WRITE_HEAD_LENGTH;

    private final Crc32cDigest crc = new Crc32cDigest();
    private MutableDirectBuffer buffer;
    private int offset;
    private int flags;
    private int pendingFrameLength = -1;
    private int checkpointPosition = -1;
    private int checkpointCount;

    /** Points the encoder at {@code buffer}; the next record is written at {@code offset}. */
    public RecordEncoder wrap(MutableDirectBuffer buffer, int offset) {
        if (offset < 0 || offset > buffer.capacity()) {
            throw new IllegalArgumentException("offset " + offset + " outside a buffer of " + buffer.capacity());
        }
        this.buffer = buffer;
        this.offset = offset;
        this.pendingFrameLength = -1;
        this.checkpointPosition = -1;
        return this;
    }

    public MutableDirectBuffer buffer() {
        return buffer;
    }

    /** Where the next frame starts in {@link #buffer()}. */
    public int offset() {
        return offset;
    }

    /**
     * Header flags for every record encoded from now on, until changed: {@link RecordHeader#FLAG_RECOVERED} while
     * crash recovery emits records, 0 otherwise.
     */
    public RecordEncoder flags(int flags) {
        if ((flags & ~RecordHeader.KNOWN_FLAGS) != 0) {
            throw new IllegalArgumentException("unknown record flags 0x" + Integer.toHexString(flags));
        }
        this.flags = flags;
        return this;
    }

    public int flags() {
        return flags;
    }

    /** Padded size of a WRITE frame carrying {@code dataLength} bytes. */
    public static int writeFrameLength(int dataLength) {
        return RecordHeader.align16(WRITE_HEAD_LENGTH + dataLength);
    }

    /** Zero bytes that follow a record of this unpadded length (0..15). */
    public static int paddingFor(int length) {
        return RecordHeader.paddingFor(length);
    }

    // ---------------------------------------------------------------- ASSOCIATE

    public int associate(int handle, byte[] path) {
        return finish(putStr(header(RecordType.ASSOCIATE, handle), path));
    }

    public int associate(int handle, DirectBuffer path, int pathOffset, int pathLength) {
        return finish(putStr(header(RecordType.ASSOCIATE, handle), path, pathOffset, pathLength));
    }

    // ---------------------------------------------------------------- WRITE

    /** A whole WRITE frame with {@code data[dataOffset, dataOffset + dataLength)} copied into it. */
    public int write(int handle, long fileOffset, long mtimeSec, long mtimeNsec,
                     DirectBuffer data, int dataOffset, int dataLength) {
        checkWriteData(dataLength);
        writeFixed(handle, fileOffset, mtimeSec, mtimeNsec);
        buffer.putBytes(offset + WRITE_DATA, data, dataOffset, dataLength);
        return finish(offset + WRITE_DATA + dataLength);
    }

    public int write(int handle, long fileOffset, long mtimeSec, long mtimeNsec, byte[] data) {
        checkWriteData(data.length);
        writeFixed(handle, fileOffset, mtimeSec, mtimeNsec);
        buffer.putBytes(offset + WRITE_DATA, data);
        return finish(offset + WRITE_DATA + data.length);
    }

    /**
     * Zero-copy WRITE: writes only the {@value #WRITE_HEAD_LENGTH}-byte head (header with length
     * {@code 40 + dataLength}, and the fixed fields) at the wrapped offset, and fills its CRC as if the data and
     * {@link #paddingFor paddingFor(40 + dataLength)} zero bytes followed it. {@code data} is read once, in place,
     * and never copied; it must not change until it has been appended.
     *
     * @return the head length, {@value #WRITE_HEAD_LENGTH}
     */
    public int writeHead(int handle, long fileOffset, long mtimeSec, long mtimeNsec,
                         DirectBuffer data, int dataOffset, int dataLength) {
        checkWriteData(dataLength);
        writeFixed(handle, fileOffset, mtimeSec, mtimeNsec);
        int length = WRITE_HEAD_LENGTH + dataLength;
        buffer.putInt(offset + RecordHeader.LENGTH_OFFSET, length, BYTE_ORDER);
        crc.reset()
                .update(buffer, offset, RecordHeader.CRC_OFFSET)
                .updateZeros(4)
                .update(buffer, offset + RecordHeader.HANDLE_OFFSET, WRITE_HEAD_LENGTH - RecordHeader.HANDLE_OFFSET)
                .update(data, dataOffset, dataLength)
                .updateZeros(RecordHeader.paddingFor(length));
        buffer.putInt(offset + RecordHeader.CRC_OFFSET, crc.value(), BYTE_ORDER);
        return WRITE_HEAD_LENGTH;
    }

    /**
     * In-place WRITE, step 1: writes the header and fixed fields and zeroes the padding of a frame carrying
     * {@code dataLength} bytes, leaving {@code [writeDataOffset(), writeDataOffset() + dataLength)} for the caller
     * to fill. Step 2 is {@link #finishCrc()}.
     *
     * @return the padded frame length
     */
    public int writeHeaderOnly(int handle, long fileOffset, long mtimeSec, long mtimeNsec, int dataLength) {
        checkWriteData(dataLength);
        int length = WRITE_HEAD_LENGTH + dataLength;
        int padded = RecordHeader.align16(length);
        writeFixed(handle, fileOffset, mtimeSec, mtimeNsec);
        buffer.putInt(offset + RecordHeader.LENGTH_OFFSET, length, BYTE_ORDER);
        buffer.putInt(offset + RecordHeader.CRC_OFFSET, 0, BYTE_ORDER);
        buffer.setMemory(offset + length, padded - length, (byte) 0);
        pendingFrameLength = padded;
        return padded;
    }

    /** Where {@link #writeHeaderOnly}'s caller puts the data: the wrapped offset + {@value #WRITE_HEAD_LENGTH}. */
    public int writeDataOffset() {
        return offset + WRITE_DATA;
    }

    /**
     * In-place WRITE, step 2: computes the CRC of the frame begun by {@link #writeHeaderOnly}, now that its data is
     * in place, and stores it.
     *
     * @return the padded frame length
     * @throws IllegalStateException when no {@link #writeHeaderOnly} frame is pending
     */
    public int finishCrc() {
        int padded = pendingFrameLength;
        if (padded < 0) {
            throw new IllegalStateException("finishCrc() without a preceding writeHeaderOnly()");
        }
        pendingFrameLength = -1;
        buffer.putInt(offset + RecordHeader.CRC_OFFSET, crc.frameCrc(buffer, offset, padded), BYTE_ORDER);
        return padded;
    }

    private void checkWriteData(int dataLength) {
        if (dataLength < 0 || dataLength > MAX_WRITE_DATA) {
            throw new IllegalArgumentException("WRITE data of " + dataLength + " bytes, the limit is "
                    + MAX_WRITE_DATA + ": split it into several records");
        }
    }

    private void writeFixed(int handle, long fileOffset, long mtimeSec, long mtimeNsec) {
        header(RecordType.WRITE, handle);
        buffer.putLong(offset + WRITE_OFFSET, fileOffset, BYTE_ORDER);
        putTime(WRITE_MTIME, mtimeSec, mtimeNsec);
    }

    // ---------------------------------------------------------------- TRUNCATE

    public int truncate(long size, long mtimeSec, long mtimeNsec, byte[] path) {
        return finish(putStr(truncateFixed(size, mtimeSec, mtimeNsec), path));
    }

    public int truncate(long size, long mtimeSec, long mtimeNsec, DirectBuffer path, int pathOffset, int pathLength) {
        return finish(putStr(truncateFixed(size, mtimeSec, mtimeNsec), path, pathOffset, pathLength));
    }

    private int truncateFixed(long size, long mtimeSec, long mtimeNsec) {
        int at = header(RecordType.TRUNCATE, 0);
        buffer.putLong(offset + TRUNCATE_SIZE, size, BYTE_ORDER);
        putTime(TRUNCATE_MTIME, mtimeSec, mtimeNsec);
        return at;
    }

    // ---------------------------------------------------------------- CREATE, MKNOD, MKDIR

    /** CREATE; {@code handle} is the new file's open handle, or 0 when it was created closed. */
    public int create(int handle, int mode, int uid, int gid, long mtimeSec, long mtimeNsec,
                      long parentMtimeSec, long parentMtimeNsec, byte[] path) {
        return finish(putStr(nodeFixed(RecordType.CREATE, handle, mode, uid, gid, mtimeSec, mtimeNsec,
                parentMtimeSec, parentMtimeNsec), path));
    }

    public int create(int handle, int mode, int uid, int gid, long mtimeSec, long mtimeNsec,
                      long parentMtimeSec, long parentMtimeNsec, DirectBuffer path, int pathOffset, int pathLength) {
        return finish(putStr(nodeFixed(RecordType.CREATE, handle, mode, uid, gid, mtimeSec, mtimeNsec,
                parentMtimeSec, parentMtimeNsec), path, pathOffset, pathLength));
    }

    public int mkdir(int mode, int uid, int gid, long mtimeSec, long mtimeNsec,
                     long parentMtimeSec, long parentMtimeNsec, byte[] path) {
        return finish(putStr(nodeFixed(RecordType.MKDIR, 0, mode, uid, gid, mtimeSec, mtimeNsec,
                parentMtimeSec, parentMtimeNsec), path));
    }

    public int mkdir(int mode, int uid, int gid, long mtimeSec, long mtimeNsec,
                     long parentMtimeSec, long parentMtimeNsec, DirectBuffer path, int pathOffset, int pathLength) {
        return finish(putStr(nodeFixed(RecordType.MKDIR, 0, mode, uid, gid, mtimeSec, mtimeNsec,
                parentMtimeSec, parentMtimeNsec), path, pathOffset, pathLength));
    }

    public int mknod(int mode, int uid, int gid, long rdev, long mtimeSec, long mtimeNsec,
                     long parentMtimeSec, long parentMtimeNsec, byte[] path) {
        return finish(putStr(mknodFixed(mode, uid, gid, rdev, mtimeSec, mtimeNsec, parentMtimeSec, parentMtimeNsec),
                path));
    }

    public int mknod(int mode, int uid, int gid, long rdev, long mtimeSec, long mtimeNsec,
                     long parentMtimeSec, long parentMtimeNsec, DirectBuffer path, int pathOffset, int pathLength) {
        return finish(putStr(mknodFixed(mode, uid, gid, rdev, mtimeSec, mtimeNsec, parentMtimeSec, parentMtimeNsec),
                path, pathOffset, pathLength));
    }

    private int nodeFixed(RecordType type, int handle, int mode, int uid, int gid, long mtimeSec, long mtimeNsec,
                          long parentMtimeSec, long parentMtimeNsec) {
        int at = header(type, handle);
        putOwner(mode, uid, gid);
        putTime(NODE_MTIME, mtimeSec, mtimeNsec);
        putTime(NODE_PARENT_MTIME, parentMtimeSec, parentMtimeNsec);
        return at;
    }

    private int mknodFixed(int mode, int uid, int gid, long rdev, long mtimeSec, long mtimeNsec,
                           long parentMtimeSec, long parentMtimeNsec) {
        int at = header(RecordType.MKNOD, 0);
        putOwner(mode, uid, gid);
        buffer.putLong(offset + MKNOD_RDEV, rdev, BYTE_ORDER);
        putTime(MKNOD_MTIME, mtimeSec, mtimeNsec);
        putTime(MKNOD_PARENT_MTIME, parentMtimeSec, parentMtimeNsec);
        return at;
    }

    private void putOwner(int mode, int uid, int gid) {
        buffer.putInt(offset + NODE_MODE, mode, BYTE_ORDER);
        buffer.putInt(offset + NODE_UID, uid, BYTE_ORDER);
        buffer.putInt(offset + NODE_GID, gid, BYTE_ORDER);
        buffer.putInt(offset + NODE_PAD, 0, BYTE_ORDER);
    }

    // ---------------------------------------------------------------- RMDIR, UNLINK

    public int rmdir(long parentMtimeSec, long parentMtimeNsec, byte[] path) {
        return finish(putStr(parentOnly(RecordType.RMDIR, parentMtimeSec, parentMtimeNsec), path));
    }

    public int rmdir(long parentMtimeSec, long parentMtimeNsec, DirectBuffer path, int pathOffset, int pathLength) {
        return finish(putStr(parentOnly(RecordType.RMDIR, parentMtimeSec, parentMtimeNsec),
                path, pathOffset, pathLength));
    }

    public int unlink(long parentMtimeSec, long parentMtimeNsec, byte[] path) {
        return finish(putStr(parentOnly(RecordType.UNLINK, parentMtimeSec, parentMtimeNsec), path));
    }

    public int unlink(long parentMtimeSec, long parentMtimeNsec, DirectBuffer path, int pathOffset, int pathLength) {
        return finish(putStr(parentOnly(RecordType.UNLINK, parentMtimeSec, parentMtimeNsec),
                path, pathOffset, pathLength));
    }

    private int parentOnly(RecordType type, long parentMtimeSec, long parentMtimeNsec) {
        int at = header(type, 0);
        putTime(REMOVE_PARENT_MTIME, parentMtimeSec, parentMtimeNsec);
        return at;
    }

    // ---------------------------------------------------------------- RENAME

    public int rename(int renameFlags, long fromParentMtimeSec, long fromParentMtimeNsec,
                      long toParentMtimeSec, long toParentMtimeNsec, byte[] from, byte[] to) {
        int at = renameFixed(renameFlags, fromParentMtimeSec, fromParentMtimeNsec, toParentMtimeSec,
                toParentMtimeNsec);
        return finish(putStr(putStr(at, from), to));
    }

    public int rename(int renameFlags, long fromParentMtimeSec, long fromParentMtimeNsec,
                      long toParentMtimeSec, long toParentMtimeNsec,
                      DirectBuffer from, int fromOffset, int fromLength,
                      DirectBuffer to, int toOffset, int toLength) {
        int at = renameFixed(renameFlags, fromParentMtimeSec, fromParentMtimeNsec, toParentMtimeSec,
                toParentMtimeNsec);
        return finish(putStr(putStr(at, from, fromOffset, fromLength), to, toOffset, toLength));
    }

    private int renameFixed(int renameFlags, long fromSec, long fromNsec, long toSec, long toNsec) {
        int at = header(RecordType.RENAME, 0);
        buffer.putInt(offset + RENAME_FLAGS, renameFlags, BYTE_ORDER);
        buffer.putInt(offset + RENAME_PAD, 0, BYTE_ORDER);
        putTime(RENAME_FROM_PARENT_MTIME, fromSec, fromNsec);
        putTime(RENAME_TO_PARENT_MTIME, toSec, toNsec);
        return at;
    }

    // ---------------------------------------------------------------- SYMLINK, LINK

    /** SYMLINK: {@code path} is the new link, {@code target} what it points to (stored verbatim). */
    public int symlink(int uid, int gid, long mtimeSec, long mtimeNsec, long parentMtimeSec, long parentMtimeNsec,
                       byte[] path, byte[] target) {
        int at = symlinkFixed(uid, gid, mtimeSec, mtimeNsec, parentMtimeSec, parentMtimeNsec);
        return finish(putStr(putStr(at, path), target));
    }

    public int symlink(int uid, int gid, long mtimeSec, long mtimeNsec, long parentMtimeSec, long parentMtimeNsec,
                       DirectBuffer path, int pathOffset, int pathLength,
                       DirectBuffer target, int targetOffset, int targetLength) {
        int at = symlinkFixed(uid, gid, mtimeSec, mtimeNsec, parentMtimeSec, parentMtimeNsec);
        return finish(putStr(putStr(at, path, pathOffset, pathLength), target, targetOffset, targetLength));
    }

    private int symlinkFixed(int uid, int gid, long mtimeSec, long mtimeNsec, long parentSec, long parentNsec) {
        int at = header(RecordType.SYMLINK, 0);
        buffer.putInt(offset + SYMLINK_UID, uid, BYTE_ORDER);
        buffer.putInt(offset + SYMLINK_GID, gid, BYTE_ORDER);
        putTime(SYMLINK_MTIME, mtimeSec, mtimeNsec);
        putTime(SYMLINK_PARENT_MTIME, parentSec, parentNsec);
        return at;
    }

    /** LINK: a hard link {@code newPath} to the file at {@code existing}. */
    public int link(long parentMtimeSec, long parentMtimeNsec, byte[] existing, byte[] newPath) {
        int at = parentOnly(RecordType.LINK, parentMtimeSec, parentMtimeNsec);
        return finish(putStr(putStr(at, existing), newPath));
    }

    public int link(long parentMtimeSec, long parentMtimeNsec,
                    DirectBuffer existing, int existingOffset, int existingLength,
                    DirectBuffer newPath, int newPathOffset, int newPathLength) {
        int at = parentOnly(RecordType.LINK, parentMtimeSec, parentMtimeNsec);
        return finish(putStr(putStr(at, existing, existingOffset, existingLength),
                newPath, newPathOffset, newPathLength));
    }

    // ---------------------------------------------------------------- CHMOD, CHOWN, UTIMENS

    public int chmod(int mode, byte[] path) {
        return finish(putStr(chmodFixed(mode), path));
    }

    public int chmod(int mode, DirectBuffer path, int pathOffset, int pathLength) {
        return finish(putStr(chmodFixed(mode), path, pathOffset, pathLength));
    }

    private int chmodFixed(int mode) {
        int at = header(RecordType.CHMOD, 0);
        buffer.putInt(offset + CHMOD_MODE, mode, BYTE_ORDER);
        buffer.putInt(offset + CHMOD_PAD, 0, BYTE_ORDER);
        return at;
    }

    /** CHOWN; -1 (0xFFFFFFFF) for {@code uid} or {@code gid} means unchanged. */
    public int chown(int uid, int gid, byte[] path) {
        return finish(putStr(chownFixed(uid, gid), path));
    }

    public int chown(int uid, int gid, DirectBuffer path, int pathOffset, int pathLength) {
        return finish(putStr(chownFixed(uid, gid), path, pathOffset, pathLength));
    }

    private int chownFixed(int uid, int gid) {
        int at = header(RecordType.CHOWN, 0);
        buffer.putInt(offset + CHOWN_UID, uid, BYTE_ORDER);
        buffer.putInt(offset + CHOWN_GID, gid, BYTE_ORDER);
        return at;
    }

    public int utimens(long atimeSec, long atimeNsec, long mtimeSec, long mtimeNsec, byte[] path) {
        return finish(putStr(utimensFixed(atimeSec, atimeNsec, mtimeSec, mtimeNsec), path));
    }

    public int utimens(long atimeSec, long atimeNsec, long mtimeSec, long mtimeNsec,
                       DirectBuffer path, int pathOffset, int pathLength) {
        return finish(putStr(utimensFixed(atimeSec, atimeNsec, mtimeSec, mtimeNsec), path, pathOffset, pathLength));
    }

    private int utimensFixed(long atimeSec, long atimeNsec, long mtimeSec, long mtimeNsec) {
        int at = header(RecordType.UTIMENS, 0);
        putTime(UTIMENS_ATIME, atimeSec, atimeNsec);
        putTime(UTIMENS_MTIME, mtimeSec, mtimeNsec);
        return at;
    }

    // ---------------------------------------------------------------- SETXATTR, REMOVEXATTR

    public int setxattr(int xattrFlags, byte[] path, byte[] name, byte[] value) {
        int at = setxattrFixed(xattrFlags);
        return finish(putBlob(putStr(putStr(at, path), name), value, 0, value.length));
    }

    public int setxattr(int xattrFlags, DirectBuffer path, int pathOffset, int pathLength,
                        DirectBuffer name, int nameOffset, int nameLength,
                        DirectBuffer value, int valueOffset, int valueLength) {
        int at = setxattrFixed(xattrFlags);
        at = putStr(putStr(at, path, pathOffset, pathLength), name, nameOffset, nameLength);
        return finish(putBlob(at, value, valueOffset, valueLength));
    }

    private int setxattrFixed(int xattrFlags) {
        int at = header(RecordType.SETXATTR, 0);
        buffer.putInt(offset + SETXATTR_FLAGS, xattrFlags, BYTE_ORDER);
        buffer.putInt(offset + SETXATTR_PAD, 0, BYTE_ORDER);
        return at;
    }

    public int removexattr(byte[] path, byte[] name) {
        return finish(putStr(putStr(header(RecordType.REMOVEXATTR, 0), path), name));
    }

    public int removexattr(DirectBuffer path, int pathOffset, int pathLength,
                           DirectBuffer name, int nameOffset, int nameLength) {
        int at = header(RecordType.REMOVEXATTR, 0);
        return finish(putStr(putStr(at, path, pathOffset, pathLength), name, nameOffset, nameLength));
    }

    // ---------------------------------------------------------------- FALLOCATE, FSYNC, RELEASE

    public int fallocate(int handle, int fallocMode, long fileOffset, long length, long mtimeSec, long mtimeNsec) {
        int at = header(RecordType.FALLOCATE, handle);
        buffer.putInt(offset + FALLOC_MODE, fallocMode, BYTE_ORDER);
        buffer.putInt(offset + FALLOC_PAD, 0, BYTE_ORDER);
        buffer.putLong(offset + FALLOC_OFFSET, fileOffset, BYTE_ORDER);
        buffer.putLong(offset + FALLOC_LENGTH, length, BYTE_ORDER);
        putTime(FALLOC_MTIME, mtimeSec, mtimeNsec);
        return finish(at);
    }

    public int fsync(int handle, boolean datasync) {
        int at = header(RecordType.FSYNC, handle);
        buffer.putInt(offset + FSYNC_DATASYNC, datasync ? 1 : 0, BYTE_ORDER);
        buffer.putInt(offset + FSYNC_PAD, 0, BYTE_ORDER);
        return finish(at);
    }

    public int release(int handle) {
        return finish(header(RecordType.RELEASE, handle));
    }

    // ---------------------------------------------------------------- CHECKPOINT

    /**
     * Begins a CHECKPOINT; add each live handle with {@link #checkpointEntry} and close it with
     * {@link #checkpointEnd()}, which fills the count and the CRC. {@code checkpointFlags} bit 0 is RESET.
     */
    public RecordEncoder checkpointBegin(int checkpointFlags, long sessionId) {
        int at = header(RecordType.CHECKPOINT, 0);
        buffer.putInt(offset + CHECKPOINT_FLAGS, checkpointFlags, BYTE_ORDER);
        buffer.putLong(offset + CHECKPOINT_SESSION, sessionId, BYTE_ORDER);
        checkpointPosition = at;
        checkpointCount = 0;
        return this;
    }

    public RecordEncoder checkpointEntry(int handle, byte[] path) {
        int at = checkpointHandle(handle, path.length);
        checkpointPosition = putStr(at, path);
        checkpointCount++;
        return this;
    }

    public RecordEncoder checkpointEntry(int handle, DirectBuffer path, int pathOffset, int pathLength) {
        int at = checkpointHandle(handle, pathLength);
        checkpointPosition = putStr(at, path, pathOffset, pathLength);
        checkpointCount++;
        return this;
    }

    /** Ends the CHECKPOINT begun by {@link #checkpointBegin}; returns its padded frame length. */
    public int checkpointEnd() {
        requireCheckpoint();
        buffer.putInt(offset + CHECKPOINT_COUNT, checkpointCount, BYTE_ORDER);
        int end = checkpointPosition;
        checkpointPosition = -1;
        return finish(end);
    }

    private int checkpointHandle(int handle, int pathLength) {
        requireCheckpoint();
        int at = checkpointPosition;
        ensureRoom(at, CHECKPOINT_ENTRY_HANDLE + STR_PREFIX + pathLength, "CHECKPOINT entry");
        buffer.putInt(at, handle, BYTE_ORDER);
        return at + CHECKPOINT_ENTRY_HANDLE;
    }

    private void requireCheckpoint() {
        if (checkpointPosition < 0) {
            throw new IllegalStateException("no CHECKPOINT begun: call checkpointBegin() first");
        }
    }

    // ---------------------------------------------------------------- MARKER

    public int marker(long wallClockMillis, byte[] label) {
        return finish(putStr(markerFixed(wallClockMillis), label));
    }

    public int marker(long wallClockMillis, DirectBuffer label, int labelOffset, int labelLength) {
        return finish(putStr(markerFixed(wallClockMillis), label, labelOffset, labelLength));
    }

    private int markerFixed(long wallClockMillis) {
        int at = header(RecordType.MARKER, 0);
        buffer.putLong(offset + MARKER_WALL_CLOCK, wallClockMillis, BYTE_ORDER);
        return at;
    }

    // ---------------------------------------------------------------- framing

    /** Writes type, flags, magic and handle; returns the absolute position of the type's variable fields. */
    private int header(RecordType type, int handle) {
        if (buffer == null) {
            throw new IllegalStateException("encoder not wrapped around a buffer");
        }
        pendingFrameLength = -1;
        checkpointPosition = -1;
        buffer.putByte(offset + RecordHeader.TYPE_OFFSET, (byte) type.code());
        buffer.putByte(offset + RecordHeader.FLAGS_OFFSET, (byte) flags);
        buffer.putShort(offset + RecordHeader.MAGIC_OFFSET, (short) RecordHeader.MAGIC, BYTE_ORDER);
        buffer.putInt(offset + RecordHeader.HANDLE_OFFSET, handle, BYTE_ORDER);
        return offset + type.variableOffset();
    }

    private void putTime(int fieldOffset, long sec, long nsec) {
        buffer.putLong(offset + fieldOffset, sec, BYTE_ORDER);
        buffer.putLong(offset + fieldOffset + TS_NSEC, nsec, BYTE_ORDER);
    }

    private int putStr(int at, byte[] bytes) {
        checkStr(at, bytes.length);
        buffer.putShort(at, (short) bytes.length, BYTE_ORDER);
        buffer.putBytes(at + STR_PREFIX, bytes);
        return at + STR_PREFIX + bytes.length;
    }

    private int putStr(int at, DirectBuffer src, int srcOffset, int length) {
        checkStr(at, length);
        buffer.putShort(at, (short) length, BYTE_ORDER);
        buffer.putBytes(at + STR_PREFIX, src, srcOffset, length);
        return at + STR_PREFIX + length;
    }

    private void checkStr(int at, int length) {
        if (length < 0 || length > MAX_STR_LENGTH) {
            throw new IllegalArgumentException("string of " + length + " bytes, a record string holds at most "
                    + MAX_STR_LENGTH);
        }
        ensureRoom(at, STR_PREFIX + length, "string");
    }

    private int putBlob(int at, DirectBuffer src, int srcOffset, int length) {
        if (length < 0) {
            throw new IllegalArgumentException("negative blob length " + length);
        }
        ensureRoom(at, BLOB_PREFIX + length, "blob");
        buffer.putInt(at, length, BYTE_ORDER);
        buffer.putBytes(at + BLOB_PREFIX, src, srcOffset, length);
        return at + BLOB_PREFIX + length;
    }

    private int putBlob(int at, byte[] value, int valueOffset, int length) {
        ensureRoom(at, BLOB_PREFIX + length, "blob");
        buffer.putInt(at, length, BYTE_ORDER);
        buffer.putBytes(at + BLOB_PREFIX, value, valueOffset, length);
        return at + BLOB_PREFIX + length;
    }

    private void ensureRoom(int at, int bytes, String what) {
        if ((long) at - offset + bytes > RecordHeader.MAX_RECORD_LENGTH) {
            throw new IllegalArgumentException(what + " of " + bytes + " bytes at record offset " + (at - offset)
                    + " makes the record longer than " + RecordHeader.MAX_RECORD_LENGTH + " bytes");
        }
    }

    /** Stores the length, zeroes the padding and fills the CRC of the frame ending (unpadded) at {@code end}. */
    private int finish(int end) {
        int length = end - offset;
        int padded = RecordHeader.align16(length);
        buffer.putInt(offset + RecordHeader.LENGTH_OFFSET, length, BYTE_ORDER);
        buffer.setMemory(end, padded - length, (byte) 0);
        buffer.putInt(offset + RecordHeader.CRC_OFFSET, crc.frameCrc(buffer, offset, padded), BYTE_ORDER);
        return padded;
    }
}
