package teefs.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import teefs.mirror.apply.ApplyEngine;
import teefs.mirror.apply.ApplyException;
import teefs.mirror.apply.TargetUnavailableException;
import teefs.mirror.replay.QueueReplayer;
import teefs.queue.JournalMounts;
import teefs.queue.JournalQueue;

@Command(name = "replay",
        mixinStandardHelpOptions = true,
        description = {
            "Apply the journal's records onto a target directory, as a mirror does, then stop.",
            "",
            "Replaying is idempotent: replaying a range again, or an overlapping one,",
            "is harmless. Starting after the first record needs no earlier history:",
            "open files are rebuilt from the nearest checkpoint before the start.",
            "Every path stays inside TARGET (no '..', no absolute paths, no walking",
            "through symlinks); a record that cannot be trusted or applied stops the",
            "replay and names its index. Progress goes to stderr every few seconds;",
            "the last applied index is printed on stdout.",
            "",
            "Exit status: 0 done, 1 a record could not be applied, 2 usage error,",
            "75 target full or gone (fix it, then resume with --from).",
            "",
            "Examples:",
            "  teefs replay --queue teefs-data/queue --target /pool/disk1",
            "  teefs replay --queue q --target /pool/disk1 --from 2141986089861121",
            "  teefs replay --queue q --target t --until 0x79c2d00000010",
            "",
        })
final class ReplayCommand implements Callable<Integer> {
    static final int EXIT_RECORD_FAILED = 1;
    static final int EXIT_TEMPFAIL = 75;

    @Option(names = "--queue", paramLabel = "QUEUE", defaultValue = "teefs-data/queue",
            description = "Journal directory. Default: ${DEFAULT-VALUE}")
    Path queue;

    @Option(names = "--target", paramLabel = "DIR", required = true,
            description = "Directory to apply onto (must exist; the mirror's drive).")
    Path target;

    @Option(names = "--from", paramLabel = "INDEX", description = "First index to apply (decimal or 0x hex). "
            + "Default: the first record retained.")
    String from;

    @Option(names = "--until", paramLabel = "INDEX", description = "Last index to apply, inclusive. "
            + "Default: the last record present when the replay reaches it.")
    String until;

    @Override
    public Integer call() {
        LibcBinding.startInBackground();
        long fromIndex = from == null ? -1 : Indexes.parse(from, "--from");
        long untilIndex = until == null ? Long.MAX_VALUE : Indexes.parse(until, "--until");
        if (!Files.isDirectory(target)) {
            throw new UserError("--target " + target + " is not a directory: create it (or mount the drive) first");
        }
        if (fromIndex >= 0 && untilIndex < fromIndex) {
            throw new UserError("--until " + until + " is before --from " + from + ": nothing to replay");
        }
        try (JournalQueue q = JournalQueue.openExisting(queue); ApplyEngine engine = ApplyEngine.open(target)) {
            Path ownMount = JournalMounts.ownMountHolding(target, q.id().toString());
            if (ownMount != null) {
                throw new UserError("--target " + target + " is inside " + ownMount + ", the teefs mount that journals"
                        + " into " + queue + ": every record replayed there would be journaled again, and read back"
                        + " by this replay, without end. Replay onto a directory outside " + ownMount);
            }
            QueueReplayer replayer = new QueueReplayer(q, engine, System.err);
            try {
                long started = System.nanoTime();
                long last = replayer.replay(fromIndex, untilIndex);
                double seconds = (System.nanoTime() - started) / 1e9;
                System.out.println(Indexes.format(last));
                System.err.println("teefs replay: " + engine.appliedCount() + " records applied onto " + target
                        + (last < 0 ? " (nothing to apply)" : String.format(" in %.3f s, last index %d", seconds,
                        last)));
                long lost = engine.writesWithoutFile();
                if (lost > 0) {
                    System.err.println("teefs replay: " + lost + (lost == 1 ? " write" : " writes") + " found no file"
                            + " to land in (its path was absent from the target when the handle was bound: expected"
                            + " when --from starts after the file was made and the target lacks it, or when later"
                            + " records remove the file; otherwise check with 'teefs verify STORE " + target + "')");
                }
                return 0;
            } catch (ApplyException e) {
                long last = replayer.lastAppliedIndex();
                System.err.println("teefs replay: " + e.getMessage());
                System.err.println("teefs replay: stopped; last applied index " + Indexes.format(last)
                        + (last >= 0 ? "; resume with --from " + (last + 1) : ""));
                return e instanceof TargetUnavailableException ? EXIT_TEMPFAIL : EXIT_RECORD_FAILED;
            }
        } catch (IllegalArgumentException e) {
            throw new UserError(e.getMessage());
        }
    }
}
