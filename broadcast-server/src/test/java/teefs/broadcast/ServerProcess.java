package teefs.broadcast;

import java.nio.file.Path;

import teefs.broadcast.net.ListenAddress;
import teefs.broadcast.server.BroadcastConfig;
import teefs.broadcast.server.BroadcastServer;

/** A broadcast server in its own JVM, for the SIGKILL test: {@code ServerProcess QUEUE_DIR SOCKET}. */
public final class ServerProcess {
    private ServerProcess() {
    }

    public static void main(String[] args) throws Exception {
        BroadcastServer server = BroadcastServer.start(new BroadcastConfig().queueDir(Path.of(args[0]))
                .listen(ListenAddress.parse("unix:" + args[1])).conclude());
        System.out.println("READY " + server.addresses());
        System.out.flush();
        Thread.sleep(Long.MAX_VALUE);
    }
}
