package teefs.journal;

import static teefs.posix.Posix.LIBC;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.concurrent.locks.ReentrantLock;

import jnr.ffi.Pointer;
import jnr.ffi.Struct;
import jnr.ffi.types.dev_t;
import jnr.ffi.types.gid_t;
import jnr.ffi.types.mode_t;
import jnr.ffi.types.off_t;
import jnr.ffi.types.size_t;
import jnr.ffi.types.uid_t;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import ru.serce.jnrfuse.FuseFillDir;
import ru.serce.jnrfuse.FuseStubFS;
import ru.serce.jnrfuse.struct.FileStat;
import ru.serce.jnrfuse.struct.FuseContext;
import ru.serce.jnrfuse.struct.FuseFileInfo;
import ru.serce.jnrfuse.struct.Statvfs;
import ru.serce.jnrfuse.struct.Timespec;

import teefs.posix.Posix;
import teefs.posix.Stat;
import teefs.protocol.RecordType;
import teefs.queue.QueueFullException;

/**
 * The FUSE callbacks: a passthrough of STORE in which every successful mutation is also appended to the journal.
 *
 * <p><b>Ordering.</b> Each mutation runs under one lock, from the intent to the append: STORE sees the operations
 * in exactly the order the journal lists them, whatever thread FUSE calls us on. Reads, getattr and readdir take no
 * lock and cost what a plain passthrough costs.
 *
 * <p><b>Nothing acknowledged is lost.</b> Before STORE is touched, the journal reserves the queue space the
 * mutation's records need: a queue disk below the free-space reserve, or one that cannot give the blocks, answers
 * ENOSPC and nothing changes; the next mutation tries again, so freeing space is all it takes. Once reserved, the
 * appends cannot meet a full disk (docs/JOURNAL.md, "Queue space"). If an append still fails after STORE changed (a
 * fault of another kind), the operation answers EIO, the intent stays in the {@link IntentLog}, and the mount refuses
 * every further mutation until it is restarted, when {@link Recovery} journals what STORE shows: STORE and QUEUE
 * never silently diverge.
 *
 * <p><b>Errors.</b> A callback never throws (jnr-fuse would answer success): each catches everything and answers
 * with an errno.
 */
final class JournalFs extends FuseStubFS {
    private static final Logger LOG = LoggerFactory.getLogger(JournalFs.class);

    private final String storeRoot;
    private final RecordJournal journal;
    private final IntentLog intents;
    private final HandleTable handles;
    private final boolean root = Posix.isRoot();
    private final ReentrantLock lock = new ReentrantLock();
    /** Scratch stats, used only by the lock holder. */
    private final Stat stat = new Stat();
    private final Stat parentStat = new Stat();
    private final Stat otherStat = new Stat();
    private volatile String brokenReason;
    /** STORE itself (O_PATH): the hot callbacks name files relative to it, so the kernel walks only their path. */
    private final int storeFd;
    /** Mutations begun so far (incremented under the lock): a create's attributes are reused only if none followed. */
    private volatile long mutations;

    /** libfuse2's struct fuse_file_info (x86_64): int flags @0, ..., uint64_t fh @24 (checked by a test). */
    static final int FI_FLAGS = 0;
    static final int FI_FH = 24;

    JournalFs(String storeRoot, RecordJournal journal, IntentLog intents, HandleTable handles) {
        this.storeRoot = storeRoot;
        this.journal = journal;
        this.intents = intents;
        this.handles = handles;
        this.storeFd = LIBC.open(storeRoot, Posix.O_PATH | Posix.O_DIRECTORY | Posix.O_CLOEXEC, 0);
        if (storeFd < 0) {
            throw new IllegalStateException("cannot open STORE " + storeRoot + ": " + Posix.strerror(Posix.errno()));
        }
        // The callbacks every small file costs (about seven round trips), bound without jnr-fuse's per-call wrappers:
        // it builds a FileStat or FuseFileInfo Struct (dozens of field objects) around the native pointer each time;
        // these read and write the few fields they need straight from the pointer.
        fuseOperations.getattr.set(this::getattrRaw);
        fuseOperations.fgetattr.set(this::fgetattrRaw);
        fuseOperations.create.set(this::createRaw);
        fuseOperations.open.set(this::openRaw);
        fuseOperations.write.set(this::writeRaw);
        fuseOperations.read_buf.set(this::readBufRaw);
        fuseOperations.release.set(this::releaseRaw);
    }

