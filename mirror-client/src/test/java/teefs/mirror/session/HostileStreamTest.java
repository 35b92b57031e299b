package teefs.mirror.session;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import teefs.broadcast.wire.WireFormat;
import teefs.mirror.testing.Journal;
import teefs.protocol.control.Envelope;
import teefs.protocol.control.Welcome;

/**
 * A fake server (a plain Unix socket speaking the wire format by hand) sends what no honest server would: path
 * traversal, absolute paths, a symlink then a write through it, a corrupt CRC, an absurd frame length, a truncated
 * frame. The mirror refuses each one (stops with exit code 3, or drops the connection), applies nothing of it, and
 * nothing outside TARGET changes.
 */
@Timeout(60)
class HostileStreamTest {
    private static final String QUEUE = "5f6ab8f4-21aa-4c4a-94cb-701125192aa0";
    private static final long FIRST = 1000;

    @TempDir
    Path dir;
    Path target;
    Path outside;

    /** The mirror against a server that sends {@code hostile} after its Welcome; it must stop (exit 3). */
    private MirrorException runAgainst(Consumer<SocketChannel> hostile) throws Exception {
        return runAgainst(hostile, true);
    }

    /**
     * The mirror against a server that sends {@code hostile} after its Welcome: the stop it made (when
     * {@code stops}), or null after checking that it was still reconnecting 3 s after the server hung up.
     */
    private MirrorException runAgainst(Consumer<SocketChannel> hostile, boolean stops) throws Exception {
        target = dir.resolve("target");
        outside = dir.resolve("outside");
        Files.createDirectories(target);
        Files.createDirectories(outside);
        Files.writeString(outside.resolve("canary"), "untouched");
        Path socket = dir.resolve("s.sock");
        Path state = dir.resolve(".target.teefs-state");
        new StateStore(state).save(new MirrorState(QUEUE, FIRST - 1, MirrorState.NONE, Map.of()), true);
        try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            server.bind(UnixDomainSocketAddress.of(socket));
            CompletableFuture<Void> served = CompletableFuture.runAsync(() -> {
                try (SocketChannel c = server.accept()) {
                    readFrame(c); // the Hello
                    send(c, WireFormat.KIND_CONTROL, Envelope.newBuilder().setWelcome(Welcome.newBuilder()
                            .setProtocolVersion(WireFormat.PROTOCOL_VERSION).setQueueId(QUEUE).setFirstIndex(0)
                            .setHeadIndex(FIRST + 10)).build().toByteArray());
                    hostile.accept(c);
                    Thread.sleep(300);
                } catch (Exception e) {
                    throw new RuntimeException(e);
                }
            });
            MirrorOptions options = new MirrorOptions().address("unix:" + socket).target(target).stateFile(state)
                    .backoff(Duration.ofMillis(20), Duration.ofMillis(50)).conclude();
            Mirror mirror = new Mirror(options, System.out);
            CompletableFuture<MirrorException> run = CompletableFuture.supplyAsync(() -> {
                try {
                    mirror.run();
                    return null;
                } catch (MirrorException e) {
                    return e;
                }
            });
            served.get(20, TimeUnit.SECONDS);
            if (stops) {
                return run.get(30, TimeUnit.SECONDS); // a slow machine takes its time, but the mirror must stop
            }
            try {
                MirrorException early = run.get(3, TimeUnit.SECONDS);
                throw new AssertionError("the mirror stopped instead of reconnecting", early);
            } catch (java.util.concurrent.TimeoutException e) {
                mirror.stop(); // still reconnecting: the hostile bytes only dropped the connection
                assertThat(run.get(10, TimeUnit.SECONDS)).isNull();
                return null;
            }
        } finally {
            assertThat(Files.readString(outside.resolve("canary"))).isEqualTo("untouched");
            try (Stream<Path> s = Files.list(outside)) {
                assertThat(s.toList()).containsExactly(outside.resolve("canary"));
            }
            try (Stream<Path> s = Files.list(dir)) {
                assertThat(s.map(p -> p.getFileName().toString()).sorted().toList())
                        .containsExactly(".target.teefs-state", "outside", "s.sock", "target");
            }
        }
    }

    private static byte[] batch(long first, List<byte[]> frames) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteBuffer prefix = ByteBuffer.allocate(WireFormat.RECORDS_PREFIX).putLong(first).putInt(frames.size());
        out.writeBytes(prefix.array());
        frames.forEach(out::writeBytes);
        return out.toByteArray();
    }

    private static void send(SocketChannel c, byte kind, byte[] body) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(WireFormat.HEADER + body.length);
        b.putInt(body.length + 1).put(kind).put(body).flip();
        while (b.hasRemaining()) {
            c.write(b);
        }
    }

    private static void readFrame(SocketChannel c) throws IOException {
        ByteBuffer len = ByteBuffer.allocate(4);
        while (len.hasRemaining()) {
            if (c.read(len) < 0) {
                throw new IOException("closed");
            }
        }
        ByteBuffer body = ByteBuffer.allocate(len.flip().getInt());
        while (body.hasRemaining()) {
            if (c.read(body) < 0) {
                throw new IOException("closed");
            }
        }
    }

    private static Consumer<SocketChannel> records(Journal j) {
        return c -> {
            try {
                send(c, WireFormat.KIND_RECORDS, batch(FIRST, j.frames()));
            } catch (IOException e) {
                throw new RuntimeException(e);
            }
        };
    }

    @Test
    void dotDotIsRefusedAndStopsTheMirrorNamingTheIndex() throws Exception {
        MirrorException e = runAgainst(records(new Journal().mkdir("ok", 0755).mkdir("../outside/evil", 0755)));
        assertThat(e.exitCode()).isEqualTo(MirrorException.UNTRUSTED_RECORD);
        assertThat(e.getMessage()).contains("#" + (FIRST + 1)).contains("../outside/evil");
        assertThat(target.resolve("ok")).isDirectory();
        // the position is saved right before the refused record: a fixed mirror resumes exactly there
        assertThat(new StateStore(dir.resolve(".target.teefs-state")).load().orElseThrow().lastApplied())
                .isEqualTo(FIRST);
    }

    @Test
    void anAbsolutePathIsRefused() throws Exception {
        MirrorException e = runAgainst(records(new Journal().mkdir(dir.resolve("outside/abs").toString(), 0755)));
        assertThat(e.exitCode()).isEqualTo(MirrorException.UNTRUSTED_RECORD);
        assertThat(e.getMessage()).contains("#" + FIRST);
    }

    @Test
    void aSymlinkThenAWriteThroughItIsRefused() throws Exception {
        MirrorException e = runAgainst(records(new Journal().symlink("link", "../outside")
                .create(0, "link/evil", 0644)));
        assertThat(e.exitCode()).isEqualTo(MirrorException.UNTRUSTED_RECORD);
        assertThat(e.getMessage()).contains("#" + (FIRST + 1));
        assertThat(Files.isSymbolicLink(target.resolve("link"))).isTrue();
    }

    @Test
    void aCorruptCrcIsRefused() throws Exception {
        Journal j = new Journal().mkdir("fine", 0755).mkdir("tampered", 0755);
        byte[] bad = j.frames().get(1);
        bad[bad.length - 1] ^= 0x5A;
        MirrorException e = runAgainst(records(j));
        assertThat(e.exitCode()).isEqualTo(MirrorException.UNTRUSTED_RECORD);
        assertThat(e.getMessage()).contains("index " + (FIRST + 1)).containsIgnoringCase("crc");
        assertThat(target.resolve("fine")).isDirectory();
        assertThat(target.resolve("tampered")).doesNotExist();
    }

    @Test
    void anAbsurdFrameLengthIsRefused() throws Exception {
        MirrorException e = runAgainst(c -> {
            try {
                c.write(ByteBuffer.allocate(5).putInt(0x7FFF_FFF0).put(WireFormat.KIND_RECORDS).flip());
            } catch (IOException ex) {
                throw new RuntimeException(ex);
            }
        });
        assertThat(e.exitCode()).isEqualTo(MirrorException.UNTRUSTED_RECORD);
        assertThat(e.getMessage()).contains("OVERSIZED_FRAME");
        try (Stream<Path> s = Files.list(target)) {
            assertThat(s.toList()).isEmpty();
        }
    }

    @Test
    void aTruncatedFrameAppliesNothingOfItAndTheMirrorReconnects() throws Exception {
        byte[] body = batch(FIRST, new Journal().mkdir("half", 0755).frames());
        MirrorException e = runAgainst(c -> {
            try {
                ByteBuffer b = ByteBuffer.allocate(WireFormat.HEADER + body.length / 2);
                b.putInt(body.length + 1).put(WireFormat.KIND_RECORDS).put(body, 0, body.length / 2).flip();
                c.write(b);
            } catch (IOException ex) {
                throw new RuntimeException(ex);
            }
        }, false);
        assertThat(e).as("a connection cut mid-frame is a network failure: reconnect, never apply half").isNull();
        assertThat(target.resolve("half")).doesNotExist();
    }

    @Test
    void aBatchLeavingOutRecordsIsNotAppliedAndTheMirrorReconnects() throws Exception {
        MirrorException e = runAgainst(c -> {
            try {
                send(c, WireFormat.KIND_RECORDS, batch(FIRST, new Journal().mkdir("first", 0755).frames()));
                // FIRST + 1 and FIRST + 2 never come: a stream with a hole, in the same queue cycle
                send(c, WireFormat.KIND_RECORDS, batch(FIRST + 3, new Journal().mkdir("after-a-hole", 0755).frames()));
            } catch (IOException ex) {
                throw new RuntimeException(ex);
            }
        }, false);
        assertThat(e).as("records lost on the way are a broken connection: connect again, never skip").isNull();
        assertThat(target.resolve("first")).isDirectory();
        assertThat(target.resolve("after-a-hole")).doesNotExist();
    }
}
