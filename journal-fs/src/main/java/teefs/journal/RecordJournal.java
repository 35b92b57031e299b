package teefs.journal;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

import org.agrona.concurrent.UnsafeBuffer;

import teefs.posix.Stat;
import teefs.protocol.RecordDecoder;
import teefs.protocol.RecordEncoder;
import teefs.protocol.RecordHeader;
import teefs.queue.AppendOptions;
import teefs.queue.JournalAppender;
import teefs.queue.JournalQueue;

/**
 * Encodes journal-fs's records and appends them to the queue: one method per mutation, taking what STORE showed
 * right after it (the {@link Stat}s). Keeps the session's checkpoints: a CHECKPOINT RESET when a session starts, and
 * a complete restatement of the open handles as the first record of every new queue cycle, so a reader can begin at
 * any cycle without the history before it, and again every {@value #CHECKPOINT_RECORDS} records or so, so a reader
 * that starts at an index (a mirror just bootstrapped) rebuilds its handles from a few thousand records, not from
 * up to an hour of them.
 *
 * <p>Not thread-safe: only the holder of journal-fs's journal lock calls it (one writer per queue). WRITE data is
 * copied once, from the FUSE buffer straight into the queue's mapped file.
 */
final class RecordJournal implements AutoCloseable {
    private static final int NO_NSEC = -1;
    /**
     * Records between restatements of the handles, at least; more when many handles are open, so that
     * restatements stay a small part of the journal (16 records per open handle).
     */
    static final int CHECKPOINT_RECORDS = 4096;

    private final JournalQueue queue;
    private final JournalAppender appender;
    private final HandleTable handles;
    private final RecordEncoder encoder = new RecordEncoder();
    private final UnsafeBuffer scratch =
            new UnsafeBuffer(ByteBuffer.allocateDirect(RecordHeader.MAX_RECORD_LENGTH));
    /** Checkpoints are encoded here: one may be due while another record waits in {@link #scratch}. */
    private final UnsafeBuffer checkpointScratch =
            new UnsafeBuffer(ByteBuffer.allocateDirect(RecordHeader.MAX_RECORD_LENGTH));
    private final UnsafeBuffer head = new UnsafeBuffer(ByteBuffer.allocateDirect(64));
    private final UnsafeBuffer data = new UnsafeBuffer(0, 0);
    private long sessionId;
    private int checkpointCycle = Integer.MIN_VALUE;
    private long recordsSinceCheckpoint;
    /** A restatement is due and its room reserved: the next record is preceded by it. */
    private boolean restatementDue;

    RecordJournal(JournalQueue queue, AppendOptions options, HandleTable handles) {
        this.queue = queue;
        this.appender = queue.appender(options);
        this.handles = handles;
    }

    /** Starts a journal session: every handle of an earlier (crashed or stopped) session is declared dead. */
    void startSession() {
        sessionId = ThreadLocalRandom.current().nextLong();
        reserve(4096);
        checkpoint();
    }

    /**
     * Restates the mount root's own mode, owner and times: nothing else ever names the root, and a mirror's root
     * must match STORE's too. Written at each session start, after its CHECKPOINT.
     */
    void restateRoot(Stat root) {
        byte[] rootPath = new byte[0];
        chmod(rootPath, root.permissions());
        chown(rootPath, root.uid(), root.gid());
        utimens(rootPath, root);
    }

    /**
     * Makes room in the queue for the records of one mutation of about {@code bytes}, before STORE is touched; the
     * first record of a new cycle is preceded by a checkpoint of every open handle, so room for that too.
     *
     * @throws teefs.queue.QueueFullException when the queue's disk has no room; nothing changed
     */
    void reserve(long bytes) {
        reserve(bytes, true);
    }

    /**
     * {@link #reserve} for an operation that already happened and cannot be refused (a release): the queue space
     * without the free-space check, which could only lose the record.
     */
    void reserveUnrefusable(long bytes) {
        reserve(bytes, false);
    }

