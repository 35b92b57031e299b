package teefs.broadcast.server;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import teefs.queue.JournalQueue;

/**
 * Deletes whole queue cycle files (one per hour) per the {@link RetentionPolicy}: a cycle goes when every
 * registered client acked past it (its acked index lies in a later cycle) and the newest {@code minBytes} stay, or
 * regardless of acks once the queue exceeds {@code maxBytes} or the cycle is older than {@code maxAge}. The current
 * (newest) cycle file is never deleted.
 *
 * <p>Runs on the server's housekeeping thread only. Deleting a mapped file is safe on Linux: a reader that still
 * maps it keeps its pages until it unmaps.
 */
final class RetentionTask {
    private static final Logger LOG = LoggerFactory.getLogger(RetentionTask.class);
    /** FAST_HOURLY file names, e.g. 20261123-07F.cq4; the cycle is hours since the epoch. */
    private static final DateTimeFormatter CYCLE_NAME = DateTimeFormatter.ofPattern("yyyyMMdd-HH'F'");
    private static final long CYCLE_MILLIS = 3_600_000L;

    record CycleFile(int cycle, Path path, long bytes) {
    }

    private RetentionTask() {
    }

    static List<CycleFile> cycleFiles(Path dir) {
        List<CycleFile> files = new ArrayList<>();
        try (DirectoryStream<Path> stream = Files.newDirectoryStream(dir, "*.cq4")) {
            for (Path p : stream) {
                String name = p.getFileName().toString();
                try {
                    LocalDateTime t = LocalDateTime.parse(name.substring(0, name.length() - 4), CYCLE_NAME);
                    int cycle = (int) (t.toEpochSecond(ZoneOffset.UTC) * 1000 / CYCLE_MILLIS);
                    Path data = JournalQueue.sideDataFile(dir, cycle);
                    long dataBytes = Files.exists(data) ? Files.size(data) : 0;
                    files.add(new CycleFile(cycle, p, Files.size(p) + dataBytes));
                } catch (DateTimeParseException | IOException e) {
                    // not a cycle file of ours, or gone meanwhile
                }
            }
        } catch (IOException e) {
            LOG.warn("cannot list queue directory {}: {}", dir, e.toString());
        }
        files.sort((a, b) -> Integer.compare(a.cycle, b.cycle));
        return files;
    }

    static long retainedBytes(Path dir) {
        long total = 0;
        for (CycleFile f : cycleFiles(dir)) {
            total += f.bytes;
        }
        return total;
    }

    /** Cycles to delete now, oldest first (pure: no side effects, for tests). */
    static List<CycleFile> toDelete(List<CycleFile> files, RetentionPolicy policy, int protectedCycle, long nowMillis) {
        List<CycleFile> result = new ArrayList<>();
        long total = 0;
        for (CycleFile f : files) {
            total += f.bytes;
        }
        for (int i = 0; i < files.size() - 1; i++) {
            CycleFile f = files.get(i);
            // with no registered client, acks protect everything: nobody has been served yet
            boolean acked = f.cycle < protectedCycle && policy.minBytes() != Long.MAX_VALUE
                    && total - f.bytes >= policy.minBytes();
            boolean tooBig = total > policy.maxBytes();
            boolean tooOld = policy.maxAge() != null
                    && (f.cycle + 1L) * CYCLE_MILLIS < nowMillis - policy.maxAge().toMillis();
            if (!(acked || tooBig || tooOld)) {
                break;
            }
            result.add(f);
            total -= f.bytes;
        }
        return result;
    }

    /** Large WRITEs keep their data in per-cycle side files; a record of cycle C may use C-1's, never older. */
    static void deleteSideDataBefore(Path dir, int cycle) {
        try (DirectoryStream<Path> stream = Files.newDirectoryStream(dir, "*" + JournalQueue.SIDE_DATA_SUFFIX)) {
            for (Path p : stream) {
                String name = p.getFileName().toString();
                try {
                    int dataCycle = Integer.parseInt(name.substring(0, name.length() - JournalQueue.SIDE_DATA_SUFFIX.length()));
                    if (dataCycle < cycle) {
                        Files.deleteIfExists(p);
                    }
                } catch (NumberFormatException | IOException e) {
                    LOG.warn("retention: cannot delete side data {}: {}", p, e.toString());
                }
            }
        } catch (IOException e) {
            LOG.warn("retention: cannot list side data in {}: {}", dir, e.toString());
        }
    }

