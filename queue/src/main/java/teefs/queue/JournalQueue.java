package teefs.queue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.UUID;
import java.util.stream.Stream;

import net.openhft.chronicle.queue.impl.single.SingleChronicleQueue;
import net.openhft.chronicle.queue.RollCycles;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueueBuilder;

/**
 * The journal on disk: a directory of Chronicle Queue cycle files plus {@value #ID_FILE}, the queue's identity.
 *
 * <p>Each Chronicle document holds exactly one teefs record frame, raw (see docs/RECORDS.md). A record's Chronicle
 * index is its identity; an index means nothing against a queue with another id, so every reader that saves an
 * index saves the id with it.
 *
 * <p>Thread-safety: the queue object may be shared; each {@link JournalAppender} and {@link JournalReader} belongs to
 * the one thread that uses it. Only one process should append (journal-fs); any number may read, live.
 */
public final class JournalQueue implements AutoCloseable {
    public static final String ID_FILE = "teefs-queue.id";
    /** Name suffix of the per-cycle side files holding large WRITEs' data: {@code <cycle>.teefs-data}. */
    public static final String SIDE_DATA_SUFFIX = ".teefs-data";
    /** Queue files roll hourly: retention trims whole hours, and each cycle starts with a checkpoint. */
    static final RollCycles ROLL_CYCLE = RollCycles.FAST_HOURLY;

    private final Path dir;
    private final UUID id;
    private final SingleChronicleQueue chronicle;

    private JournalQueue(Path dir, UUID id, SingleChronicleQueue chronicle) {
        this.dir = dir;
        this.id = id;
        this.chronicle = chronicle;
    }

    /** Opens the queue at {@code dir}, creating the directory and a new id when it holds no queue yet. */
    public static JournalQueue openOrCreate(Path dir) {
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new QueueException("cannot create queue directory " + dir + ": " + e.getMessage()
                    + " (check the path and its permissions)", e);
        }
        Path idFile = dir.resolve(ID_FILE);
        if (!Files.exists(idFile)) {
            if (hasCycleFiles(dir)) {
                throw new QueueException(dir + " holds Chronicle queue files but no " + ID_FILE
                        + ": it is not a teefs queue, or its id file was lost. Point --queue at an empty directory.");
            }
            writeIdAtomically(dir, idFile, UUID.randomUUID());
        }
        return open(dir);
    }

    /** Opens an existing queue; fails with a clear message when {@code dir} holds none. */
    public static JournalQueue openExisting(Path dir) {
        if (!Files.isRegularFile(dir.resolve(ID_FILE))) {
            throw new QueueException("no teefs queue at " + dir + " (" + ID_FILE + " is missing): "
                    + "give the --queue directory that 'teefs journal' writes to");
        }
        return open(dir);
    }

    private static JournalQueue open(Path dir) {
        UUID id = readId(dir.resolve(ID_FILE));
        SingleChronicleQueue chronicle;
        try {
            chronicle = SingleChronicleQueueBuilder.single(dir.toFile())
                    .rollCycle(ROLL_CYCLE)
                    .build();
        } catch (RuntimeException e) {
            throw new QueueException("cannot open queue " + dir + ": " + e.getMessage(), e);
        }
        return new JournalQueue(dir, id, chronicle);
    }

    private static boolean hasCycleFiles(Path dir) {
        try (Stream<Path> files = Files.list(dir)) {
            return files.anyMatch(p -> p.getFileName().toString().endsWith(".cq4"));
        } catch (IOException e) {
            throw new QueueException("cannot list queue directory " + dir + ": " + e.getMessage(), e);
        }
    }

    private static void writeIdAtomically(Path dir, Path idFile, UUID id) {
        try {
            Path tmp = Files.createTempFile(dir, ID_FILE, ".tmp");
            Files.writeString(tmp, id + "\n", StandardCharsets.US_ASCII);
            try {
                Files.move(tmp, idFile, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, idFile);
            }
        } catch (IOException e) {
            throw new QueueException("cannot write " + idFile + ": " + e.getMessage(), e);
        }
    }

    private static UUID readId(Path idFile) {
        try {
            return UUID.fromString(Files.readString(idFile, StandardCharsets.US_ASCII).trim());
        } catch (NoSuchFileException e) {
            throw new QueueException("queue id file " + idFile + " is missing", e);
        } catch (IOException | IllegalArgumentException e) {
            throw new QueueException("queue id file " + idFile + " is unreadable or corrupt (" + e.getMessage()
                    + "); it must hold one UUID", e);
        }
    }

    public UUID id() {
        return id;
    }

    public Path dir() {
        return dir;
    }

    /** The index of the oldest retained record, or -1 when the queue is empty. */
    public long firstIndex() {
        long first = chronicle.firstIndex();
        return first == Long.MAX_VALUE ? -1 : first;
    }

    /** The index of the newest record, or -1 when the queue is empty. */
    public long lastIndex() {
        return chronicle.lastIndex();
    }

    /** The cycle (hour) the clock is in now; a change tells the appender to write a checkpoint first. */
    public int currentCycle() {
        return chronicle.cycle();
    }

    /** The cycle an index belongs to. */
    public int cycleOf(long index) {
        return ROLL_CYCLE.toCycle(index);
    }

    /**
     * The side file holding the data of large WRITEs appended during {@code cycle} (see {@link DataLog}). A record
     * of cycle C+1 may keep its data in C's file (the clock rolls between writing data and record), so whoever
     * deletes cycle C's queue file deletes only side files of cycles before C.
     */
    public static Path sideDataFile(Path queueDir, int cycle) {
        return DataLog.fileFor(queueDir, cycle);
    }

    /** A new appender. Only one thread of one process should append to a queue. */
    public JournalAppender appender(AppendOptions options) {
        return new JournalAppender(this, chronicle.createAppender(), options);
    }

    /** A new reader positioned at the start of the retained queue. */
    public JournalReader reader() {
        return new JournalReader(this, chronicle.createTailer());
    }

    SingleChronicleQueue chronicle() {
        return chronicle;
    }

    @Override
    public void close() {
        chronicle.close();
    }

    @Override
    public String toString() {
        return "queue " + dir + " (id " + id + ")";
    }
}
