package teefs.broadcast.client;

import java.nio.file.Path;

import teefs.broadcast.net.ListenAddress;
import teefs.broadcast.wire.WireFormat;
import teefs.protocol.control.Envelope;
import teefs.protocol.control.StatusReply;
import teefs.protocol.control.StatusRequest;

/** Asks a server for its status (what {@code teefs status --server ADDR} prints): one request, one reply. */
public final class StatusClient {
    private StatusClient() {
    }

    /** With TLS trusting exactly the server certificate in {@code tlsTrust} (or no TLS when null). */
    public static StatusReply fetch(ListenAddress address, String credential, Path tlsTrust, long timeoutMillis) {
        return fetch(new ClientOptions().address(address).credential(credential).tlsTrust(tlsTrust), timeoutMillis);
    }

    /** From {@code options}: the address, its TLS settings and the credential (the rest is unused). */
    public static StatusReply fetch(ClientOptions options, long timeoutMillis) {
        Envelope reply = ControlExchange.exchange(options, Envelope.newBuilder().setStatusRequest(
                StatusRequest.newBuilder().setProtocolVersion(WireFormat.PROTOCOL_VERSION)
                        .setCredential(options.credential())).build(), timeoutMillis);
        if (!reply.hasStatusReply()) {
            throw new BroadcastClientException(options.address() + " answered a status request with "
                    + reply.getBodyCase());
        }
        return reply.getStatusReply();
    }
}
