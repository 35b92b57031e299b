package teefs.mirror.apply;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.agrona.DirectBuffer;

import teefs.posix.Posix;
import teefs.protocol.MalformedRecordException;
import teefs.protocol.RecordDecoder;
import teefs.protocol.RecordType;

/**
 * Applies journal records (docs/RECORDS.md) onto a TARGET directory, one at a time, in queue order.
 *
 * <p>Applying is idempotent: a record applied twice, or a run of records applied again from any earlier index,
 * leaves TARGET as one application does (see {@link TargetFiles} for the rules). Every path is confined to TARGET
 * by {@link PathGuard}; a record that is malformed, leaves TARGET, walks through a symlink, or cannot be applied
 * throws {@link ApplyException} naming its index, type and path. It is never skipped: the caller stops, or pauses
 * and retries on {@link TargetUnavailableException}.
 *
 * <p>The engine keeps the journal session's open-file handles ({@link HandleTable}): ASSOCIATE and CREATE-with-handle
 * open the file at once, so WRITE/FALLOCATE/FSYNC reach the same inode whatever renames and unlinks follow, as on
 * the source. Export them with {@link #handles()} and restore them with {@link #restoreHandles} to resume exactly.
 * A WRITE does not allocate.
 *
 * <p>Owners (uid/gid) are applied only when the process runs as root.
 *
 * <p>Not thread-safe: one thread owns an engine and calls every method. {@link #close()} closes TARGET and every
 * open handle.
 */
public final class ApplyEngine implements AutoCloseable {

    private final PathGuard guard;
    private final TargetFiles files;
    private final HandleTable handles = new HandleTable();
    private final RecordDecoder decoder = new RecordDecoder();
    private final List<HandleTable.Binding> moved = new ArrayList<>();
    private long applied;
    private long writesWithoutFile;
    private long index;
    private BootstrapRepair repair;

    private ApplyEngine(PathGuard guard, boolean applyOwners) {
        this.guard = guard;
        this.files = new TargetFiles(guard, applyOwners);
    }

    /** An engine applying onto {@code target}, which must be an existing directory; owners only as root. */
    public static ApplyEngine open(Path target) {
        return open(target, Posix.isRoot());
    }

    /**
     * An engine applying onto {@code target}.
     *
     * @param applyOwners whether to apply uid/gid (needs root; false leaves files owned by the mirror's user)
     */
    public static ApplyEngine open(Path target, boolean applyOwners) {
        return new ApplyEngine(PathGuard.open(target), applyOwners);
    }

    public Path target() {
        return guard.target();
    }

    /**
     * Validates and applies the raw frame at {@code buffer[offset, offset + length)}.
     *
     * @param index the record's queue index, named in errors
     * @throws ApplyException when the frame is malformed or cannot be applied
     */
    public void apply(long index, DirectBuffer buffer, int offset, int length) {
        try {
            decoder.wrap(buffer, offset, length);
        } catch (MalformedRecordException e) {
            throw new ApplyException(index, null, null, "malformed record: " + e.getMessage()
                    + "; the journal or the connection is corrupt", 0, e);
        }
        apply(index, decoder);
    }

    /**
     * Tells {@code repair} about every RENAME and LINK applied from now on (null: no one), while the records of a
     * bootstrap window are applied; see {@link BootstrapRepair}.
     */
    public void repairWith(BootstrapRepair repair) {
        this.repair = repair;
        guard.forgetDirectories();
    }

    /**
     * Throws {@link TargetUnavailableException} when TARGET's path no longer names the directory this engine writes
     * into: removed, or its drive unmounted (even lazily: writes would go on into a detached filesystem, without one
     * error) or replaced. A position must not be saved for records applied there.
     */
    public void checkTarget() {
        guard.checkAlive(null);
    }

