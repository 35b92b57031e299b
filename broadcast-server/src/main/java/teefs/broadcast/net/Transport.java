package teefs.broadcast.net;

import java.util.concurrent.ThreadFactory;

import io.netty.channel.Channel;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollDomainSocketChannel;
import io.netty.channel.epoll.EpollEventLoopGroup;
import io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;

/**
 * The Netty transport: native epoll when it loads (it does on Linux x86-64), NIO otherwise. Unix sockets need
 * epoll; asking for one without it fails with a message saying so.
 */
public final class Transport {
    private Transport() {
    }

    public static boolean epoll() {
        return Epoll.isAvailable() && !Boolean.getBoolean("teefs.netty.nio");
    }

    public static EventLoopGroup group(int threads, String name) {
        ThreadFactory factory = new DefaultThreadFactory(name, true);
        return epoll() ? new EpollEventLoopGroup(threads, factory) : new NioEventLoopGroup(threads, factory);
    }

    public static Class<? extends ServerChannel> serverChannel(ListenAddress address) {
        if (address.isUnix()) {
            requireEpoll(address);
            return EpollServerDomainSocketChannel.class;
        }
        return epoll() ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
    }

    public static Class<? extends Channel> clientChannel(ListenAddress address) {
        if (address.isUnix()) {
            requireEpoll(address);
            return EpollDomainSocketChannel.class;
        }
        return epoll() ? EpollSocketChannel.class : NioSocketChannel.class;
    }

    private static void requireEpoll(ListenAddress address) {
        if (!epoll()) {
            throw new IllegalStateException("Unix socket " + address + " needs Netty's native epoll transport, which "
                    + "did not load here (" + Epoll.unavailabilityCause() + "): use a tcp:// address instead");
        }
    }
}