    /** One retention pass; returns the number of files deleted. */
    static int run(ServerContext ctx) {
        RetentionPolicy policy = ctx.config.retention();
        if (!policy.trimsAnything()) {
            return 0;
        }
        int protectedCycle = protectedCycle(ctx, ctx.registry.minAcked());
        int deleted = 0;
        for (CycleFile f : toDelete(cycleFiles(ctx.config.queueDir()), policy, protectedCycle, System.currentTimeMillis())) {
            try {
                Files.deleteIfExists(f.path);
                deleteSideDataBefore(ctx.config.queueDir(), f.cycle);
                deleted++;
                LOG.info("retention: deleted queue cycle {} ({} bytes)", f.path.getFileName(), f.bytes);
            } catch (IOException e) {
                LOG.warn("retention: cannot delete {}: {}", f.path, e.toString());
            }
        }
        if (deleted > 0) {
            ctx.stats.refresh();
        }
        return deleted;
    }

    /** The first cycle acks protect: that of the smallest acked index (none is protected by acks without any). */
    private static int protectedCycle(ServerContext ctx, long minAcked) {
        return minAcked == Long.MAX_VALUE || minAcked < 0 ? Integer.MIN_VALUE : ctx.queue.cycleOf(minAcked);
    }

    /**
     * What client {@code name} holds back: the bytes of cycle files a pass would delete now if it were forgotten,
     * beyond what it deletes anyway. 0 when it holds nothing back (it is not the slowest, or the policy keeps those
     * bytes regardless, or it is the only client: with none left, acks protect everything).
     */
    static long heldBack(ServerContext ctx, List<CycleFile> files, String name, long nowMillis) {
        RetentionPolicy policy = ctx.config.retention();
        if (!policy.trimsAnything() || files.size() < 2) {
            return 0;
        }
        long with = bytes(toDelete(files, policy, protectedCycle(ctx, ctx.registry.minAcked()), nowMillis));
        long without = bytes(toDelete(files, policy, protectedCycle(ctx, ctx.registry.minAckedExcept(name)), nowMillis));
        return Math.max(0, without - with);
    }

    private static long bytes(List<CycleFile> files) {
        long total = 0;
        for (CycleFile f : files) {
            total += f.bytes;
        }
        return total;
    }

    /** A warning for a client whose acked index is lost, or about to be lost to the max bounds; else null. */
    static String warning(ServerContext ctx, long acked, long firstIndex) {
        RetentionPolicy policy = ctx.config.retention();
        if (acked >= 0 && firstIndex >= 0 && acked < firstIndex - 1) {
            return "acked index " + acked + " is no longer retained (oldest is " + firstIndex + "): must bootstrap";
        }
        if (policy.maxBytes() == Long.MAX_VALUE && policy.maxAge() == null) {
            return null;
        }
        List<CycleFile> files = cycleFiles(ctx.config.queueDir());
        if (files.size() < 2) {
            return null;
        }
        int ackedCycle = acked < 0 ? Integer.MIN_VALUE : ctx.queue.cycleOf(acked);
        if (ackedCycle > files.get(0).cycle) {
            return null;
        }
        long total = 0;
        for (CycleFile f : files) {
            total += f.bytes;
        }
        boolean nearSize = policy.maxBytes() != Long.MAX_VALUE && total > policy.maxBytes() * 0.8;
        boolean nearAge = policy.maxAge() != null && (files.get(0).cycle + 1L) * CYCLE_MILLIS
                < System.currentTimeMillis() - policy.maxAge().toMillis() * 0.8;
        if (nearSize || nearAge) {
            return "acked index " + acked + " lies in the oldest retained cycle, which retention ("
                    + (nearSize ? "--retain-max-size" : "--retain-max-age") + ") will delete soon: "
                    + "this client must catch up or it will have to bootstrap";
        }
        return null;
    }
}
