package teefs.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import teefs.cli.up.MountTable;
import teefs.journal.JournalConfig;
import teefs.journal.JournalMount;
import teefs.journal.MountException;
import teefs.queue.AppendOptions;
import teefs.queue.SyncLevel;

@Command(name = "journal",
        mixinStandardHelpOptions = true,
        description = {
            "Mount a journaling passthrough of STORE at MOUNT.",
            "",
            "Every change made through MOUNT is performed on STORE and appended, as a checksummed record, to the "
                + "journal at QUEUE, in the order STORE saw it. Mirrors replay that journal (teefs replay, "
                + "teefs mirror). Reads cost what a plain passthrough costs.",
            "",
            "Runs in the foreground; Ctrl-C or SIGTERM unmounts cleanly. After a kill -9, run it again: it "
                + "detaches the stale mount it left (fusermount -u -z), reconciles the one operation that may have been "
                + "in flight and mounts again. A MOUNT left sealed (chattr +i) by a 'teefs up' that is gone is unsealed; "
                + "a live mount at MOUNT is refused and left alone.",
            "",
            "Examples:",
            "  teefs journal --store /srv/landing --mount /mnt/landing \\",
            "      --queue /var/lib/teefs/queue",
            "  teefs journal          # ./teefs-data/{store,mount,queue}",
        })
final class JournalCommand implements Callable<Integer> {
    @Option(names = "--store", paramLabel = "STORE", defaultValue = "teefs-data/store",
            description = "Directory holding the real files (created if missing). Default: ${DEFAULT-VALUE}")
    Path store;

    @Option(names = "--mount", paramLabel = "MOUNT", defaultValue = "teefs-data/mount",
            description = "Empty directory to mount on (created if missing). Default: ${DEFAULT-VALUE}")
    Path mount;

    @Option(names = "--queue", paramLabel = "QUEUE", defaultValue = "teefs-data/queue",
            description = "Directory of the journal (created with a new queue id if empty). Default: ${DEFAULT-VALUE}")
    Path queue;

    @Option(names = "--sync", paramLabel = "LEVEL", defaultValue = "batch",
            description = {"When journal records are forced to disk: none (the OS decides; a power cut can lose "
                + "recent records), batch (within --batch-ms; default), always (before each operation "
                + "returns). Every level survives a crash of the process; fsync on the mount always forces "
                + "the journal too (except with none)."})
    String sync;

    @Option(names = "--batch-ms", paramLabel = "MS", defaultValue = "100",
            description = "With --sync batch: the longest a record waits to be forced. Default: ${DEFAULT-VALUE}")
    long batchMillis;

    @Option(names = "--reserve", paramLabel = "BYTES", defaultValue = "64M",
            description = "Refuse changes (ENOSPC) while QUEUE's filesystem has less free space than this; "
                + "the journal also keeps this much allocated ahead in its current queue file. "
                + "Default: ${DEFAULT-VALUE}")
    String reserve;

    @Option(names = "--threads", paramLabel = "MODEL", defaultValue = "multi",
            description = "FUSE threading: multi (libfuse's pool; measured faster here for small files and "
                + "writes) or single (one callback thread). Default: ${DEFAULT-VALUE}")
    String threads;

    @Option(names = "--fuse-options", paramLabel = "OPTS", defaultValue = "",
            description = "Extra comma-separated -o options for libfuse (e.g. ro is not supported: the mount "
                + "exists to take writes).")
    String fuseOptions;

    @Option(names = "--fuse-debug", description = "Print every FUSE request (libfuse -d).")
    boolean debug;

    @Override
    public Integer call() throws Exception {
        SyncLevel level = SyncLevel.parse(sync);
        long reserveBytes = Sizes.parse(reserve, "--reserve");
        boolean single = switch (threads) {
            case "single" -> true;
            case "multi" -> false;
            default -> throw new UserError("--threads takes single or multi, not '" + threads + "'");
        };
        JournalConfig config = new JournalConfig(store, mount, queue,
                new AppendOptions(level, batchMillis, reserveBytes), single, fuseOptions, debug);
        String recovered = MountTable.recoverAbandoned(mount);
        if (!recovered.isEmpty()) {
            System.err.println("teefs journal: " + recovered);
        }
        JournalMount running;
        try {
            running = JournalMount.start(config);
        } catch (MountException e) {
            throw new UserError(e.getMessage());
        }
        Thread hook = new Thread(() -> {
            SystemdNotify.stopping();
            running.close();
        }, "teefs-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        System.err.println("teefs journal: " + config.store() + " is mounted at " + config.mount()
                + "; journal at " + config.queue() + " (queue id " + running.queue().id() + "). Ctrl-C to unmount.");
        SystemdNotify.ready("mounted " + config.mount() + ", journal " + config.queue());
        running.awaitUnmount();
        running.close();
        return 0;
    }
}
