package teefs.broadcast;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.agrona.DirectBuffer;

import teefs.broadcast.client.RecordListener;

/** Test listener: remembers (index, sequence) of every record, checks order, can stall to simulate a slow reader. */
class Collector implements RecordListener {
    final List<long[]> records = new ArrayList<>();
    volatile Throwable closed;
    volatile long stallMillis;

    @Override
    public synchronized void onRecord(long index, DirectBuffer buffer, int offset, int length) throws Exception {
        records.add(new long[] {index, length >= 24 ? Journal.seqOf(buffer, offset) : -1}); // -1: not a test WRITE
        if (stallMillis > 0) {
            Thread.sleep(stallMillis);
        }
    }

    /** A collector that stops reading after its first record, until {@code release} opens. */
    static Collector stallingAfterFirst(java.util.concurrent.CountDownLatch release) {
        return new Collector() {
            @Override
            public synchronized void onRecord(long index, DirectBuffer b, int o, int l) throws Exception {
                super.onRecord(index, b, o, l);
                release.await();
            }
        };
    }

    @Override
    public void onClosed(Throwable cause) {
        closed = cause;
    }

    synchronized int size() {
        return records.size();
    }

    synchronized List<Long> seqs() {
        List<Long> s = new ArrayList<>();
        for (long[] r : records) {
            s.add(r[1]);
        }
        return s;
    }

    synchronized List<Long> indexes() {
        List<Long> s = new ArrayList<>();
        for (long[] r : records) {
            s.add(r[0]);
        }
        return s;
    }

    synchronized long lastIndex() {
        return records.isEmpty() ? -1 : records.get(records.size() - 1)[0];
    }

    synchronized long indexOfSeq(long seq) {
        for (long[] r : records) {
            if (r[1] == seq) {
                return r[0];
            }
        }
        return -1;
    }

    void awaitSize(int n, long timeoutMillis) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        while (size() < n) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("received " + size() + " of " + n + " records; closed: " + closed);
            }
            Thread.sleep(5);
        }
    }
}