    private void reserve(long bytes, boolean refusable) {
        if (refusable) {
            appender.reserve(bytes);
        } else {
            appender.reserveUnrefusable(bytes);
        }
        boolean periodic = recordsSinceCheckpoint >= Math.max(CHECKPOINT_RECORDS, 16L * handles.size());
        if (queue.currentCycle() != checkpointCycle || periodic) {
            if (refusable) {
                appender.reserve(bytes + checkpointBytes());
            } else {
                appender.reserveUnrefusable(bytes + checkpointBytes());
            }
            // decided here, where its room is reserved, not at an append that follows a change of STORE
            restatementDue |= periodic;
        }
    }

    /** What {@link #checkpoint} will append, at most. */
    private long checkpointBytes() {
        long entries = 0;
        for (OpenFile file : handles.associated()) {
            entries += 4 + 2 + file.pathBytes().length;
        }
        long records = 1 + entries / (RecordHeader.MAX_RECORD_LENGTH - 64 - 4096);
        return entries + records * 128;
    }

    /** Marks records encoded from now on as emitted by crash recovery. */
    void recovering(boolean recovering) {
        encoder.flags(recovering ? RecordHeader.FLAG_RECOVERED : 0);
    }

    // ---- handle-based records --------------------------------------------------------------------------------

    void associate(OpenFile file) {
        append(encoder.wrap(scratch, 0).associate(file.handle, file.pathBytes()));
    }

    /**
     * Puts a large WRITE's data into the queue's side file before STORE is changed: a full queue disk then fails
     * here ({@link teefs.queue.QueueFullException}), with nothing changed. {@link #write} then appends only the
     * small reference.
     */
    void stageWrite(long address, int length) {
        appender.stageSideData(address, length);
    }

    /** One WRITE of {@code length} bytes at native {@code address} (the FUSE buffer), copied once into the queue. */
    void write(OpenFile file, long fileOffset, long address, int length, Stat stat) {
        maybeCheckpoint();
        data.wrap(address, length);
        int headLength = encoder.wrap(head, 0).writeHead(file.handle, fileOffset, stat.mtimeSec(), stat.mtimeNsec(),
                data, 0, length);
        appender.append(head, 0, headLength, data, 0, length,
                RecordHeader.paddingFor(headLength + length));
    }

    /** A WRITE whose data is in a heap array (crash recovery re-reads STORE into one). */
    void write(int handle, long fileOffset, byte[] bytes, int length, Stat stat) {
        data.wrap(bytes, 0, length);
        append(encoder.wrap(scratch, 0).write(handle, fileOffset, stat.mtimeSec(), stat.mtimeNsec(), data, 0, length));
    }

    void fallocate(OpenFile file, int mode, long fileOffset, long length, Stat stat) {
        append(encoder.wrap(scratch, 0).fallocate(file.handle, mode, fileOffset, length, stat.mtimeSec(),
                stat.mtimeNsec()));
    }

    void fsync(OpenFile file, boolean datasync) {
        append(encoder.wrap(scratch, 0).fsync(file.handle, datasync));
    }

    void release(OpenFile file) {
        append(encoder.wrap(scratch, 0).release(file.handle));
    }

    void associate(int handle, byte[] path) {
        append(encoder.wrap(scratch, 0).associate(handle, path));
    }

    void release(int handle) {
        append(encoder.wrap(scratch, 0).release(handle));
    }

    // ---- path-based records ----------------------------------------------------------------------------------

    void truncate(byte[] path, long size, Stat stat) {
        append(encoder.wrap(scratch, 0).truncate(size, stat.mtimeSec(), stat.mtimeNsec(), path));
    }

    void create(int handle, byte[] path, Stat stat, Stat parent) {
        append(encoder.wrap(scratch, 0).create(handle, stat.mode(), stat.uid(), stat.gid(), stat.mtimeSec(),
                stat.mtimeNsec(), parentSec(parent), parentNsec(parent), path));
    }

    void mknod(byte[] path, Stat stat, Stat parent) {
        append(encoder.wrap(scratch, 0).mknod(stat.mode(), stat.uid(), stat.gid(), stat.rdev(), stat.mtimeSec(),
                stat.mtimeNsec(), parentSec(parent), parentNsec(parent), path));
    }

