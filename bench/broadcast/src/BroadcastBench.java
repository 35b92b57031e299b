import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

import org.agrona.concurrent.UnsafeBuffer;

import teefs.broadcast.client.BroadcastClient;
import teefs.broadcast.client.ClientOptions;
import teefs.broadcast.net.ListenAddress;
import teefs.broadcast.server.BroadcastConfig;
import teefs.broadcast.server.BroadcastServer;
import teefs.protocol.RecordEncoder;
import teefs.protocol.RecordHeader;
import teefs.queue.AppendOptions;
import teefs.queue.JournalAppender;
import teefs.queue.JournalQueue;
import teefs.queue.SyncLevel;

/**
 * Broadcast benchmark (run by bench/broadcast/run.sh).
 *
 *   throughput DIR ADDR CLIENTS MIB RECORD_KIB  - fill a queue with MIB of WRITE records (once per DIR), then time
 *                                                 CLIENTS clients streaming all of it from the oldest record
 *   latency DIR ADDR MB_PER_S SECONDS RECORD_KIB - append at a steady rate; each record carries its append time;
 *                                                 one client reports append-to-delivery p50/p99/p99.9
 *
 * Server, appender and clients share this JVM (the appender is journal-fs in production), over real sockets.
 */
public final class BroadcastBench {
    public static void main(String[] args) throws Exception {
        switch (args[0]) {
            case "throughput" -> throughput(Path.of(args[1]), args[2], Integer.parseInt(args[3]), Integer.parseInt(args[4]),
                    Integer.parseInt(args[5]));
            case "latency" -> latency(Path.of(args[1]), args[2], Integer.parseInt(args[3]), Integer.parseInt(args[4]),
                    Integer.parseInt(args[5]));
            default -> throw new IllegalArgumentException("throughput|latency");
        }
        System.exit(0);
    }

    private static BroadcastServer server(Path q, String addr) {
        return BroadcastServer.start(new BroadcastConfig().queueDir(q).listen(ListenAddress.parse(addr))
                .batchBytes(Integer.getInteger("batch", BroadcastConfig.BATCH_BYTES_DEFAULT))
                .highWaterMark(Integer.getInteger("hwm", BroadcastConfig.HIGH_WATER_MARK_DEFAULT)).conclude());
    }

    static void throughput(Path q, String addr, int clients, int mib, int recordKib) throws Exception {
        long records = (long) mib * 1024 / recordKib;
        if (!Files.exists(q.resolve(JournalQueue.ID_FILE))) {
            try (JournalQueue queue = JournalQueue.openOrCreate(q);
                 JournalAppender app = queue.appender(new AppendOptions(SyncLevel.NONE, 100, 0))) {
                UnsafeBuffer frame = new UnsafeBuffer(ByteBuffer.allocateDirect(recordKib * 1024 + 64).order(ByteOrder.LITTLE_ENDIAN));
                RecordEncoder enc = new RecordEncoder().wrap(frame, 0);
                int dataLength = recordKib * 1024 - 40;
                if (Boolean.parseBoolean(System.getProperty("inline", "false"))) {
                    byte[] data = new byte[dataLength];
                    for (long i = 0; i < records; i++) {
                        app.append(frame, 0, enc.write(1, i, 0, 0, data));
                    }
                } else {
                    // as journal-fs appends a FUSE write: head plus native data, which the queue keeps in its side
                    // data file when large (docs/JOURNAL.md), so the broadcaster reassembles it on the way out
                    UnsafeBuffer data = new UnsafeBuffer(ByteBuffer.allocateDirect(dataLength));
                    UnsafeBuffer head = new UnsafeBuffer(ByteBuffer.allocateDirect(64).order(ByteOrder.LITTLE_ENDIAN));
                    RecordEncoder headEnc = new RecordEncoder();
                    for (long i = 0; i < records; i++) {
                        int headLength = headEnc.wrap(head, 0).writeHead(1, i, 0, 0, data, 0, dataLength);
                        app.append(head, 0, headLength, data, 0, dataLength, RecordHeader.paddingFor(headLength + dataLength));
                    }
                }
            }
        }
        try (BroadcastServer server = server(q, addr)) {
            ListenAddress a = server.addresses().get(0);
            // the broadcaster runs for days: measure it warm, after untimed passes of a client over the queue, at
            // least -Dwarmups of them and for at least -Dwarmup.seconds (default 3 s). On 2 vCPUs one pass of 512 MiB
            // was not enough: C2 still compiled (and deoptimized) through the timed pass, taking 0.85 of a core
            // (perf record, comm breakdown), and the pass measured 1,556-1,823 MB/s against 1,975-2,399 after four
            long warmUntil = System.nanoTime() + (long) (Double.parseDouble(System.getProperty("warmup.seconds", "3")) * 1e9);
            for (int w = 0; w < Integer.getInteger("warmups", 1) || System.nanoTime() < warmUntil; w++) {
                stream(a, "warmup" + w, records);
            }
            // -Dpasses=N measures N times in this JVM; -Dalternate=PROP:A,B sets system property PROP to A, B, A, ...
            // before each pass (for A/B comparisons of a switch read per connection, without a JVM's noise between)
            String[] alternate = System.getProperty("alternate", "").isEmpty() ? null : System.getProperty("alternate").split("[:,]");
            for (int pass = 0; pass < Integer.getInteger("passes", 1); pass++) {
                String label = "";
                if (alternate != null) {
                    String value = alternate[1 + pass % (alternate.length - 1)];
                    System.setProperty(alternate[0], value);
                    label = " " + alternate[0] + "=" + value;
                }
                Map<String, Long> cpuBefore = cpuByThreadGroup();
                Map<String, Long> wakeBefore = wakeUpsByThreadGroup(null);
                AtomicLong bytes = new AtomicLong();
                long[] done = new long[clients];
                long[] counts = new long[clients];
                List<BroadcastClient> list = new ArrayList<>();
                long t0 = System.nanoTime();
                for (int c = 0; c < clients; c++) {
                    int id = c;
                    list.add(BroadcastClient.connect(new ClientOptions().address(a).name("bench" + c).fromOldest(),
                            (index, buffer, offset, length) -> {
                                bytes.addAndGet(length);
                                if (++counts[id] == records) {
                                    done[id] = System.nanoTime();
                                }
                            }));
                }
                while (Arrays.stream(done).anyMatch(d -> d == 0)) {
                    Thread.sleep(5);
                    for (BroadcastClient c : list) {
                        if (!c.isConnected()) {
                            throw new IllegalStateException("a client was disconnected: " + c.closeCause());
                        }
                    }
                }
                double secs = (Arrays.stream(done).max().getAsLong() - t0) / 1e9;
                double mbps = bytes.get() / secs / 1e6;
                // CPU per GB of each kind of thread: what a change saves, less disturbed by other load than wall time
                Map<String, Long> cpuAfter = cpuByThreadGroup(cpuBefore);
                Map<String, Long> wakeAfter = wakeUpsByThreadGroup(wakeBefore);
                StringBuilder cpu = new StringBuilder();
                for (String group : List.of("client", "io", "pump")) {
                    cpu.append(String.format(" cpu_s_per_GB_%s=%.3f", group, cpuAfter.get(group) / 1e9 / (bytes.get() / 1e9)));
                }
                for (String group : List.of("client", "io", "pump")) {
                    cpu.append(String.format(" sleeps_per_MB_%s=%.2f", group,
                            wakeAfter.getOrDefault(group, 0L) / (bytes.get() / 1e6)));
                }
                System.out.printf("RESULT throughput clients=%d record=%dKiB total=%.0fMB seconds=%.3f aggregate_MBps=%.0f per_client_MBps=%.0f%s%n",
                        clients, recordKib, bytes.get() / 1e6, secs, mbps, mbps / clients, cpu + label);
                list.forEach(BroadcastClient::close);
            }
        }
    }