    /** Applies a record already validated by {@code record.wrap(...)}. */
    public void apply(long index, RecordDecoder record) {
        RecordType type = record.type();
        this.index = index;
        try {
            dispatch(record, type);
            applied++;
        } catch (ApplyException e) {
            // what a failed operation left behind is unknown
            guard.forgetDirectories();
            throw e.index() == ApplyException.NO_INDEX ? e.at(index, type.name()) : e;
        } catch (RuntimeException e) {
            guard.forgetDirectories();
            throw new ApplyException(index, type.name(), null, "unexpected failure: " + e, 0, e);
        }
    }

    private void dispatch(RecordDecoder r, RecordType type) {
        switch (type) {
            case ASSOCIATE -> bind(r.handle(), path(r));
            case WRITE -> {
                HandleTable.Binding b = bound(r.handle(), type);
                if (b.fd >= 0) {
                    files.write(b.fd, b.path, r.offset(), r.buffer(), r.dataOffset(), r.dataLength(),
                            r.mtimeSec(), r.mtimeNsec());
                } else {
                    writesWithoutFile++;
                }
            }
            case TRUNCATE -> files.truncate(path(r), r.size(), r.mtimeSec(), r.mtimeNsec());
            case CREATE -> {
                String path = path(r);
                int handle = r.handle();
                int fd = files.create(path, r.mode(), r.uid(), r.gid(), r.mtimeSec(), r.mtimeNsec(),
                        r.parentMtimeSec(), r.parentMtimeNsec(), handle != 0);
                if (handle != 0) {
                    handles.bind(handle, path, fd);
                }
            }
            case MKNOD -> files.mknod(path(r), r.mode(), r.uid(), r.gid(), r.rdev(), r.mtimeSec(),
                    r.mtimeNsec(), r.parentMtimeSec(), r.parentMtimeNsec());
            case MKDIR -> files.mkdir(path(r), r.mode(), r.uid(), r.gid(), r.mtimeSec(), r.mtimeNsec(),
                    r.parentMtimeSec(), r.parentMtimeNsec());
            case RMDIR -> {
                String path = path(r);
                files.rmdir(path, r.parentMtimeSec(), r.parentMtimeNsec());
                guard.forget(path);
            }
            case UNLINK -> files.unlink(path(r), r.parentMtimeSec(), r.parentMtimeNsec());
            case RENAME -> rename(r);
            case SYMLINK -> files.symlink(path(r), second(r), r.uid(), r.gid(), r.mtimeSec(),
                    r.mtimeNsec(), r.parentMtimeSec(), r.parentMtimeNsec());
            case LINK -> link(r);
            case CHMOD -> files.chmod(path(r), r.mode());
            case CHOWN -> files.chown(path(r), r.uid(), r.gid());
            case UTIMENS -> files.utimens(path(r), r.atimeSec(), r.atimeNsec(), r.mtimeSec(), r.mtimeNsec());
            case SETXATTR -> files.setxattr(path(r), second(r), r.buffer(), r.valueOffset(),
                    r.valueLength());
            case REMOVEXATTR -> files.removexattr(path(r), second(r));
            case FALLOCATE -> {
                HandleTable.Binding b = bound(r.handle(), type);
                if (b.fd >= 0) {
                    files.fallocate(b.fd, b.path, r.fallocMode(), r.offset(), r.length(), r.mtimeSec(),
                            r.mtimeNsec());
                } else {
                    writesWithoutFile++;
                }
            }
            case FSYNC -> {
                HandleTable.Binding b = bound(r.handle(), type);
                if (b.fd >= 0) {
                    files.fsync(b.fd, b.path, r.datasync());
                }
            }
            case RELEASE -> handles.release(r.handle());
            case CHECKPOINT -> checkpoint(r);
            case MARKER -> {
                // a label in the stream (e.g. a test or a bootstrap point): nothing to apply
            }
            default -> throw new ApplyException(null, "record type " + type + " is not supported by this mirror:"
                    + " upgrade it", 0);
        }
    }

    private HandleTable.Binding bound(int handle, RecordType type) {
        HandleTable.Binding b = handles.get(handle);
        if (b == null) {
            throw new ApplyException(null, type + " names handle " + Integer.toUnsignedString(handle)
                    + ", which no ASSOCIATE, CREATE or CHECKPOINT bound: replay from the CHECKPOINT before it", 0);
        }
        return b;
    }

