package teefs.queue;

import java.util.ArrayList;
import java.util.List;

import org.agrona.DirectBuffer;

/** Collects what a reader hands over, copied, since the buffer is only valid during the call. */
final class Collected implements RecordConsumer {
    final List<Long> indexes = new ArrayList<>();
    final List<byte[]> frames = new ArrayList<>();

    @Override
    public void accept(long index, DirectBuffer buffer, int offset, int length) {
        byte[] copy = new byte[length];
        buffer.getBytes(offset, copy);
        indexes.add(index);
        frames.add(copy);
    }

    int drain(JournalReader reader) {
        int n = 0;
        while (reader.readNext(this)) {
            n++;
        }
        return n;
    }
}
