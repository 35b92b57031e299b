package teefs.broadcast.wire;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

import io.netty.channel.FileRegion;
import io.netty.util.AbstractReferenceCounted;
import io.netty.util.ReferenceCounted;

import teefs.queue.JournalQueue;
import teefs.queue.QueueException;

/**
 * The side data files of one queue, open read-only for one pump, handing out {@link FileRegion}s over them that the
 * transport sends with sendfile(2) straight from the page cache (docs/WIRE.md).
 *
 * <p>Each file's channel is reference-counted: this cache holds one reference, every region in flight one more, so a
 * file stays open until the socket has sent the last region over it, even after the cache dropped it or the
 * retention deleted the file (Linux keeps a deleted file's data while it is open). At most {@link #MAX_OPEN} files
 * are kept open (a reader moves forward through the cycles: the oldest is dropped first).
 *
 * <p>Not thread-safe: belongs to the pump that owns the reader; regions are released by the channel's event loop,
 * which only touches the atomic reference counts.
 */
public final class SideFiles implements AutoCloseable {
    static final int MAX_OPEN = 4;

    private final Path queueDir;
    private final Map<Integer, SideFile> open = new LinkedHashMap<>();

    public SideFiles(Path queueDir) {
        this.queueDir = queueDir;
    }

    /**
     * A region of {@code length} bytes at {@code offset} of the side file of {@code cycle}, for the record at
     * {@code index}; the caller owns it (write it to a channel, or release it).
     *
     * @throws QueueException when the file cannot be opened or does not hold those bytes (the journal is damaged)
     */
    public FileRegion region(long index, int cycle, long offset, int length) {
        SideFile file = open.get(cycle);
        if (file == null) {
            file = openFile(index, cycle);
        }
        file.require(index, offset, length);
        return new SideDataRegion(file, offset, length);
    }

    private SideFile openFile(long index, int cycle) {
        Path path = JournalQueue.sideDataFile(queueDir, cycle);
        FileChannel channel;
        try {
            channel = FileChannel.open(path, StandardOpenOption.READ);
        } catch (IOException e) {
            throw new QueueException("record " + index + " keeps its data in " + path + ", which cannot be opened ("
                    + e + "): the journal's data files must stay with its cycle files", e);
        }
        if (open.size() >= MAX_OPEN) {
            Iterator<SideFile> oldest = open.values().iterator();
            oldest.next().release();
            oldest.remove();
        }
        SideFile file = new SideFile(path, channel);
        open.put(cycle, file);
        return file;
    }

    /** Files open now (for tests). */
    int openFiles() {
        return open.size();
    }

    /** Drops the cache's references: each file closes once the regions sent over it are released. */
    @Override
    public void close() {
        open.values().forEach(ReferenceCounted::release);
        open.clear();
    }

    /** One open side file: its channel, and the size it was last seen to have (it only grows). */
    static final class SideFile extends AbstractReferenceCounted {
        private final Path path;
        private final FileChannel channel;
        private long knownSize;

        SideFile(Path path, FileChannel channel) {
            this.path = path;
            this.channel = channel;
        }

        FileChannel channel() {
            return channel;
        }

        /** Pump: makes sure the file holds {@code [offset, offset + length)}, asking the kernel only when needed. */
        void require(long index, long offset, int length) {
            long end = offset + length;
            if (end <= knownSize) {
                return;
            }
            try {
                knownSize = channel.size();
            } catch (IOException e) {
                throw new QueueException("record " + index + ": cannot read the size of " + path + " (" + e
                        + "): the journal is damaged there", e);
            }
            if (end > knownSize) {
                throw new QueueException("record " + index + ": its " + length + " bytes of data at offset " + offset
                        + " of " + path + " cannot be read (the file ends early, at " + knownSize
                        + "): the journal is damaged there");
            }
        }

        @Override
        protected void deallocate() {
            try {
                channel.close();
            } catch (IOException ignored) {
                // read-only: nothing is lost
            }
        }

        @Override
        public SideFile touch(Object hint) {
            return this;
        }
    }
}