    /** Binds {@code handle} to {@code path}, opening it unless it is bound there with a descriptor already. */
    private void bind(int handle, String path) {
        PathGuard.check(path, false);
        HandleTable.Binding b = handles.get(handle);
        if (b != null && b.fd >= 0 && b.path.equals(path)) {
            return;
        }
        handles.bind(handle, path, files.openForWrite(path));
    }

    private void rename(RecordDecoder r) {
        String from = path(r);
        String to = second(r);
        int flags = r.renameFlags();
        boolean staleSourceDropped = files.rename(from, to, flags, r.fromParentMtimeSec(), r.fromParentMtimeNsec(),
                r.toParentMtimeSec(), r.toParentMtimeNsec());
        guard.forget(from);
        guard.forget(to);
        moved.clear();
        if (flags == Posix.RENAME_EXCHANGE) {
            handles.exchanged(from, to, moved);
        } else {
            handles.renamed(from, to, moved);
        }
        boolean copiedAgain = repair != null && repair.renamed(index, from, to, flags == Posix.RENAME_EXCHANGE);
        if (copiedAgain) {
            guard.forgetDirectories();
            // the copy changed the parents' entries: they get the times the record carries again
            files.parentTimes(from, r.fromParentMtimeSec(), r.fromParentMtimeNsec());
            files.parentTimes(to, r.toParentMtimeSec(), r.toParentMtimeNsec());
        }
        for (HandleTable.Binding b : moved) {
            if ((staleSourceDropped || copiedAgain) && b.fd >= 0) {
                // its descriptor was on the dropped re-creation, or on a file the repair replaced: the live file is
                // the one now at the new path
                Posix.LIBC.close(b.fd);
                b.fd = -1;
            }
            if (b.fd < 0) {
                // bound while its path was absent (a replayed overlap): the rename made the name live again
                b.fd = copiedAgain ? files.openForWriteIfRegular(b.path) : files.openForWrite(b.path);
            }
        }
        moved.clear();
    }

    private void link(RecordDecoder r) {
        String existing = path(r);
        String created = second(r);
        files.link(existing, created, r.parentMtimeSec(), r.parentMtimeNsec());
        if (repair != null && repair.linked(index, existing, created)) {
            files.parentTimes(created, r.parentMtimeSec(), r.parentMtimeNsec());
            // the file at the existing name may be a new inode now: the handles bound to it follow it
            reopenHandlesAt(existing);
        }
    }

    /**
     * The file at {@code path} was replaced behind the engine's back (a bootstrap repair copied it again): the
     * handles bound to it are opened again on the file now there.
     */
    public void reopenHandlesAt(String path) {
        guard.forgetDirectories();
        moved.clear();
        handles.boundTo(path, moved);
        for (HandleTable.Binding b : moved) {
            if (b.fd >= 0) {
                Posix.LIBC.close(b.fd);
            }
            b.fd = files.openForWriteIfRegular(b.path);
        }
        moved.clear();
    }

    private void checkpoint(RecordDecoder r) {
        RecordDecoder.CheckpointEntries e = r.entries();
        if ((r.checkpointFlags() & RecordDecoder.CHECKPOINT_RESET) == 0) {
            while (e.next()) {
                bind(e.handle(), exact(e.pathString(), r.buffer(), e.pathOffset(), e.pathLength()));
            }
            return;
        }
        // every handle not listed is dead; a listed one still bound to its path keeps its descriptor (journal-fs
        // restates its handles every few thousand records: reopening every open file each time would be waste)
        Map<Integer, String> listed = new HashMap<>();
        while (e.next()) {
            listed.put(e.handle(), exact(e.pathString(), r.buffer(), e.pathOffset(), e.pathLength()));
        }
        handles.retainOnly(listed);
        for (Map.Entry<Integer, String> entry : listed.entrySet()) {
            bind(entry.getKey(), entry.getValue());
        }
    }

