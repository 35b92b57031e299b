package teefs.queue;

import org.agrona.DirectBuffer;

/** Receives one raw record frame. The buffer is only valid during the call: copy what must outlive it. */
@FunctionalInterface
public interface RecordConsumer {
    void accept(long index, DirectBuffer buffer, int offset, int length);
}
