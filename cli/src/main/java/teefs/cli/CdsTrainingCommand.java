package teefs.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.Writer;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.agrona.concurrent.UnsafeBuffer;

import picocli.CommandLine.Command;

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
 * Build tooling, hidden: does in one short run what every role does when it starts (parse its options, open a
 * journal, serve it, stream it, apply it, verify, load libc's and libfuse's bindings), so that the build can record
 * the classes loaded ({@code -XX:DumpLoadedClassList}) and lay them out in a class-data-sharing archive that every
 * later start maps in ready to use (cli/src/build/cds-archive.sh). Nothing outside a temporary directory is touched;
 * a part that fails is skipped, as it only means fewer classes in the archive.
 */
@Command(name = "cds-training", hidden = true,
        description = "Build tooling: exercise each role's start-up once, for the class-data-sharing archive.")
final class CdsTrainingCommand implements Runnable {
    private static final PrintWriter QUIET = new PrintWriter(Writer.nullWriter());

    @Override
    public void run() {
        Path dir;
        try {
            dir = Files.createTempDirectory("teefs-cds-");
        } catch (IOException e) {
            return;
        }
        try {
            for (String command : new String[] {"journal", "broadcast", "mirror", "replay", "dump", "verify",
                "status", "forget", "keygen", "up", "restart", "run"}) {
                quietly(() -> Main.run(QUIET, QUIET, command, "--help"));
            }
            Path queue = dir.resolve("queue");
            quietly(() -> journal(queue));
            quietly(() -> Class.forName("teefs.journal.JournalFs"));
            Path target = dir.resolve("target");
            quietly(() -> Main.run(QUIET, QUIET, "replay", "--queue", queue.toString(), "--target", target.toString()));
            quietly(() -> Main.run(QUIET, QUIET, "dump", "--queue", queue.toString()));
            quietly(() -> Main.run(QUIET, QUIET, "verify", target.toString(), target.toString()));
            quietly(() -> stream(queue, dir.resolve("s.sock")));
        } finally {
            delete(dir);
        }
    }

    /** A queue with a MKDIR in it, appended as journal-fs appends. */
    private static void journal(Path queue) {
        try (JournalQueue q = JournalQueue.openOrCreate(queue);
             JournalAppender appender = q.appender(new AppendOptions(SyncLevel.BATCH, 10, 0))) {
            UnsafeBuffer frame = new UnsafeBuffer(ByteBuffer.allocateDirect(RecordHeader.MAX_RECORD_LENGTH));
            int length = new RecordEncoder().wrap(frame, 0).mkdir(0755, 0, 0, 1, 0, 1, 0,
                    "d".getBytes(StandardCharsets.UTF_8));
            appender.append(frame, 0, length);
        }
    }

    /** A broadcaster on a Unix socket, a status request, and a client that receives the record. */
    private static void stream(Path queue, Path socket) throws Exception {
        try (BroadcastServer server = BroadcastServer.start(new BroadcastConfig().queueDir(queue)
                .listen(ListenAddress.parse("unix:" + socket)).conclude())) {
            Main.run(QUIET, QUIET, "status", "--server", "unix:" + socket);
            CountDownLatch received = new CountDownLatch(1);
            BroadcastClient client = BroadcastClient.connect(new ClientOptions()
                    .address(server.addresses().get(0)).name("cds").fromOldest(), (index, b, o, l) -> received.countDown());
            try {
                received.await(5, TimeUnit.SECONDS);
            } finally {
                client.close();
            }
        }
    }

    private interface Part {
        void run() throws Exception;
    }

    private static void quietly(Part part) {
        try {
            part.run();
        } catch (Throwable ignored) {
            // fewer classes in the archive, nothing worse
        }
    }

    private static void delete(Path dir) {
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // a temporary directory left behind
        }
    }
}