    /**
     * CPU nanoseconds of the live threads: with {@code before == null} per thread id, else summed by kind (pump,
     * io: server event loops, client: client event loops) as the growth since {@code before} (threads started since
     * count from zero; threads that ended are not counted).
     */
    private static Map<String, Long> cpuByThreadGroup(Map<String, Long> before) {
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        Map<String, Long> cpu = new TreeMap<>(before == null ? Map.of() : Map.of("pump", 0L, "io", 0L, "client", 0L));
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            String name = t.getName();
            String group = name.startsWith("teefs-pump-") ? "pump" : name.startsWith("teefs-io") ? "io"
                    : name.startsWith("teefs-client-") ? "client" : null;
            long ns = group == null ? -1 : mx.getThreadCpuTime(t.getId());
            if (ns <= 0) {
                continue;
            }
            String id = Long.toString(t.getId());
            if (before == null) {
                cpu.put(id, ns);
            } else {
                cpu.merge(group, ns - before.getOrDefault(id, 0L), Long::sum);
            }
        }
        return cpu;
    }

    /**
     * Voluntary context switches (each a sleep, and the wake-up that ends it) of the live threads, from /proc (Linux),
     * as {@link #cpuByThreadGroup(Map)} counts CPU: per thread id when {@code before == null}, else summed by kind as
     * the growth since {@code before}. Less disturbed by other load than wall time: each hand-off that finds a thread
     * asleep costs one.
     */
    private static Map<String, Long> wakeUpsByThreadGroup(Map<String, Long> before) {
        Map<String, Long> out = new TreeMap<>();
        try (var tasks = Files.list(Path.of("/proc/self/task"))) {
            for (Path t : (Iterable<Path>) tasks::iterator) {
                try {
                    String name = Files.readString(t.resolve("comm")).trim();
                    String group = name.startsWith("teefs-pump-") ? "pump" : name.startsWith("teefs-io") ? "io"
                            : name.startsWith("teefs-client-") ? "client" : null;
                    if (group == null) {
                        continue;
                    }
                    for (String line : Files.readAllLines(t.resolve("status"))) {
                        if (line.startsWith("voluntary_ctxt_switches:")) {
                            long n = Long.parseLong(line.substring(line.indexOf(':') + 1).trim());
                            String id = t.getFileName().toString();
                            if (before == null) {
                                out.put(id, n);
                            } else {
                                out.merge(group, n - before.getOrDefault(id, 0L), Long::sum);
                            }
                        }
                    }
                } catch (java.io.IOException | RuntimeException ended) {
                    // the thread ended meanwhile
                }
            }
        } catch (java.io.IOException e) {
            return out;
        }
        return out;
    }

    private static Map<String, Long> cpuByThreadGroup() {
        return cpuByThreadGroup(null);
    }

    /** One client streams the whole queue from the oldest record; returns when it has all of it. */
    private static void stream(ListenAddress a, String name, long records) throws Exception {
        AtomicLong count = new AtomicLong();
        try (BroadcastClient c = BroadcastClient.connect(new ClientOptions().address(a).name(name).fromOldest(),
                (index, buffer, offset, length) -> count.incrementAndGet())) {
            while (count.get() < records) {
                Thread.sleep(5);
                if (!c.isConnected()) {
                    throw new IllegalStateException("the warm-up client was disconnected: " + c.closeCause());
                }
            }
        }
    }

    static void latency(Path q, String addr, int mbPerS, int seconds, int recordKib) throws Exception {
        try (JournalQueue queue = JournalQueue.openOrCreate(q);
             JournalAppender app = queue.appender(new AppendOptions(SyncLevel.NONE, 100, 0));
             BroadcastServer server = server(q, addr)) {
            int recordBytes = recordKib * 1024;
            long rate = (long) mbPerS * 1_000_000 / recordBytes; // records per second
            long total = rate * seconds;
            long[] lat = new long[(int) total];
            AtomicLong received = new AtomicLong();
            try (BroadcastClient client = BroadcastClient.connect(new ClientOptions().address(server.addresses().get(0))
                    .name("lat").fromHead(), (index, buffer, offset, length) -> {
                long sent = buffer.getLong(offset + 16 + 24 + 0, ByteOrder.LITTLE_ENDIAN);
                int n = (int) received.getAndIncrement();
                if (n < lat.length) {
                    lat[n] = System.nanoTime() - sent;
                }
            })) {
                UnsafeBuffer frame = new UnsafeBuffer(ByteBuffer.allocateDirect(recordBytes + 64).order(ByteOrder.LITTLE_ENDIAN));
                RecordEncoder enc = new RecordEncoder().wrap(frame, 0);
                byte[] data = new byte[recordBytes - 40];
                long interval = 1_000_000_000L / rate;
                long[] appendNanos = new long[(int) total];
                long[] lateNanos = new long[(int) total];
                long start = System.nanoTime();
                for (long i = 0; i < total; i++) {
                    long due = start + i * interval;
                    long now;
                    while ((now = System.nanoTime()) < due) {
                        LockSupport.parkNanos(due - now);
                    }
                    long stamp = System.nanoTime();
                    ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN).putLong(0, stamp);
                    app.append(frame, 0, enc.write(1, i, 0, 0, data));
                    appendNanos[(int) i] = System.nanoTime() - stamp;
                    lateNanos[(int) i] = stamp - due;
                }
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                while (received.get() < total && System.nanoTime() < deadline) {
                    Thread.sleep(5);
                }
                double achieved = total * (double) recordBytes / ((System.nanoTime() - start) / 1e9) / 1e6;
                // the first 2 s are warm-up (JIT, page faults of a new cycle file): reported apart
                int warm = (int) Math.min(rate * 2, lat.length / 2);
                long[] warmup = Arrays.copyOf(lat, warm);
                Arrays.sort(warmup);
                System.out.printf("RESULT warmup_first_2s p50_us=%.0f p99_us=%.0f max_us=%.0f%n",
                        pct(warmup, 0.5), pct(warmup, 0.99), warmup[warmup.length - 1] / 1e3);
                long[] appends = Arrays.copyOfRange(appendNanos, warm, appendNanos.length);
                long[] lates = Arrays.copyOfRange(lateNanos, warm, lateNanos.length);
                Arrays.sort(appends);
                Arrays.sort(lates);
                System.out.printf("RESULT appender_side encode+append_p99_us=%.0f max_us=%.0f; appender_behind_schedule_p99_us=%.0f max_us=%.0f%n",
                        pct(appends, 0.99), appends[appends.length - 1] / 1e3, pct(lates, 0.99), lates[lates.length - 1] / 1e3);
                long[] sorted = Arrays.copyOfRange(lat, warm, (int) Math.min(received.get(), lat.length));
                Arrays.sort(sorted);
                System.out.printf("RESULT latency after_warmup rate=%dMBps achieved=%.0fMBps record=%dKiB records=%d p50_us=%.0f p99_us=%.0f p999_us=%.0f max_us=%.0f%n",
                        mbPerS, achieved, recordKib, sorted.length, pct(sorted, 0.50), pct(sorted, 0.99), pct(sorted, 0.999),
                        sorted[sorted.length - 1] / 1e3);
            }
        }
    }

    private static double pct(long[] sorted, double p) {
        return sorted[Math.min(sorted.length - 1, (int) (sorted.length * p))] / 1e3;
    }
}
