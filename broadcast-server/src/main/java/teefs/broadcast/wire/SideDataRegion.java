package teefs.broadcast.wire;

import io.netty.channel.DefaultFileRegion;

/**
 * A {@link DefaultFileRegion} (so that epoll sends it with sendfile(2), and NIO with {@code transferTo}) over a side
 * data file that many regions share: releasing the region releases its hold on the {@link SideFiles.SideFile}
 * instead of closing the channel, which {@link DefaultFileRegion} would do.
 */
final class SideDataRegion extends DefaultFileRegion {
    private final SideFiles.SideFile file;

    SideDataRegion(SideFiles.SideFile file, long position, long count) {
        super(file.channel(), position, count);
        this.file = file;
        file.retain();
    }

    @Override
    protected void deallocate() {
        file.release();
    }
}
