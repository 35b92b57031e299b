package teefs.queue;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.UUID;
import java.util.function.LongSupplier;
import java.util.stream.Stream;

import org.agrona.concurrent.UnsafeBuffer;

import teefs.protocol.RecordDecoder;
import teefs.protocol.RecordHeader;

import net.openhft.chronicle.bytes.Bytes;
import net.openhft.chronicle.queue.ExcerptTailer;
import net.openhft.chronicle.queue.TailerDirection;
import net.openhft.chronicle.queue.impl.RollingResourcesCache;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueue;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueueBuilder;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueueStore;
import net.openhft.chronicle.wire.DocumentContext;
import net.openhft.posix.PosixAPI;

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
    static {
        // Before any Chronicle class loads: Chronicle's Jvm binds its own libc (jnr-ffi, about 70 ms of every start,
        // async-profiler) that teefs never uses. Chronicle calls it only for msync in sync modes and pretouching,
        // neither of which teefs turns on (QueueFlusher forces with fdatasync); teefs' own calls go through
        // teefs.posix. The no-op binding answers 0 to an msync, which would only hint the kernel anyway.
        PosixAPI.useNoOpPosixApi();
    }

    public static final String ID_FILE = "teefs-queue.id";
    /** Name suffix of the per-cycle side files holding large WRITEs' data: {@code <cycle>.teefs-data}. */
    public static final String SIDE_DATA_SUFFIX = ".teefs-data";
    /** Chronicle's file of the queue's own metadata (directory listing, locks), memory-mapped like a cycle file. */
    static final String METADATA_FILE = SingleChronicleQueue.QUEUE_METADATA_FILE;

    private final Path dir;
    private final UUID id;
    private final SingleChronicleQueue chronicle;
    private final CycleClock clock;
    private final RollingResourcesCache cycleFiles;

    private JournalQueue(Path dir, UUID id, SingleChronicleQueue chronicle, CycleClock clock) {
        this.dir = dir;
        this.id = id;
        this.chronicle = chronicle;
        this.clock = clock;
        File base = dir.toFile();
        this.cycleFiles = new RollingResourcesCache(QueueIndexes.ROLL_CYCLE, chronicle.epoch(),
                name -> new File(base, name + SingleChronicleQueue.SUFFIX),
                file -> file.getName().substring(0, file.getName().length() - SingleChronicleQueue.SUFFIX.length()));
    }

    /** Opens the queue at {@code dir}, creating the directory and a new id when it holds no queue yet. */
    public static JournalQueue openOrCreate(Path dir) {
        return openOrCreate(dir, System::currentTimeMillis);
    }

    /** As {@link #openOrCreate(Path)}, with the wall clock given (tests move it across a cycle boundary). */
    static JournalQueue openOrCreate(Path dir, LongSupplier wallMillis) {
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
        return open(dir, wallMillis);
    }

    /** Opens an existing queue; fails with a clear message when {@code dir} holds none. */
    public static JournalQueue openExisting(Path dir) {
        if (!Files.isRegularFile(dir.resolve(ID_FILE))) {
            throw new QueueException("no teefs queue at " + dir + " (" + ID_FILE + " is missing): "
                    + "give the --queue directory that 'teefs journal' writes to");
        }
        return open(dir, System::currentTimeMillis);
    }

    private static JournalQueue open(Path dir, LongSupplier wallMillis) {
        UUID id = readId(dir.resolve(ID_FILE));
        CycleClock clock = new CycleClock(wallMillis, QueueIndexes.ROLL_CYCLE, QueueIndexes.ROLL_CYCLE.defaultEpoch());
        SingleChronicleQueue chronicle;
        try {
            chronicle = SingleChronicleQueueBuilder.single(dir.toFile())
                    .rollCycle(QueueIndexes.ROLL_CYCLE)
                    .timeProvider(clock)
                    .build();
        } catch (RuntimeException e) {
            throw new QueueException("cannot open queue " + dir + ": " + e.getMessage(), e);
        }
        if (chronicle.epoch() != QueueIndexes.ROLL_CYCLE.defaultEpoch()) {
            chronicle.close();
            throw new QueueException("queue " + dir + " has a roll epoch of " + chronicle.epoch() + ", not "
                    + QueueIndexes.ROLL_CYCLE.defaultEpoch() + ": point --queue at a directory written by teefs");
        }
        return new JournalQueue(dir, id, chronicle, clock);
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

    /**
     * The cycle (hour) appends go to now; a change tells the appender to write a checkpoint first. In the appending
     * process this is the cycle the appender has reserved space in (see {@link CycleClock}), which trails the wall
     * clock until the next append's reservation moves it on.
     */
    public int currentCycle() {
        return chronicle.cycle();
    }

    CycleClock clock() {
        return clock;
    }

    /** The Chronicle file of {@code cycle} ({@code yyyyMMdd-HH'F'.cq4}), whether it exists or not. */
    Path cycleFile(int cycle) {
        return cycleFiles.resourceFor(cycle).path.toPath();
    }

    /**
     * A position at or beyond where the next document of {@code cycle}'s existing file will be written: the last
     * document's header position from the file's own header, plus the longest document. The file's length (whole
     * Chronicle chunks) when the header cannot be read.
     */
    long writePositionBound(int cycle) {
        try (SingleChronicleQueueStore store = chronicle.storeForCycle(cycle, chronicle.epoch(), false, null)) {
            if (store != null) {
                return store.writePosition() + RecordHeader.MAX_RECORD_LENGTH + (64 << 10);
            }
        } catch (RuntimeException e) {
            // fall back on the length below
        }
        return cycleFile(cycle).toFile().length();
    }

    /**
     * The index of the last CHECKPOINT RESET at or before {@code index} in its cycle (where a reader that must know
     * the open handles at {@code index} can begin), looking back at most {@code maxRecords} records; -1 when there
     * is none within that. Reads the records' type and flags only.
     */
    public long lastRestatementAtOrBefore(long index, int maxRecords) {
        if (index < 0) {
            return -1;
        }
        int cycle = cycleOf(index);
        byte[] head = new byte[RecordHeader.LENGTH + 8];
        UnsafeBuffer view = new UnsafeBuffer(head);
        try (ExcerptTailer tailer = chronicle.createTailer()) {
            tailer.direction(TailerDirection.BACKWARD);
            if (!tailer.moveToIndex(index)) {
                return -1;
            }
            for (int i = 0; i < maxRecords; i++) {
                try (DocumentContext dc = tailer.readingDocument()) {
                    if (!dc.isPresent() || cycleOf(dc.index()) != cycle) {
                        return -1;
                    }
                    Bytes<?> bytes = dc.wire().bytes();
                    int length = (int) Math.min(bytes.readRemaining(), head.length);
                    bytes.read(head, 0, length);
                    if (RecordDecoder.beginsRestatement(view, 0, length)) {
                        return dc.index();
                    }
                }
            }
        }
        return -1;
    }

    /** The cycle an index belongs to. */
    public int cycleOf(long index) {
        return QueueIndexes.cycle(index);
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
