package teefs.broadcast;

import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.nio.ByteBuffer;

import teefs.broadcast.net.ListenAddress;
import teefs.broadcast.wire.WireFormat;
import teefs.protocol.control.Envelope;

/**
 * Test helper: a plain TCP client that speaks the outer framing by hand, from a chosen local address (another
 * loopback address, 127.0.0.2, is "another host" to the server). It sends exactly what it is told, several
 * messages in one write if asked, and never sends a heartbeat on its own: left alone it looks dead to the server.
 */
final class RawClient implements AutoCloseable {
    private final Socket socket;
    private final DataInputStream in;

    RawClient(String localAddress, ListenAddress server) throws IOException {
        socket = new Socket();
        socket.bind(new InetSocketAddress(localAddress, 0));
        socket.connect(new InetSocketAddress(server.host(), server.port()), 10_000);
        socket.setSoTimeout(60_000);
        in = new DataInputStream(socket.getInputStream());
    }

    /** Sends every envelope as a CONTROL frame, all in one write. */
    void send(Envelope... envelopes) throws IOException {
        int total = 0;
        byte[][] bodies = new byte[envelopes.length][];
        for (int i = 0; i < envelopes.length; i++) {
            bodies[i] = envelopes[i].toByteArray();
            total += WireFormat.HEADER + bodies[i].length;
        }
        ByteBuffer b = ByteBuffer.allocate(total);
        for (byte[] body : bodies) {
            b.putInt(1 + body.length).put(WireFormat.KIND_CONTROL).put(body);
        }
        OutputStream out = socket.getOutputStream();
        out.write(b.array());
        out.flush();
    }

    /** The next CONTROL message, skipping RECORDS frames; null when the server closed the connection. */
    Envelope read() throws IOException {
        while (true) {
            int length;
            try {
                length = in.readInt();
            } catch (EOFException | SocketException closed) {
                return null;
            }
            byte kind = in.readByte();
            byte[] body = new byte[length - 1];
            in.readFully(body);
            if (kind == WireFormat.KIND_CONTROL) {
                return Envelope.parseFrom(body);
            }
        }
    }

    /** Reads (skipping everything) until the server closes the connection. */
    void awaitClosedByServer() throws IOException {
        while (read() != null) {
            // skip
        }
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
