package teefs.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import teefs.broadcast.client.BroadcastClient;
import teefs.broadcast.client.ClientOptions;
import teefs.broadcast.net.ListenAddress;
import teefs.broadcast.server.BroadcastConfig;
import teefs.broadcast.server.BroadcastServer;

/** {@code teefs forget} against a real server on a Unix socket: forgets, refuses, and status agrees. */
@Timeout(120)
class ForgetCommandTest {
    @TempDir
    Path dir;

    @Test
    void forgetsADisconnectedClientAndRefusesWhatItCannotForget() throws Exception {
        Path q = dir.resolve("queue");
        String socket = "unix:" + dir.resolve("s.sock");
        try (TestJournal journal = new TestJournal(q);
             BroadcastServer server = BroadcastServer.start(new BroadcastConfig().queueDir(q)
                     .listen(ListenAddress.parse(socket)).conclude())) {
            long last = journal.append(5);
            for (String name : new String[] {"gone", "alive"}) {
                try (BroadcastClient c = BroadcastClient.connect(new ClientOptions().address(socket).name(name)
                        .fromOldest(), (i, b, o, l) -> { })) {
                    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                    while (c.lastDeliveredIndex() < last) {
                        assertThat(System.nanoTime()).isLessThan(deadline);
                        Thread.sleep(5);
                    }
                    c.ack(last);
                    while (server.status().getClientsList().stream().noneMatch(s -> s.getName().equals(name)
                            && s.getAckedIndex() == last)) {
                        assertThat(System.nanoTime()).isLessThan(deadline);
                        Thread.sleep(10);
                    }
                }
            }
            ClientTlsCommandsTest.Run status = ClientTlsCommandsTest.teefs("status", "--server", socket);
            assertThat(status.out()).contains("gone").contains("alive");

            ClientTlsCommandsTest.Run forgot = ClientTlsCommandsTest.teefs("forget", "--server", socket, "gone");
            assertThat(forgot.code()).as(forgot.err()).isZero();
            assertThat(forgot.out()).contains("forgot client gone (it had acked index " + last + ")")
                    .contains("retention no longer keeps the journal for it");
            assertThat(Files.exists(q.resolve("clients/gone.pos"))).isFalse();
            assertThat(ClientTlsCommandsTest.teefs("status", "--server", socket).out()).doesNotContain("gone")
                    .contains("alive");

            ClientTlsCommandsTest.Run unknown = ClientTlsCommandsTest.teefs("forget", "--server", socket, "gone");
            assertThat(unknown.code()).isEqualTo(1);
            assertThat(unknown.err()).contains("UNKNOWN_CLIENT").contains("no client named 'gone'")
                    .contains("[alive]").doesNotContain("\tat ");

            try (BroadcastClient alive = BroadcastClient.connect(new ClientOptions().address(socket).name("alive")
                    .resumeAfter(last), (i, b, o, l) -> { })) {
                ClientTlsCommandsTest.Run connected = ClientTlsCommandsTest.teefs("forget", "--server", socket, "alive");
                assertThat(connected.code()).isEqualTo(1);
                assertThat(connected.err()).contains("CLIENT_CONNECTED").contains("from a Unix socket")
                        .contains("stop that mirror first");
            }
            ClientTlsCommandsTest.Run usage = ClientTlsCommandsTest.teefs("forget", "--server", socket);
            assertThat(usage.code()).isEqualTo(2);
            assertThat(usage.err()).contains("Missing required parameter: 'NAME'");
        }
    }
}
