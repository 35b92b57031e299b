import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.zip.CRC32C;

/**
 * The ceiling of any broadcaster on this machine, without teefs: one Java thread sends a page-cached file over
 * loopback TCP with sendfile (as the broadcaster sends side-file data), and one Java thread receives it into a
 * direct buffer. Mode {@code plain} only receives (what iperf3's receiver does); mode {@code crc} also runs
 * CRC32C over every byte received, the least a mirror must do before it trusts a record.
 *
 * <p>Usage: {@code LoopbackCeiling plain|crc FILE MIB}. Prints one RESULT line, measured after one untimed pass.
 */
public final class LoopbackCeiling {

    public static void main(String[] args) throws Exception {
        boolean crc = switch (args[0]) {
            case "plain" -> false;
            case "crc" -> true;
            default -> throw new IllegalArgumentException("plain|crc");
        };
        Path file = Path.of(args[1]);
        long size = Long.parseLong(args[2]) << 20;
        if (!Files.exists(file) || Files.size(file) != size) {
            byte[] chunk = new byte[1 << 20];
            new java.util.Random(1).nextBytes(chunk);
            try (FileChannel out = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING)) {
                for (long written = 0; written < size; written += chunk.length) {
                    out.write(ByteBuffer.wrap(chunk));
                }
            }
        }
        try (ServerSocketChannel listener = ServerSocketChannel.open().bind(new InetSocketAddress("127.0.0.1", 0))) {
            Thread sender = new Thread(() -> serve(listener, file, 2), "sender");
            sender.start();
            receive(listener.getLocalAddress(), size, crc); // warm-up pass
            long t0 = System.nanoTime();
            long checksum = receive(listener.getLocalAddress(), size, crc);
            double seconds = (System.nanoTime() - t0) / 1e9;
            System.out.printf("RESULT ceiling mode=%s total=%.0fMB seconds=%.3f MBps=%.0f crc=%x%n",
                    args[0], size / 1e6, seconds, size / seconds / 1e6, checksum);
            sender.join();
        }
    }

    private static void serve(ServerSocketChannel listener, Path file, int connections) {
        try (FileChannel in = FileChannel.open(file)) {
            for (int c = 0; c < connections; c++) {
                try (SocketChannel socket = listener.accept()) {
                    socket.setOption(StandardSocketOptions.SO_SNDBUF, 4 << 20); // as the broadcaster sets it
                    long size = in.size();
                    for (long sent = 0; sent < size; ) {
                        sent += in.transferTo(sent, size - sent, socket);
                    }
                }
            }
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static long receive(java.net.SocketAddress address, long size, boolean crc) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocateDirect(1 << 20);
        CRC32C digest = new CRC32C();
        try (SocketChannel socket = SocketChannel.open(address)) {
            for (long received = 0; received < size; ) {
                buffer.clear();
                int n = socket.read(buffer);
                if (n < 0) {
                    throw new IOException("sender closed after " + received + " bytes");
                }
                received += n;
                if (crc) {
                    buffer.flip();
                    digest.update(buffer);
                }
            }
        }
        return digest.getValue();
    }
}