    /** The record's first string; refused when its bytes are not UTF-8, as the name could not be reproduced. */
    private static String path(RecordDecoder r) {
        return exact(r.pathString(), r.buffer(), r.pathOffset(), r.pathLength());
    }

    private static String second(RecordDecoder r) {
        return exact(r.secondString(), r.buffer(), r.secondOffset(), r.secondLength());
    }

    private static String exact(String decoded, DirectBuffer buffer, int offset, int length) {
        // U+FFFD is what the decoder puts for bytes that are not UTF-8; only then is a byte comparison needed
        if (decoded.indexOf('\uFFFD') >= 0) {
            byte[] raw = new byte[length];
            buffer.getBytes(offset, raw);
            if (!java.util.Arrays.equals(raw, decoded.getBytes(java.nio.charset.StandardCharsets.UTF_8))) {
                throw new ApplyException(decoded, "refused a name that is not valid UTF-8: the mirror could not "
                        + "reproduce it byte for byte", 0);
            }
        }
        return decoded;
    }

    /** Snapshot of the bound handles (handle → path), sorted by handle: persist it with the applied index. */
    public Map<Integer, String> handles() {
        return handles.snapshot();
    }

    /**
     * Replaces the handle table by {@code snapshot} (from {@link #handles()}), opening each path, as a CHECKPOINT
     * with RESET would: the state to resume right after the index it was taken at.
     */
    public void restoreHandles(Map<Integer, String> snapshot) {
        handles.clear();
        for (Map.Entry<Integer, String> e : snapshot.entrySet()) {
            try {
                bind(e.getKey(), e.getValue());
            } catch (ApplyException ex) {
                throw ex.at(ApplyException.NO_INDEX, "restore of handle " + e.getKey());
            }
        }
    }

    /**
     * Updates the handle table from a record without touching TARGET (ASSOCIATE, CREATE with a handle, RENAME,
     * RELEASE, CHECKPOINT): how a replayer rebuilds the table between a CHECKPOINT and its start index. Descriptors
     * are opened only for the bindings left at the end, by {@link #openTrackedHandles()}.
     */
    public void track(RecordDecoder r) {
        switch (r.type()) {
            case ASSOCIATE -> handles.bind(r.handle(), path(r), -1);
            case CREATE -> {
                if (r.handle() != 0) {
                    handles.bind(r.handle(), path(r), -1);
                }
            }
            case RENAME -> {
                moved.clear();
                if (r.renameFlags() == Posix.RENAME_EXCHANGE) {
                    handles.exchanged(path(r), second(r), moved);
                } else {
                    handles.renamed(path(r), second(r), moved);
                }
                moved.clear();
            }
            case RELEASE -> handles.release(r.handle());
            case CHECKPOINT -> {
                if ((r.checkpointFlags() & RecordDecoder.CHECKPOINT_RESET) != 0) {
                    handles.clear();
                }
                RecordDecoder.CheckpointEntries e = r.entries();
                while (e.next()) {
                    handles.bind(e.handle(), exact(e.pathString(), r.buffer(), e.pathOffset(), e.pathLength()), -1);
                }
            }
            default -> {
                // no effect on handles
            }
        }
    }

    /** Opens the descriptors of the handles {@link #track} bound; call once before applying resumes. */
    public void openTrackedHandles() {
        restoreHandles(handles.snapshot());
    }

    /** Records applied by this engine since it was opened. */
    public long appliedCount() {
        return applied;
    }

    /**
     * WRITE and FALLOCATE records applied to nothing: their handle was bound while its path was absent from TARGET.
     * That is expected where a later record overtakes the file (a replayed overlap, a bootstrap window, a replay
     * started past the file's removal); in one uninterrupted replay from a queue's first record it means TARGET
     * and the journal disagreed, which is worth a look with {@code teefs verify}.
     */
    public long writesWithoutFile() {
        return writesWithoutFile;
    }

    @Override
    public void close() {
        try {
            handles.close();
        } finally {
            guard.close();
        }
    }
}
