package teefs.journal;

import static teefs.posix.Posix.LIBC;

import java.nio.charset.StandardCharsets;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import teefs.posix.Posix;
import teefs.posix.Stat;
import teefs.protocol.RecordType;

/**
 * Reconciles STORE and QUEUE after journal-fs was killed between changing STORE and appending the record.
 *
 * <p>The {@link IntentLog} says which operation was in flight and on which paths. Whether it reached STORE is read
 * off STORE itself (does the directory exist now? does the rename's destination carry the source's inode?), and
 * what STORE shows is journaled, flagged RECOVERED. The operation was never acknowledged to the application, so
 * either outcome is allowed; what matters is that the journal describes the outcome STORE has. Journaling a change
 * that was already appended is harmless: every record applies idempotently.
 *
 * <p>Runs once, before the mount opens and before the session's CHECKPOINT RESET, on the starting thread.
 */
final class Recovery {
    private static final Logger LOG = LoggerFactory.getLogger(Recovery.class);
    /** The handle recovery writes under: never handed out by a session (ids count up from 1). */
    static final int RECOVERY_HANDLE = -1;
    private static final int CHUNK = 1 << 20;

    private final String storeRoot;
    private final RecordJournal journal;
    private final Stat stat = new Stat();
    private final Stat parent = new Stat();
    private final Stat other = new Stat();

    Recovery(String storeRoot, RecordJournal journal) {
        this.storeRoot = storeRoot;
        this.journal = journal;
    }

    void recover(IntentLog intents) {
        IntentLog.Intent intent = intents.pending();
        if (intent == null) {
            return;
        }
        RecordType type = RecordType.fromCode(intent.type());
        LOG.warn("the last run stopped in the middle of {} '{}'{}: journaling what STORE shows for it", type,
                intent.first(), intent.second().isEmpty() ? "" : " -> '" + intent.second() + "'");
        journal.recovering(true);
        try {
            if (type != null) {
                restate(type, intent);
            }
        } finally {
            journal.recovering(false);
        }
        intents.clear();
    }

    private String store(String rel) {
        return rel.isEmpty() ? storeRoot : storeRoot + "/" + rel;
    }

    private Stat parentOf(String rel) {
        int slash = rel.lastIndexOf('/');
        parent.lstat(slash < 0 ? storeRoot : storeRoot + "/" + rel.substring(0, slash));
        return parent;
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private void restate(RecordType type, IntentLog.Intent intent) {
        String path = intent.first();
        byte[] pathBytes = bytes(path);
        boolean exists = stat.lstat(store(path)) == 0;
        switch (type) {
            case WRITE -> {
                if (exists && stat.isRegular()) {
                    restateRange(path, pathBytes, intent.a(), intent.b());
                }
            }
            case FALLOCATE -> {
                if (exists && stat.isRegular()) {
                    restateRange(path, pathBytes, intent.a(), intent.b());
                    stat.lstat(store(path));
                    journal.truncate(pathBytes, stat.size(), stat);
                }
            }
            case TRUNCATE -> {
                if (exists) {
                    journal.truncate(pathBytes, stat.size(), stat);
                }
            }
            case CREATE -> {
                if (exists && stat.isRegular()) {
                    journal.create(0, pathBytes, stat, parentOf(path));
                }
            }
            case MKNOD -> {
                if (exists) {
                    journal.mknod(pathBytes, stat, parentOf(path));
                }
            }
            case MKDIR -> {
                if (exists && stat.isDirectory()) {
                    journal.mkdir(pathBytes, stat, parentOf(path));
                }
            }
            case SYMLINK -> {
                if (exists && stat.isSymlink()) {
                    byte[] target = new byte[4096];
                    long n = LIBC.readlink(store(path), target, target.length);
                    if (n >= 0) {
                        journal.symlink(pathBytes, java.util.Arrays.copyOf(target, (int) n), stat, parentOf(path));
                    }
                }
            }
            case UNLINK -> {
                if (!exists) {
                    journal.unlink(pathBytes, parentOf(path));
                }
            }
            case RMDIR -> {
                if (!exists) {
                    journal.rmdir(pathBytes, parentOf(path));
                }
            }
            case RENAME -> restateRename(intent, pathBytes);
            case LINK -> {
                String created = intent.second();
                if (other.lstat(store(created)) == 0 && other.ino() == intent.inode()) {
                    journal.link(pathBytes, bytes(created), parentOf(created));
                }
            }
            case CHMOD -> {
                if (exists) {
                    journal.chmod(pathBytes, stat.permissions());
                }
            }
            case CHOWN -> {
                if (exists) {
                    journal.chown(pathBytes, stat.uid(), stat.gid());
                }
            }
            case UTIMENS -> {
                if (exists) {
                    journal.utimens(pathBytes, stat);
                }
            }
            case SETXATTR, REMOVEXATTR -> restateXattr(path, pathBytes, intent.second(), exists);
            default -> {
                // FSYNC, RELEASE, ASSOCIATE change nothing in STORE; the session's RESET retires old handles
            }
        }
    }

    private void restateRename(IntentLog.Intent intent, byte[] fromBytes) {
        String to = intent.second();
        boolean landed = other.lstat(store(to)) == 0 && other.ino() == intent.inode();
        boolean sourceGone = stat.lstat(store(intent.first())) != 0 || stat.ino() != intent.inode();
        if (landed && sourceGone) {
            Stat toParent = new Stat();
            int slash = to.lastIndexOf('/');
            toParent.lstat(slash < 0 ? storeRoot : storeRoot + "/" + to.substring(0, slash));
            journal.rename(fromBytes, bytes(to), 0, parentOf(intent.first()), toParent);
        }
    }

    private void restateXattr(String path, byte[] pathBytes, String name, boolean exists) {
        if (!exists) {
            return;
        }
        long size = LIBC.lgetxattr(store(path), name, (byte[]) null, 0);
        if (size < 0) {
            if (Posix.errno() == Posix.ENODATA) {
                journal.removexattr(pathBytes, bytes(name));
            }
            return;
        }
        byte[] value = new byte[(int) size];
        long n = LIBC.lgetxattr(store(path), name, value, value.length);
        if (n >= 0) {
            journal.setxattr(pathBytes, bytes(name), java.util.Arrays.copyOf(value, (int) n), 0);
        }
    }

    /** Journals STORE's current bytes of [offset, offset + length) under a private handle. */
    private void restateRange(String path, byte[] pathBytes, long offset, long length) {
        int fd = LIBC.open(store(path), Posix.O_RDONLY | Posix.O_CLOEXEC | Posix.O_NOFOLLOW, 0);
        if (fd < 0) {
            return;
        }
        try {
            journal.associate(RECOVERY_HANDLE, pathBytes);
            byte[] buffer = new byte[CHUNK];
            long position = offset;
            long end = offset + length;
            while (position < end) {
                int want = (int) Math.min(CHUNK, end - position);
                long n = LIBC.pread(fd, buffer, want, position);
                if (n <= 0) {
                    break;
                }
                stat.fstat(fd);
                journal.write(RECOVERY_HANDLE, position, buffer, (int) n, stat);
                position += n;
            }
            journal.release(RECOVERY_HANDLE);
        } finally {
            LIBC.close(fd);
        }
    }
}