    void mkdir(byte[] path, Stat stat, Stat parent) {
        append(encoder.wrap(scratch, 0).mkdir(stat.mode(), stat.uid(), stat.gid(), stat.mtimeSec(), stat.mtimeNsec(),
                parentSec(parent), parentNsec(parent), path));
    }

    void rmdir(byte[] path, Stat parent) {
        append(encoder.wrap(scratch, 0).rmdir(parentSec(parent), parentNsec(parent), path));
    }

    void unlink(byte[] path, Stat parent) {
        append(encoder.wrap(scratch, 0).unlink(parentSec(parent), parentNsec(parent), path));
    }

    void rename(byte[] from, byte[] to, int flags, Stat fromParent, Stat toParent) {
        append(encoder.wrap(scratch, 0).rename(flags, parentSec(fromParent), parentNsec(fromParent),
                parentSec(toParent), parentNsec(toParent), from, to));
    }

    void symlink(byte[] path, byte[] target, Stat stat, Stat parent) {
        append(encoder.wrap(scratch, 0).symlink(stat.uid(), stat.gid(), stat.mtimeSec(), stat.mtimeNsec(),
                parentSec(parent), parentNsec(parent), path, target));
    }

    void link(byte[] existing, byte[] newPath, Stat parent) {
        append(encoder.wrap(scratch, 0).link(parentSec(parent), parentNsec(parent), existing, newPath));
    }

    void chmod(byte[] path, int mode) {
        append(encoder.wrap(scratch, 0).chmod(mode, path));
    }

    void chown(byte[] path, int uid, int gid) {
        append(encoder.wrap(scratch, 0).chown(uid, gid, path));
    }

    void utimens(byte[] path, Stat stat) {
        append(encoder.wrap(scratch, 0).utimens(stat.atimeSec(), stat.atimeNsec(), stat.mtimeSec(),
                stat.mtimeNsec(), path));
    }

    void setxattr(byte[] path, byte[] name, byte[] value, int flags) {
        append(encoder.wrap(scratch, 0).setxattr(flags, path, name, value));
    }

    void removexattr(byte[] path, byte[] name) {
        append(encoder.wrap(scratch, 0).removexattr(path, name));
    }

    void marker(String label) {
        append(encoder.wrap(scratch, 0).marker(System.currentTimeMillis(),
                label.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    }

    /** Forces the queue to the disk now (an application's fsync on the mount). */
    void sync() {
        appender.sync();
    }

    long lastIndex() {
        return appender.lastIndexAppended();
    }

    // ---- mechanics -------------------------------------------------------------------------------------------

    private static long parentSec(Stat parent) {
        return parent == null ? 0 : parent.mtimeSec();
    }

    private static long parentNsec(Stat parent) {
        return parent == null ? NO_NSEC : parent.mtimeNsec();
    }

    private void append(int frameLength) {
        maybeCheckpoint();
        appender.append(scratch, 0, frameLength);
    }

    private void maybeCheckpoint() {
        if (queue.currentCycle() != checkpointCycle || restatementDue) {
            checkpoint();
        }
        recordsSinceCheckpoint++;
    }

    /**
     * Restates every handle the journal names, RESET first: a reader that starts at this record needs nothing
     * older. Very many open handles spill into continuation records without RESET.
     */
    private void checkpoint() {
        checkpointCycle = queue.currentCycle();
        recordsSinceCheckpoint = 0;
        restatementDue = false;
        int flags = RecordDecoder.CHECKPOINT_RESET;
        List<OpenFile> open = handles.associated();
        int i = 0;
        do {
            encoder.wrap(checkpointScratch, 0).checkpointBegin(flags, sessionId);
            int room = RecordHeader.MAX_RECORD_LENGTH - 64;
            while (i < open.size()) {
                OpenFile file = open.get(i);
                int entry = 4 + 2 + file.pathBytes().length;
                if (room < entry) {
                    break;
                }
                encoder.checkpointEntry(file.handle, file.pathBytes());
                room -= entry;
                i++;
            }
            appender.append(checkpointScratch, 0, encoder.checkpointEnd());
            flags = 0;
        } while (i < open.size());
    }

    @Override
    public void close() {
        appender.close();
    }
}
