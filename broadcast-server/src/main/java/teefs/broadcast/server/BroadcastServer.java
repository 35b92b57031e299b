package teefs.broadcast.server;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.util.concurrent.GlobalEventExecutor;

import teefs.broadcast.net.ListenAddress;
import teefs.broadcast.net.Transport;
import teefs.broadcast.wire.WireSizeEstimator;
import teefs.queue.JournalQueue;

/**
 * The broadcast server: tails the queue and streams it to every connected client, each from its own position on
 * its own pump thread (see {@link ClientSession}). {@link #start} binds every listener or, failing any, closes what
 * it opened and throws; {@link #close} stops listening, drops clients, saves their positions and closes the queue.
 *
 * <p>Threads: Netty event loops (I/O), one pump per client, one housekeeping thread (position saving, retention).
 */
public final class BroadcastServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(BroadcastServer.class);
    public static final String VERSION = "teefs-broadcast/1";

    private final ServerContext ctx;
    private final EventLoopGroup bossGroup;
    private final EventLoopGroup ioGroup;
    private final ChannelGroup channels = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);
    private final List<ListenAddress> bound = new ArrayList<>();
    private final ScheduledExecutorService housekeeping;
    private MetricsEndpoint metrics;

    private BroadcastServer(ServerContext ctx) {
        this.ctx = ctx;
        this.bossGroup = Transport.group(1, "teefs-accept");
        this.ioGroup = Transport.group(ctx.config.ioThreads(), "teefs-io");
        this.housekeeping = ctx.housekeeping;
    }

    private static ScheduledExecutorService housekeepingThread() {
        return Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "teefs-housekeeping");
            t.setDaemon(true);
            return t;
        });
    }

    /** Opens the queue and binds every listener of {@code config} (which must be concluded). */
    public static BroadcastServer start(BroadcastConfig config) {
        config.requireConcluded();
        Credentials credentials = new Credentials(config.tokenFile());
        TlsMaterial tls = new TlsMaterial(config.tlsCert(), config.tlsKey(), config.clientCa());
        JournalQueue queue = JournalQueue.openExisting(config.queueDir());
        QueueStats stats = null;
        ScheduledExecutorService housekeeping = null;
        BroadcastServer server = null;
        try {
            stats = new QueueStats(config.queueDir());
            ClientRegistry registry = new ClientRegistry(new PositionStore(config.positionsDir()), System::currentTimeMillis,
                    config.idleTimeout().toMillis());
            housekeeping = housekeepingThread();
            server = new BroadcastServer(new ServerContext(config, queue, registry, credentials, tls, stats, housekeeping));
            server.bindAll();
            return server;
        } catch (RuntimeException | Error e) {
            if (server != null) {
                server.close();
            } else {
                if (housekeeping != null) {
                    housekeeping.shutdownNow();
                }
                if (stats != null) {
                    stats.close();
                }
                queue.close();
            }
            throw e;
        }
    }

    private void bindAll() {
        for (ListenAddress address : ctx.config.listeners()) {
            if (address.isUnix()) {
                removeStaleSocket(address);
            }
            ServerBootstrap b = new ServerBootstrap()
                    .group(bossGroup, ioGroup)
                    .channel(Transport.serverChannel(address))
                    .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK,
                            new WriteBufferWaterMark(ctx.config.highWaterMark() / 2, ctx.config.highWaterMark()))
                    // counts file regions (sendfile) at their size, so a stalled client's backlog stays on disk
                    .childOption(ChannelOption.MESSAGE_SIZE_ESTIMATOR, WireSizeEstimator.INSTANCE)
                    .childHandler(new ServerInitializer(ctx, ctx.tls.context() != null && !address.isUnix()));
            if (!address.isUnix()) {
                b.childOption(ChannelOption.TCP_NODELAY, true);
                if (ctx.config.sendBufferBytes() > 0) {
                    b.childOption(ChannelOption.SO_SNDBUF, ctx.config.sendBufferBytes());
                }
            }
            Channel server;
            try {
                server = b.bind(address.socketAddress()).syncUninterruptibly().channel();
            } catch (Exception e) {
                throw new IllegalArgumentException("cannot listen on " + address + ": " + e.getMessage()
                        + " (is another server running there? is the directory writable?)", e);
            }
            channels.add(server);
            server.closeFuture();
            ListenAddress actual = server.localAddress() instanceof InetSocketAddress inet
                    ? address.withPort(inet.getPort()) : address;
            bound.add(actual);
            LOG.info("listening on {} ({}{})", actual, Transport.epoll() ? "epoll" : "nio",
                    ctx.tls.context() != null && !address.isUnix() ? ", " + ctx.tls.summary() : "");
        }
        if (ctx.config.metrics() != null) {
            metrics = MetricsEndpoint.start(ctx, bossGroup, ioGroup);
        }
        ctx.doorbell.start();
        housekeeping.scheduleWithFixedDelay(this::saveQuietly, 1, 1, TimeUnit.SECONDS);
        long retention = ctx.config.retentionInterval().toMillis();
        housekeeping.scheduleWithFixedDelay(this::retainQuietly, retention, retention, TimeUnit.MILLISECONDS);
    }

    /** A socket file left by a killed server would make bind fail; one nobody answers on is stale. */
    private static void removeStaleSocket(ListenAddress address) {
        try {
            Files.createDirectories(address.unixPath().toAbsolutePath().getParent());
            if (Files.exists(address.unixPath())) {
                try (java.nio.channels.SocketChannel probe = java.nio.channels.SocketChannel.open(
                        java.net.UnixDomainSocketAddress.of(address.unixPath()))) {
                    throw new IllegalArgumentException(address + " is in use by a running server: stop it first");
                } catch (IOException notListening) {
                    Files.deleteIfExists(address.unixPath());
                }
            }
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot prepare socket " + address + ": " + e.getMessage(), e);
        }
    }

    private void saveQuietly() {
        try {
            ctx.registry.persistDirty();
        } catch (RuntimeException e) {
            LOG.warn("saving client positions failed", e);
        }
    }

    private void retainQuietly() {
        try {
            RetentionTask.run(ctx);
        } catch (RuntimeException e) {
            LOG.warn("retention pass failed", e);
        }
    }

    /** Runs one retention pass now (tests, and the CLI after a SIGHUP). Returns the cycle files deleted. */
    public int runRetention() {
        try {
            return housekeeping.submit(() -> RetentionTask.run(ctx)).get();
        } catch (Exception e) {
            throw new IllegalStateException("retention pass failed: " + e, e);
        }
    }

    /**
     * SIGHUP: re-reads the token file, the TLS certificate and key, and the client CA file; new connections use them,
     * connections already up stay up. All or nothing: if any file cannot be used, the exception names it and the
     * server keeps everything it had.
     */
    public void reloadCredentials() {
        TlsMaterial.Loaded tls = ctx.tls.load();
        java.util.List<byte[]> tokens = ctx.credentials.load();
        ctx.tls.use(tls);
        ctx.credentials.use(tokens);
        LOG.info("credentials and TLS material reloaded: {}; {}", ctx.credentials.summary(), ctx.tls.summary());
    }

    /** The addresses bound, with actual ports. */
    public List<ListenAddress> addresses() {
        return List.copyOf(bound);
    }

    public ListenAddress metricsAddress() {
        return metrics == null ? null : metrics.address();
    }

    public JournalQueue queue() {
        return ctx.queue;
    }

    /** Rings of the queue's doorbell heard so far (tests). */
    long doorbellRings() {
        return ctx.doorbell.rings();
    }

    /** The current figures, as {@code teefs status} shows them. */
    public teefs.protocol.control.StatusReply status() {
        return StatusReporter.report(ctx);
    }

    @Override
    public void close() {
        channels.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
        List<ClientSession> sessions = new ArrayList<>();
        for (var r : ctx.registry.all()) {
            ClientSession s = r.session();
            if (s != null) {
                sessions.add(s);
                s.close("server shutting down");
            }
        }
        for (ClientSession s : sessions) {
            s.awaitPump(5000);
        }
        ctx.doorbell.close();
        if (metrics != null) {
            metrics.close();
        }
        ioGroup.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
        bossGroup.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
        housekeeping.shutdown();
        try {
            housekeeping.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        ctx.registry.persistDirty();
        for (ListenAddress a : bound) {
            if (a.isUnix()) {
                try {
                    Files.deleteIfExists(a.unixPath());
                } catch (IOException ignored) {
                    // a leftover socket file is removed at the next start
                }
            }
        }
        ctx.stats.close();
        ctx.queue.close();
    }
}
