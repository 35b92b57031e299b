package teefs.queue;

import net.openhft.chronicle.bytes.BytesStore;
import net.openhft.chronicle.bytes.MappedBytesStore;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import teefs.posix.Posix;

/**
 * Turns read-ahead off ({@code madvise(MADV_RANDOM)}) on each chunk of the cycle file that Chronicle maps for the
 * appender, once per chunk.
 *
 * <p>Why: the appender writes through the mapping into pages that were never written, and the first store into such
 * a page faults it in. A fault on a file mapping reads ahead a whole read-ahead window around the page (the device's
 * {@code read_ahead_kb}: 8 MiB on the development VM's disk, several MiB under md RAID), and for a range with no data
 * "reading" means zeroing every page of the window. perf on the broadcast latency benchmark: the appending thread
 * spent 35–45 ms at a time on CPU in {@code filemap_fault → page_cache_ra_order → ext4_mpage_readpages → memset},
 * a dozen times in 10 s, while every reader downstream waited for the next record. Without read-ahead a fault zeroes
 * only its own page: the same work, spread one page per fault.
 *
 * <p>Advice only: a failure is logged once and appending goes on as before.
 *
 * <p>Not thread-safe: the appending thread owns it.
 */
final class MappingAdvice {
    private static final Logger LOG = LoggerFactory.getLogger(MappingAdvice.class);

    /** The chunk advised last: the appender stays in one for megabytes. */
    private BytesStore<?, ?> advised;
    private boolean failed;

    /** Advises the chunk {@code store} unless it was the last one advised. Cheap when it was. */
    void noReadAhead(BytesStore<?, ?> store) {
        if (store == advised || failed || !(store instanceof MappedBytesStore chunk)) {
            return;
        }
        advised = store;
        long address = chunk.addressForRead(chunk.start());
        long length = chunk.realCapacity() - chunk.start(); // realCapacity is where the chunk ends in the file
        if (Posix.LIBC.madvise(address, length, Posix.MADV_RANDOM) != 0) {
            failed = true;
            LOG.warn("madvise(MADV_RANDOM) of the journal's mapping failed ({}): faults there keep reading ahead,"
                    + " which can stall an append for tens of milliseconds", Posix.strerror(Posix.errno()));
        }
    }
}
