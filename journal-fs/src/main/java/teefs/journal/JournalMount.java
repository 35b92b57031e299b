package teefs.journal;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import teefs.posix.Posix;
import teefs.queue.JournalMounts;
import teefs.queue.JournalQueue;

/**
 * A running journal-fs: the queue opened, crash recovery done, a session checkpoint written, STORE mounted at
 * MOUNT. {@link #start} returns once the mount is visible; {@link #close} unmounts and closes the journal, and is
 * what SIGTERM/SIGINT run. A failed start closes what it opened.
 */
public final class JournalMount implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(JournalMount.class);
    private static final long MOUNT_TIMEOUT_MILLIS = 15_000;

    private final JournalConfig config;
    private final JournalQueue queue;
    private final IntentLog intents;
    private final RecordJournal journal;
    private final JournalFs fs;
    private final Thread fuseThread;
    private final CompletableFuture<Void> fuseExited = new CompletableFuture<>();
    private volatile boolean closed;

    private JournalMount(JournalConfig config, JournalQueue queue, IntentLog intents, RecordJournal journal,
                         JournalFs fs) {
        this.config = config;
        this.queue = queue;
        this.intents = intents;
        this.journal = journal;
        this.fs = fs;
        this.fuseThread = new Thread(this::runFuseLoop, "teefs-fuse");
    }

    /** Validates, recovers, mounts; throws {@link MountException} with the fix when something is in the way. */
    public static JournalMount start(JournalConfig config) {
        MountPreflight.check(config);
        // the kernel already applied the caller's umask to the modes it sends us; ours must not apply a second one
        Posix.LIBC.umask(0);
        List<AutoCloseable> opened = new ArrayList<>();
        try {
            JournalQueue queue = JournalQueue.openOrCreate(config.queue());
            opened.add(queue);
            IntentLog intents = new IntentLog(config.queue());
            opened.add(intents);
            HandleTable handles = new HandleTable();
            RecordJournal journal = new RecordJournal(queue, config.append(), handles);
            opened.add(journal);
            new Recovery(config.store().toString(), journal).recover(intents);
            journal.startSession();
            teefs.posix.Stat root = new teefs.posix.Stat();
            if (root.lstat(config.store().toString()) != 0) {
                throw new MountException("cannot stat STORE " + config.store());
            }
            journal.restateRoot(root);
            JournalFs fs = newFs(config, journal, intents, handles);
            JournalMount mount = new JournalMount(config, queue, intents, journal, fs);
            mount.mount();
            LOG.info("teefs journal: {} mounted at {} (queue {} id {}, sync {}, {}-threaded)", config.store(),
                    config.mount(), config.queue(), queue.id(), config.append().sync().name().toLowerCase(),
                    config.singleThreaded() ? "single" : "multi");
            return mount;
        } catch (RuntimeException | Error e) {
            for (int i = opened.size() - 1; i >= 0; i--) {
                try {
                    opened.get(i).close();
                } catch (Exception suppressed) {
                    e.addSuppressed(suppressed);
                }
            }
            throw e;
        }
    }

    private static JournalFs newFs(JournalConfig config, RecordJournal journal, IntentLog intents,
                                   HandleTable handles) {
        try {
            return new JournalFs(config.store().toString(), journal, intents, handles);
        } catch (LinkageError | RuntimeException e) {
            throw new MountException("cannot load libfuse (libfuse.so.2): " + e.getMessage()
                    + ". Install it: apt-get install libfuse2 fuse3", e);
        }
    }

    private String[] fuseOptions() {
        List<String> options = new ArrayList<>();
        // big_writes: 128 KiB writes instead of 4 KiB (libfuse2 caps max_write there); use_ino: real inode
        // numbers, so hard links look like hard links and git/rsync see stable inodes; splice_write: read replies
        // (JournalFs.read_buf names STORE's descriptor) go from STORE to /dev/fuse by splice, one copy instead of two;
        // fsname teefs:<queue id>: a mirror or replay of this queue finds the mount by it and will not write inside
        StringBuilder o = new StringBuilder(
                "big_writes,max_write=131072,use_ino,splice_write,subtype=teefs,fsname=")
                .append(JournalMounts.fsName(queue.id()));
        if (Posix.isRoot()) {
            // other users may use the mount, and the kernel checks their permissions against STORE's modes
            o.append(",allow_other,default_permissions");
        }
        if (!config.extraFuseOptions().isEmpty()) {
            o.append(',').append(config.extraFuseOptions());
        }
        options.add("-o");
        options.add(o.toString());
        if (config.singleThreaded()) {
            options.add("-s");
        }
        return options.toArray(new String[0]);
    }

    private void mount() {
        fuseThread.setDaemon(false);
        fuseThread.start();
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(MOUNT_TIMEOUT_MILLIS);
        Path target = config.mount();
        while (!MountPreflight.isMounted(target)) {
            if (fuseExited.isDone()) {
                throw new MountException("libfuse refused to mount " + target + " (see its message above). "
                        + "Check that " + target + " is an empty directory you may mount on.");
            }
            if (System.nanoTime() > deadline) {
                throw new MountException("the mount at " + target + " did not appear within "
                        + MOUNT_TIMEOUT_MILLIS / 1000 + " s");
            }
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new MountException("interrupted while mounting " + target);
            }
        }
    }

    private void runFuseLoop() {
        try {
            fs.mount(config.mount(), true, config.debug(), fuseOptions());
        } catch (Throwable t) {
            LOG.error("FUSE loop for {} ended with an error: {}", config.mount(), t.toString());
        } finally {
            fuseExited.complete(null);
        }
    }

    public JournalQueue queue() {
        return queue;
    }

    /** Blocks until the FUSE loop ends (an unmount by {@link #close}, by fusermount, or a failure). */
    public void awaitUnmount() throws InterruptedException {
        fuseThread.join();
    }

    /** Unmounts (waiting for open files to close for a short while, then lazily) and closes the journal. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (!fuseExited.isDone()) {
            unmount(false);
            try {
                fuseExited.get(5, TimeUnit.SECONDS);
            } catch (Exception e) {
                LOG.warn("{} is busy; detaching it lazily (it disappears once the last file on it is closed)",
                        config.mount());
                unmount(true);
                try {
                    fuseExited.get(10, TimeUnit.SECONDS);
                } catch (Exception ignored) {
                    LOG.warn("the FUSE loop for {} did not end; closing the journal anyway", config.mount());
                }
            }
        }
        journal.close();
        fs.close();
        intents.close();
        queue.close();
        LOG.info("teefs journal: {} unmounted, journal closed", config.mount());
    }

    private void unmount(boolean lazy) {
        List<String> command = new ArrayList<>(List.of("fusermount", "-u"));
        if (lazy) {
            command.add("-z");
        }
        command.add(config.mount().toString());
        try {
            Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
            String output = new String(process.getInputStream().readAllBytes()).trim();
            if (!process.waitFor(10, TimeUnit.SECONDS) || process.exitValue() != 0) {
                LOG.debug("{} said: {}", String.join(" ", command), output);
            }
        } catch (IOException e) {
            LOG.warn("cannot run fusermount ({}); is fuse3 installed?", e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
