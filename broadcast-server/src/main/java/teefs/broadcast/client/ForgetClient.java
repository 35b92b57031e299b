package teefs.broadcast.client;

import teefs.broadcast.wire.WireFormat;
import teefs.protocol.control.Envelope;
import teefs.protocol.control.ForgetReply;
import teefs.protocol.control.ForgetRequest;

/**
 * Asks a server to forget a registered client ({@code teefs forget NAME}): one request, one reply. A refusal
 * (no such client, connected now, bad credential) is a {@link RefusedException} whose message says what to do.
 */
public final class ForgetClient {
    private ForgetClient() {
    }

    /** From {@code options}: the address, its TLS settings and the credential (the rest is unused). */
    public static ForgetReply forget(ClientOptions options, String clientName, long timeoutMillis) {
        Envelope reply = ControlExchange.exchange(options, Envelope.newBuilder().setForgetRequest(
                ForgetRequest.newBuilder().setProtocolVersion(WireFormat.PROTOCOL_VERSION)
                        .setCredential(options.credential()).setClientName(clientName)).build(), timeoutMillis);
        if (!reply.hasForgetReply()) {
            throw new BroadcastClientException(options.address() + " answered a forget request with "
                    + reply.getBodyCase() + " (a server older than this client cannot forget clients: upgrade it)");
        }
        return reply.getForgetReply();
    }
}