    /** Closes the descriptor of STORE (after the unmount). */
    void close() {
        LIBC.close(storeFd);
    }

    @Override
    protected String getFSName() {
        return "teefs";
    }

    /** True when an append failed after STORE changed: mutations are refused until restart. */
    boolean isBroken() {
        return brokenReason != null;
    }

    // ---- paths -------------------------------------------------------------------------------------------------

    private String store(String fusePath) {
        return "/".equals(fusePath) ? storeRoot : storeRoot + fusePath;
    }

    /** The record path: relative to the mount root, the root itself is "". */
    private static String rel(String fusePath) {
        return fusePath.length() <= 1 ? "" : fusePath.substring(1);
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** The path relative to STORE's descriptor, for *at() calls: the root itself is ".". */
    private static String at(String fusePath) {
        return fusePath.length() <= 1 ? "." : fusePath.substring(1);
    }

    /** The parent's path relative to STORE's descriptor. */
    private static String atParent(String fusePath) {
        int slash = fusePath.lastIndexOf('/');
        return slash <= 0 ? "." : fusePath.substring(1, slash);
    }

    private String storeParent(String fusePath) {
        int slash = fusePath.lastIndexOf('/');
        return slash <= 0 ? storeRoot : storeRoot + fusePath.substring(0, slash);
    }

    // ---- the mutation frame ------------------------------------------------------------------------------------

    /** The part of a mutation that runs under the lock: touch STORE, journal on success, answer 0 or -errno. */
    @FunctionalInterface
    private interface Mutation {
        int apply() throws Exception;
    }

    private int mutate(String what, String path, long queueBytes, Mutation mutation) {
        return mutate(what, path, queueBytes, true, mutation);
    }

    /**
     * @param refusable false for an operation that already happened on STORE and whose answer nobody reads (a
     *                  release): the queue's free-space check is skipped, only its blocks are reserved
     */
    private int mutate(String what, String path, long queueBytes, boolean refusable, Mutation mutation) {
        if (brokenReason != null) {
            return -Posix.EIO;
        }
        lock.lock();
        try {
            mutations++;
            try {
                if (refusable) {
                    journal.reserve(queueBytes);
                } else {
                    journal.reserveUnrefusable(queueBytes);
                }
            } catch (QueueFullException e) {
                LOG.warn("{} {}: refused with ENOSPC: {}", what, path, e.getMessage());
                return -Posix.ENOSPC;
            }
            int result;
            try {
                result = mutation.apply();
            } catch (Throwable t) {
                // STORE may have changed and the journal does not say so: keep the intent for Recovery, stop mutating
                brokenReason = what + " " + path + ": " + t;
                LOG.error("journal append failed after STORE changed ({}); the mount now refuses changes with EIO. "
                        + "Restart 'teefs journal' to reconcile STORE and the queue.", brokenReason, t);
                return -Posix.EIO;
            }
            intents.clear();
            return result;
        } catch (Throwable t) {
            LOG.error("{} {} failed unexpectedly", what, path, t);
            return -Posix.EIO;
        } finally {
            lock.unlock();
        }
    }

    private void ownToCaller(String storePath) {
        if (!root) {
            return;
        }
        FuseContext context = getContext();
        if (context == null) {
            return; // called outside libfuse's loop (tests)
        }
        int uid = (int) context.uid.get();
        int gid = (int) context.gid.get();
        if (uid != 0 || gid != 0) {
            LIBC.lchown(storePath, uid, gid);
        }
    }

    private void ownToCaller(int fd) {
        if (!root) {
            return;
        }
        FuseContext context = getContext();
        if (context == null) {
            return; // called outside libfuse's loop (tests)
        }
        int uid = (int) context.uid.get();
        int gid = (int) context.gid.get();
        if (uid != 0 || gid != 0) {
            LIBC.fchown(fd, uid, gid);
        }
    }

    private void statParent(String fusePath) {
        parentStat.fstatat(storeFd, atParent(fusePath), Posix.AT_SYMLINK_NOFOLLOW);
    }

    // ---- metadata reads: no lock -------------------------------------------------------------------------------

    @Override
    public int getattr(String path, FileStat stat) {
        return getattrRaw(path, Struct.getMemory(stat));
    }

    private int getattrRaw(String path, Pointer stat) {
        try {
            return LIBC.fstatat(storeFd, at(path), stat, Posix.AT_SYMLINK_NOFOLLOW) == 0 ? 0 : -Posix.errno();
        } catch (Throwable t) {
            return internal("getattr", path, t);
        }
    }

    @Override
    public int fgetattr(String path, FileStat stat, FuseFileInfo fi) {
        return fgetattrRaw(path, Struct.getMemory(stat), Struct.getMemory(fi));
    }

    private int fgetattrRaw(String path, Pointer stat, Pointer fi) {
        try {
            OpenFile file = handles.get(fi.getLongLong(FI_FH));
            if (file == null) {
                return getattrRaw(path, stat);
            }
            // libfuse asks right after every create: answer with what create saw, unless anything changed since
            Stat created = file.createdAttr;
            if (created != null) {
                file.createdAttr = null;
                if (file.createdAtMutation == mutations) {
                    created.copyTo(stat);
                    return 0;
                }
            }
            return LIBC.fstat(file.fd, stat) == 0 ? 0 : -Posix.errno();
        } catch (Throwable t) {
            return internal("fgetattr", path, t);
        }
    }

    @Override
    public int readlink(String path, Pointer buf, @size_t long size) {
        try {
            long n = LIBC.readlink(store(path), buf, size - 1);
            if (n < 0) {
                return -Posix.errno();
            }
            buf.putByte(n, (byte) 0);
            return 0;
        } catch (Throwable t) {
            return internal("readlink", path, t);
        }
    }

    @Override
    public int access(String path, int mask) {
        try {
            return LIBC.access(store(path), mask) == 0 ? 0 : -Posix.errno();
        } catch (Throwable t) {
            return internal("access", path, t);
        }
    }

    @Override
    public int statfs(String path, Statvfs stbuf) {
        try {
            return LIBC.statvfs(storeRoot, Struct.getMemory(stbuf)) == 0 ? 0 : -Posix.errno();
        } catch (Throwable t) {
            return internal("statfs", path, t);
        }
    }

    @Override
    public int opendir(String path, FuseFileInfo fi) {
        return 0;
    }

    @Override
    public int readdir(String path, Pointer buf, FuseFillDir filter, @off_t long offset, FuseFileInfo fi) {
        try (DirectoryStream<java.nio.file.Path> entries = Files.newDirectoryStream(Paths.get(store(path)))) {
            filter.apply(buf, ".", null, 0);
            filter.apply(buf, "..", null, 0);
            for (java.nio.file.Path entry : entries) {
                if (filter.apply(buf, entry.getFileName().toString(), null, 0) != 0) {
                    break;
                }
            }
            return 0;
        } catch (java.nio.file.NoSuchFileException e) {
            return -Posix.ENOENT;
        } catch (java.nio.file.NotDirectoryException e) {
            return -Posix.ENOTDIR;
        } catch (java.nio.file.AccessDeniedException e) {
            return -Posix.EACCES;
        } catch (IOException e) {
            return -Posix.EIO;
        } catch (Throwable t) {
            return internal("readdir", path, t);
        }
    }

    @Override
    public int getxattr(String path, String name, Pointer value, @size_t long size) {
        try {
            long n = LIBC.lgetxattr(store(path), name, size == 0 ? null : value, size);
            return n < 0 ? -Posix.errno() : (int) n;
        } catch (Throwable t) {
            return internal("getxattr", path, t);
        }
    }

    @Override
    public int listxattr(String path, Pointer list, @size_t long size) {
        try {
            long n = LIBC.llistxattr(store(path), size == 0 ? null : list, size);
            return n < 0 ? -Posix.errno() : (int) n;
        } catch (Throwable t) {
            return internal("listxattr", path, t);
        }
    }

    // ---- namespace mutations -------------------------------------------------------------------------------------

    @Override
    public int mkdir(String path, @mode_t long mode) {
        String rel = rel(path);
        return mutate("mkdir", path, 256 + rel.length(), () -> {
            byte[] relBytes = bytes(rel);
            intents.begin(RecordType.MKDIR.code(), relBytes, null, 0, 0, 0);
            String sp = store(path);
            if (LIBC.mkdir(sp, (int) mode & 07777) != 0) {
                return -Posix.errno();
            }
            ownToCaller(sp);
            stat.lstat(sp);
            statParent(path);
            journal.mkdir(relBytes, stat, parentStat);
            return 0;
        });
    }

    @Override
    public int mknod(String path, @mode_t long mode, @dev_t long rdev) {
        String rel = rel(path);
        return mutate("mknod", path, 256 + rel.length(), () -> {
            byte[] relBytes = bytes(rel);
            boolean regular = ((int) mode & Posix.S_IFMT) == Posix.S_IFREG || ((int) mode & Posix.S_IFMT) == 0;
            intents.begin(regular ? RecordType.CREATE.code() : RecordType.MKNOD.code(), relBytes, null, 0, 0, 0);
            String sp = store(path);
            if (LIBC.mknod(sp, (int) mode, rdev) != 0) {
                return -Posix.errno();
            }
            ownToCaller(sp);
            stat.lstat(sp);
            statParent(path);
            if (regular) {
                journal.create(0, relBytes, stat, parentStat);
            } else {
                journal.mknod(relBytes, stat, parentStat);
            }
            return 0;
        });
    }

    @Override
    public int unlink(String path) {
        String rel = rel(path);
        return mutate("unlink", path, 128 + rel.length(), () -> {
            byte[] relBytes = bytes(rel);
            intents.begin(RecordType.UNLINK.code(), relBytes, null, 0, 0, 0);
            if (LIBC.unlink(store(path)) != 0) {
                return -Posix.errno();
            }
            statParent(path);
            journal.unlink(relBytes, parentStat);
            return 0;
        });
    }

    @Override
    public int rmdir(String path) {
        String rel = rel(path);
        return mutate("rmdir", path, 128 + rel.length(), () -> {
            byte[] relBytes = bytes(rel);
            intents.begin(RecordType.RMDIR.code(), relBytes, null, 0, 0, 0);
            if (LIBC.rmdir(store(path)) != 0) {
                return -Posix.errno();
            }
            statParent(path);
            journal.rmdir(relBytes, parentStat);
            return 0;
        });
    }

    @Override
    public int symlink(String target, String path) {
        String rel = rel(path);
        return mutate("symlink", path, 256 + rel.length() + target.length() * 4L, () -> {
            byte[] relBytes = bytes(rel);
            byte[] targetBytes = bytes(target);
            intents.begin(RecordType.SYMLINK.code(), relBytes, targetBytes, 0, 0, 0);
            String sp = store(path);
            if (LIBC.symlink(target, sp) != 0) {
                return -Posix.errno();
            }
            ownToCaller(sp);
            stat.lstat(sp);
            statParent(path);
            journal.symlink(relBytes, targetBytes, stat, parentStat);
            return 0;
        });
    }

    @Override
    public int rename(String oldpath, String newpath) {
        String from = rel(oldpath);
        String to = rel(newpath);
        return mutate("rename", oldpath, 256 + (from.length() + to.length()) * 4L, () -> {
            byte[] fromBytes = bytes(from);
            byte[] toBytes = bytes(to);
            String spFrom = store(oldpath);
            long inode = otherStat.lstat(spFrom) == 0 ? otherStat.ino() : 0;
            intents.begin(RecordType.RENAME.code(), fromBytes, toBytes, 0, 0, inode);
            if (LIBC.rename(spFrom, store(newpath)) != 0) {
                return -Posix.errno();
            }
            statParent(oldpath);
            stat.lstat(storeParent(newpath));
            journal.rename(fromBytes, toBytes, 0, parentStat, stat);
            // only now: a restatement of the handles that falls due at this record is appended just before it, and
            // must name the open files where they are before the rename, or a reader binds them to names that do
            // not exist yet and drops their writes
            handles.renamed(from, to);
            return 0;
        });
    }

    @Override
    public int link(String oldpath, String newpath) {
        String existing = rel(oldpath);
        String created = rel(newpath);
        return mutate("link", newpath, 256 + (existing.length() + created.length()) * 4L, () -> {
            byte[] existingBytes = bytes(existing);
            byte[] createdBytes = bytes(created);
            String spExisting = store(oldpath);
            long inode = otherStat.lstat(spExisting) == 0 ? otherStat.ino() : 0;
            intents.begin(RecordType.LINK.code(), existingBytes, createdBytes, 0, 0, inode);
            if (LIBC.link(spExisting, store(newpath)) != 0) {
                return -Posix.errno();
            }
            statParent(newpath);
            journal.link(existingBytes, createdBytes, parentStat);
            return 0;
        });
    }

    // ---- attribute mutations -----------------------------------------------------------------------------------

    @Override
    public int chmod(String path, @mode_t long mode) {
        String rel = rel(path);
        return mutate("chmod", path, 128 + rel.length(), () -> {
            byte[] relBytes = bytes(rel);
            intents.begin(RecordType.CHMOD.code(), relBytes, null, 0, 0, 0);
            if (LIBC.chmod(store(path), (int) mode & 07777) != 0) {
                return -Posix.errno();
            }
            journal.chmod(relBytes, (int) mode & 07777);
            return 0;
        });
    }

    @Override
    public int chown(String path, @uid_t long uid, @gid_t long gid) {
        String rel = rel(path);
        return mutate("chown", path, 128 + rel.length(), () -> {
            byte[] relBytes = bytes(rel);
            intents.begin(RecordType.CHOWN.code(), relBytes, null, 0, 0, 0);
            if (LIBC.lchown(store(path), (int) uid, (int) gid) != 0) {
                return -Posix.errno();
            }
            journal.chown(relBytes, (int) uid, (int) gid);
            return 0;
        });
    }

    @Override
    public int utimens(String path, Timespec[] timespec) {
        String rel = rel(path);
        return mutate("utimens", path, 128 + rel.length(), () -> {
            byte[] relBytes = bytes(rel);
            intents.begin(RecordType.UTIMENS.code(), relBytes, null, 0, 0, 0);
            long[] times = {
                timespec[0].tv_sec.get(), timespec[0].tv_nsec.longValue(),
                timespec[1].tv_sec.get(), timespec[1].tv_nsec.longValue()
            };
            String sp = store(path);
            if (LIBC.utimensat(Posix.AT_FDCWD, sp, times, Posix.AT_SYMLINK_NOFOLLOW) != 0) {
                return -Posix.errno();
            }
            stat.lstat(sp);
            journal.utimens(relBytes, stat);
            return 0;
        });
    }

    @Override
    public int truncate(String path, @off_t long size) {
        String rel = rel(path);
        return mutate("truncate", path, 128 + rel.length(), () -> {
            byte[] relBytes = bytes(rel);
            intents.begin(RecordType.TRUNCATE.code(), relBytes, null, size, 0, 0);
            String sp = store(path);
            if (LIBC.truncate(sp, size) != 0) {
                return -Posix.errno();
            }
            stat.lstat(sp);
            journal.truncate(relBytes, size, stat);
            return 0;
        });
    }

    @Override
    public int ftruncate(String path, @off_t long size, FuseFileInfo fi) {
        OpenFile file = handles.get(fi.fh.get());
        if (file == null) {
            return truncate(path, size);
        }
        return mutate("ftruncate", path, 128 + file.path().length() * 4L, () -> {
            byte[] relBytes = file.pathBytes();
            intents.begin(RecordType.TRUNCATE.code(), relBytes, null, size, 0, 0);
            if (LIBC.ftruncate(file.fd, size) != 0) {
                return -Posix.errno();
            }
            stat.fstat(file.fd);
            journal.truncate(relBytes, size, stat);
            return 0;
        });
    }

    @Override
    public int setxattr(String path, String name, Pointer value, @size_t long size, int flags) {
        String rel = rel(path);
        return mutate("setxattr", path, 256 + rel.length() + name.length() * 4L + size, () -> {
            byte[] relBytes = bytes(rel);
            byte[] nameBytes = bytes(name);
            intents.begin(RecordType.SETXATTR.code(), relBytes, nameBytes, 0, 0, 0);
            byte[] data = new byte[(int) size];
            value.get(0, data, 0, data.length);
            if (LIBC.lsetxattr(store(path), name, data, size, flags) != 0) {
                return -Posix.errno();
            }
            journal.setxattr(relBytes, nameBytes, data, flags);
            return 0;
        });
    }

    @Override
    public int removexattr(String path, String name) {
        String rel = rel(path);
        return mutate("removexattr", path, 256 + rel.length() + name.length() * 4L, () -> {
            byte[] relBytes = bytes(rel);
            byte[] nameBytes = bytes(name);
            intents.begin(RecordType.REMOVEXATTR.code(), relBytes, nameBytes, 0, 0, 0);
            if (LIBC.lremovexattr(store(path), name) != 0) {
                return -Posix.errno();
            }
            journal.removexattr(relBytes, nameBytes);
            return 0;
        });
    }

    // ---- open files ------------------------------------------------------------------------------------------

    /** Our descriptor's flags: the kernel already did O_APPEND's offset and O_TRUNC's truncation (see open). */
    private static int storeFlags(int flags) {
        return (flags & ~(Posix.O_APPEND | Posix.O_TRUNC | Posix.O_CREAT | Posix.O_EXCL | Posix.O_NOCTTY))
                | Posix.O_CLOEXEC;
    }

    private static boolean writable(int flags) {
        return (flags & Posix.O_ACCMODE) != Posix.O_RDONLY;
    }

    @Override
    public int open(String path, FuseFileInfo fi) {
        return openRaw(path, Struct.getMemory(fi));
    }

    private int openRaw(String path, Pointer fi) {
        try {
            int flags = fi.getInt(FI_FLAGS);
            OpenFile file;
            // A handle that can write will be named in the journal by the path it is registered with: a rename of
            // a directory above it (on another FUSE thread) must come before the open or after the registration,
            // never between, or the handle keeps a name STORE no longer has. Read-only opens need no such order.
            boolean canWrite = writable(flags);
            if (canWrite) {
                lock.lock();
            }
            try {
                int fd = LIBC.openat(storeFd, at(path), storeFlags(flags), 0);
                if (fd < 0) {
                    return -Posix.errno();
                }
                file = handles.register(fd, rel(path));
            } finally {
                if (canWrite) {
                    lock.unlock();
                }
            }
            fi.putLongLong(FI_FH, file.handle);
            if ((flags & Posix.O_TRUNC) != 0 && canWrite) {
                int result = ftruncate(path, 0, FuseFileInfo.of(fi));
                if (result != 0) {
                    handles.remove(file.handle);
                    LIBC.close(file.fd);
                    return result;
                }
            }
            return 0;
        } catch (Throwable t) {
            return internal("open", path, t);
        }
    }

    @Override
    public int create(String path, @mode_t long mode, FuseFileInfo fi) {
        return createRaw(path, mode, Struct.getMemory(fi));
    }

    private int createRaw(String path, long mode, Pointer fi) {
        String rel = rel(path);
        int[] fdHolder = {-1};
        int result = mutate("create", path, 256 + rel.length(), () -> {
            byte[] relBytes = bytes(rel);
            intents.begin(RecordType.CREATE.code(), relBytes, null, 0, 0, 0);
            int flags = fi.getInt(FI_FLAGS);
            int fd = LIBC.openat(storeFd, rel, storeFlags(flags) | Posix.O_CREAT | (flags & Posix.O_EXCL),
                    (int) mode & 07777);
            if (fd < 0) {
                return -Posix.errno();
            }
            fdHolder[0] = fd;
            ownToCaller(fd);
            OpenFile file = handles.register(fd, rel);
            fi.putLongLong(FI_FH, file.handle);
            stat.fstat(fd);
            statParent(path);
            journal.create(file.handle, relBytes, stat, parentStat);
            file.associated = true;
            if ((flags & Posix.O_TRUNC) != 0 && stat.size() != 0) {
                LIBC.ftruncate(fd, 0);
                stat.fstat(fd);
                journal.truncate(relBytes, 0, stat);
            }
            Stat created = new Stat();
            created.copyFrom(stat);
            file.createdAttr = created;
            file.createdAtMutation = mutations;
            return 0;
        });
        if (result != 0 && fdHolder[0] >= 0 && handles.get(fi.getLongLong(FI_FH)) == null) {
            LIBC.close(fdHolder[0]);
        }
        return result;
    }

    @Override
    public int read(String path, Pointer buf, @size_t long size, @off_t long offset, FuseFileInfo fi) {
        try {
            OpenFile file = handles.get(fi.fh.get());
            if (file == null) {
                return -Posix.EBADF;
            }
            long n = LIBC.pread(file.fd, buf, size, offset);
            return n < 0 ? -Posix.errno() : (int) n;
        } catch (Throwable t) {
            return internal("read", path, t);
        }
    }

    /**
     * Reads answer with a buffer that names STORE's descriptor instead of bytes: libfuse moves them to /dev/fuse
     * itself, with splice(2) (page references into a pipe, one copy into the reply) when the mount has
     * {@code splice_write}, else with pread into its own buffer, which is what {@link #read} costs.
     */
    @Override
    public int read_buf(String path, Pointer bufp, @size_t long size, @off_t long offset, FuseFileInfo fi) {
        return readBufRaw(path, bufp, size, offset, Struct.getMemory(fi));
    }

    private int readBufRaw(String path, Pointer bufp, long size, long offset, Pointer fi) {
        try {
            OpenFile file = handles.get(fi.getLongLong(FI_FH));
            if (file == null) {
                return -Posix.EBADF;
            }
            long vec = FuseBufvecs.fdBuffer(file.fd, size, offset);
            if (vec == 0) {
                return -Posix.ENOMEM;
            }
            bufp.putAddress(0, vec);
            return 0;
        } catch (Throwable t) {
            return internal("read_buf", path, t);
        }
    }

    @Override
    public int write(String path, Pointer buf, @size_t long size, @off_t long offset, FuseFileInfo fi) {
        return writeRaw(path, buf, size, offset, Struct.getMemory(fi));
    }

    private int writeRaw(String path, Pointer buf, long size, long offset, Pointer fi) {
        OpenFile file = handles.get(fi.getLongLong(FI_FH));
        if (file == null) {
            return -Posix.EBADF;
        }
        if (brokenReason != null) {
            return -Posix.EIO;
        }
        lock.lock();
        try {
            mutations++;
            try {
                journal.reserve(size + 256 + (file.associated ? 0 : file.path().length() * 4L));
                // the data goes to the queue before STORE changes: a queue disk filled meanwhile by someone else
                // is refused here with ENOSPC (write(2) of the side file), not discovered after the pwrite
                journal.stageWrite(buf.address(), (int) size);
            } catch (QueueFullException e) {
                LOG.warn("write {}: refused with ENOSPC: {}", path, e.getMessage());
                return -Posix.ENOSPC;
            }
            try {
                if (!file.associated) {
                    journal.associate(file);
                    file.associated = true;
                }
                intents.begin(RecordType.WRITE.code(), file.pathBytes(), null, offset, size, 0);
                long n = LIBC.pwrite(file.fd, buf, size, offset);
                if (n < 0) {
                    int errno = Posix.errno();
                    intents.clear();
                    return -errno;
                }
                stat.fstat(file.fd);
                journal.write(file, offset, buf.address(), (int) n, stat);
                intents.clear();
                return (int) n;
            } catch (Throwable t) {
                brokenReason = "write " + path + ": " + t;
                LOG.error("journal append failed after STORE changed ({}); the mount now refuses changes with EIO. "
                        + "Restart 'teefs journal' to reconcile STORE and the queue.", brokenReason, t);
                return -Posix.EIO;
            }
        } catch (Throwable t) {
            return internal("write", path, t);
        } finally {
            lock.unlock();
        }
    }

    @Override
    public int fallocate(String path, int mode, @off_t long offset, @off_t long length, FuseFileInfo fi) {
        OpenFile file = handles.get(fi.fh.get());
        if (file == null) {
            return -Posix.EBADF;
        }
        return mutate("fallocate", path, 256 + file.path().length() * 4L, () -> {
            if (!file.associated) {
                journal.associate(file);
                file.associated = true;
            }
            intents.begin(RecordType.FALLOCATE.code(), file.pathBytes(), null, offset, length, mode);
            if (LIBC.fallocate(file.fd, mode, offset, length) != 0) {
                return -Posix.errno();
            }
            stat.fstat(file.fd);
            journal.fallocate(file, mode, offset, length, stat);
            return 0;
        });
    }

    // No flush: FLUSH has nothing to do here (every write is already in STORE and the journal), and leaving the
    // callback out makes libfuse answer ENOSYS once, after which the kernel stops sending FLUSH at every close(2):
    // one FUSE round trip less per file (bindfs does the same). The journal's RELEASE record comes from release.

    @Override
    public int fsync(String path, int isdatasync, FuseFileInfo fi) {
        try {
            OpenFile file = handles.get(fi.fh.get());
            if (file == null) {
                return 0;
            }
            int result = isdatasync != 0 ? LIBC.fdatasync(file.fd) : LIBC.fsync(file.fd);
            if (result != 0) {
                return -Posix.errno();
            }
            if (!file.associated) {
                return 0;
            }
            // the application asked for durability: the journal's copy must be as durable as STORE's
            return mutate("fsync", path, 128, () -> {
                journal.fsync(file, isdatasync != 0);
                journal.sync();
                return 0;
            });
        } catch (Throwable t) {
            return internal("fsync", path, t);
        }
    }

    @Override
    public int release(String path, FuseFileInfo fi) {
        return releaseRaw(path, Struct.getMemory(fi));
    }

    private int releaseRaw(String path, Pointer fi) {
        try {
            OpenFile file = handles.remove(fi.getLongLong(FI_FH));
            if (file == null) {
                return 0;
            }
            LIBC.close(file.fd);
            if (!file.associated) {
                return 0;
            }
            // the descriptor is closed and the kernel ignores the answer: refusing could only lose the record
            return mutate("release", path, 128, false, () -> {
                journal.release(file);
                return 0;
            });
        } catch (Throwable t) {
            return internal("release", path, t);
        }
    }

    private static int internal(String what, String path, Throwable t) {
        LOG.error("{} {}: unexpected failure, answered EIO", what, path, t);
        return -Posix.EIO;
    }
}
