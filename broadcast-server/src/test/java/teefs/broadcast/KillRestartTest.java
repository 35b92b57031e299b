package teefs.broadcast;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.LongStream;

import org.agrona.DirectBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import teefs.broadcast.client.BroadcastClient;
import teefs.broadcast.client.BroadcastClientException;
import teefs.broadcast.client.ClientOptions;
import teefs.broadcast.client.RefusedException;
import teefs.broadcast.net.ListenAddress;

/**
 * The server, in a separate JVM, is SIGKILLed and restarted ten times while records are appended and three clients
 * stream; each client reconnects and resumes after the last index it applied. Every client ends with the complete
 * stream, in order, nothing twice.
 */
@Timeout(300) // about 20-30 s on an idle 2-CPU machine; JVM starts are slow under heavy load
class KillRestartTest {
    private static final int TOTAL = 30_000;

    @TempDir
    Path tmp;

    /** A mirror-like client: reconnects with backoff, resumes after its last applied index, acks. */
    static final class ResumingClient implements Runnable {
        final String name;
        final ListenAddress address;
        final String queueId;
        final List<Long> seqs = new ArrayList<>();
        volatile long lastIndex = -1;
        final AtomicBoolean stop = new AtomicBoolean();
        volatile int connections;
        volatile String violation;

        ResumingClient(String name, ListenAddress address, String queueId) {
            this.name = name;
            this.address = address;
            this.queueId = queueId;
        }

        synchronized int size() {
            return seqs.size();
        }

        @Override
        public void run() {
            while (!stop.get()) {
                ClientOptions o = new ClientOptions().address(address).name(name).queueId(queueId)
                        .connectTimeout(Duration.ofSeconds(2)).heartbeatInterval(Duration.ofMillis(200))
                        .idleTimeout(Duration.ofSeconds(2));
                if (lastIndex < 0) {
                    o.fromOldest();
                } else {
                    o.resumeAfter(lastIndex);
                }
                try (BroadcastClient c = BroadcastClient.connect(o, (index, buffer, offset, length) -> accept(index, buffer, offset))) {
                    connections++;
                    while (!stop.get() && c.isConnected()) {
                        c.ack(lastIndex);
                        c.awaitClosed(20, TimeUnit.MILLISECONDS);
                    }
                } catch (RefusedException e) {
                    violation = "refused: " + e.getMessage();
                    return;
                } catch (BroadcastClientException e) {
                    sleep(50); // server down: retry
                } catch (InterruptedException e) {
                    return;
                } catch (Throwable t) {
                    violation = "client failed: " + t;
                    return;
                }
            }
        }

        private synchronized void accept(long index, DirectBuffer buffer, int offset) {
            if (index <= lastIndex) {
                violation = "index " + index + " after " + lastIndex;
            }
            lastIndex = index;
            seqs.add(Journal.seqOf(buffer, offset));
        }

        private static void sleep(long ms) {
            try {
                Thread.sleep(ms);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private Process startServer(Path queue, Path socket) throws Exception {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(ManagementArgs.jvmArgs());
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(ServerProcess.class.getName());
        cmd.add(queue.toString());
        cmd.add(socket.toString());
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.PIPE).start();
        BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream()));
        String line;
        StringBuilder seen = new StringBuilder();
        while ((line = out.readLine()) != null) {
            seen.append(line).append('\n');
            if (line.startsWith("READY")) {

                Thread drain = new Thread(() -> {
                    try {
                        String l;
                        while ((l = out.readLine()) != null) {
                            if (l.contains("WARN") || l.contains("ERROR") || l.contains("Exception")) {
                                System.out.println("server: " + l);
                            }
                        }
                    } catch (java.io.IOException ignored) {
                        // process gone
                    }
                });
                drain.setDaemon(true);
                drain.start();
                return p;
            }
        }
        throw new AssertionError("server process did not start:\n" + seen);
    }

    @Test
    void sigkillTenTimesDuringAStream() throws Exception {
        Path q = tmp.resolve("queue");
        Path socket = tmp.resolve("s.sock");
        try (Journal journal = new Journal(q)) {
            journal.appendMany(1000, 200);
            Process server = startServer(q, socket);
            ListenAddress address = ListenAddress.parse("unix:" + socket);
            List<ResumingClient> clients = new ArrayList<>();
            List<Thread> threads = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                ResumingClient c = new ResumingClient("m" + i, address, journal.queue.id().toString());
                clients.add(c);
                Thread t = new Thread(c, "client-" + i);
                t.start();
                threads.add(t);
            }
            int appended = 1000;
            try {
                for (int kill = 0; kill < 10; kill++) {
                    // the journal keeps growing whether or not the server is up
                    for (int i = 0; i < 1500; i++) {
                        journal.append(100 + (i % 50) * 40);
                    }
                    appended += 1500;
                    // kill mid-stream: once every client is connected to this server and has received part of it
                    for (ResumingClient c : clients) {
                        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
                        while ((c.connections <= kill || c.size() <= appended - 1500) && System.nanoTime() < deadline) {
                            Thread.sleep(1);
                        }
                    }
                    server.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                    System.out.println("killed server pid " + server.pid() + ", alive " + server.isAlive()
                            + ", received " + clients.get(0).size());
                    for (int i = 0; i < 1400; i++) {
                        journal.append(300);
                    }
                    appended += 1400;
                    server = startServer(q, socket);
                }
                while (appended < TOTAL) {
                    journal.append(64);
                    appended++;
                }
                for (ResumingClient c : clients) {
                    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                    while (c.size() < TOTAL && c.violation == null && System.nanoTime() < deadline) {
                        Thread.sleep(20);
                    }
                }
                // the last server saves the positions the clients acked (within a second)
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                while (System.nanoTime() < deadline && (!Files.isDirectory(q.resolve("clients"))
                        || Files.list(q.resolve("clients")).filter(p -> p.toString().endsWith(".pos")).count() < 3)) {
                    Thread.sleep(50);
                }
            } finally {
                clients.forEach(c -> c.stop.set(true));
                for (Thread t : threads) {
                    t.join(5000);
                }
                server.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
            for (ResumingClient c : clients) {
                System.out.println(c.name + ": " + c.size() + " records, " + c.connections + " connections, violation " + c.violation);
            }
            for (ResumingClient c : clients) {
                assertThat(c.violation).as(c.name).isNull();
                assertThat(c.connections).as(c.name + " connections").isGreaterThanOrEqualTo(10);
                synchronized (c) {
                    assertThat(c.seqs).as(c.name).containsExactlyElementsOf(LongStream.range(0, TOTAL).boxed().toList());
                }
            }
            // positions were persisted by the server processes (at most a second old at each kill); the last kill may
            // land inside a save and leave its temp file (".NAME.pos.tmp", overwritten by the next save): not a position
            assertThat(Files.list(q.resolve("clients")).map(p -> p.getFileName().toString())
                    .filter(n -> !(n.startsWith(".") && n.endsWith(".tmp"))).sorted().toList())
                    .containsExactly("m0.pos", "m1.pos", "m2.pos");
        }
    }
}
