package teefs.protocol;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.invoke.VarHandle;
import java.nio.Buffer;
import java.nio.ByteBuffer;
import java.util.zip.CRC32C;

import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * CRC32C over regions of Agrona buffers, wherever their bytes live, without copying and without allocating per call.
 *
 * <p>{@link CRC32C} is intrinsified only for {@code byte[]} and direct {@link ByteBuffer}s. A region of a buffer
 * backed by a {@code byte[]} is digested through the array; any other region (a direct ByteBuffer, a Chronicle
 * mapping, a native FUSE pointer) through one direct ByteBuffer that this class re-points at the region's address.
 * That view is created with the JNI constructor {@code DirectByteBuffer(long, int)} and re-pointed through
 * {@link VarHandle}s on {@code Buffer.address}/{@code Buffer.capacity}, which needs
 * {@code --add-opens=java.base/java.nio=ALL-UNNAMED} (teefs.jvm.opens in the root pom). Without it the digest still
 * works, copying through a 16 KiB scratch array: correct, slower.
 *
 * <p>Not thread-safe: one instance per encoder or decoder.
 */
public final class Crc32cDigest {
    private static final byte[] ZEROS = new byte[RecordHeader.ALIGNMENT];
    private static final int SCRATCH_LENGTH = 16 << 10;

    private static final MethodHandle NEW_VIEW;
    private static final VarHandle ADDRESS;
    private static final VarHandle CAPACITY;

    static {
        MethodHandle newView = null;
        VarHandle address = null;
        VarHandle capacity = null;
        try {
            Class<?> dbb = Class.forName("java.nio.DirectByteBuffer");
            MethodHandles.Lookup nio = MethodHandles.privateLookupIn(Buffer.class, MethodHandles.lookup());
            MethodHandles.Lookup dbbLookup = MethodHandles.privateLookupIn(dbb, MethodHandles.lookup());
            newView = dbbLookup.findConstructor(dbb, MethodType.methodType(void.class, long.class, int.class))
                    .asType(MethodType.methodType(ByteBuffer.class, long.class, int.class));
            address = nio.findVarHandle(Buffer.class, "address", long.class);
            capacity = nio.findVarHandle(Buffer.class, "capacity", int.class);
        } catch (ReflectiveOperationException | RuntimeException e) {
            // java.nio not opened to us (or a JDK without these members): the copying path takes over
            newView = null;
        }
        NEW_VIEW = newView;
        ADDRESS = address;
        CAPACITY = capacity;
    }

    private final CRC32C crc = new CRC32C();
    private final ByteBuffer view;
    private byte[] scratch;
    private UnsafeBuffer copySource;

    public Crc32cDigest() {
        ByteBuffer created = null;
        if (NEW_VIEW != null) {
            try {
                created = (ByteBuffer) NEW_VIEW.invokeExact(0L, 0);
            } catch (Throwable e) {
                created = null;
            }
        }
        view = created;
    }

    /** True when native regions are digested in place; false when they are copied through a scratch array. */
    public static boolean zeroCopyNative() {
        return NEW_VIEW != null;
    }

    public Crc32cDigest reset() {
        crc.reset();
        return this;
    }

    /** Digests {@code length} bytes of {@code buffer} from {@code index}; bounds are the caller's to respect. */
    public Crc32cDigest update(DirectBuffer buffer, int index, int length) {
        if (length <= 0) {
            return this;
        }
        byte[] array = buffer.byteArray();
        if (array != null) {
            crc.update(array, buffer.wrapAdjustment() + index, length);
        } else {
            updateNative(buffer.addressOffset() + index, length);
        }
        return this;
    }

    /** Digests {@code count} zero bytes, 0..16 (the CRC field's stand-in, a frame's padding). */
    public Crc32cDigest updateZeros(int count) {
        crc.update(ZEROS, 0, count);
        return this;
    }

    /** The CRC32C of everything digested since the last reset, as the u32 bit pattern stored in a header. */
    public int value() {
        return (int) crc.getValue();
    }

    /**
     * The CRC of a whole frame in place: bytes {@code [0, 8)}, four zero bytes for the CRC field, then
     * {@code [12, paddedLength)} of the frame at {@code offset}.
     */
    public int frameCrc(DirectBuffer buffer, int offset, int paddedLength) {
        crc.reset();
        update(buffer, offset, RecordHeader.CRC_OFFSET);
        updateZeros(4);
        update(buffer, offset + RecordHeader.HANDLE_OFFSET, paddedLength - RecordHeader.HANDLE_OFFSET);
        return value();
    }

    private void updateNative(long address, int length) {
        if (view != null) {
            // capacity first: limit() refuses a value above the current capacity
            CAPACITY.set((Buffer) view, length);
            ADDRESS.set((Buffer) view, address);
            view.limit(length).position(0);
            crc.update(view);
            ADDRESS.set((Buffer) view, 0L);
            CAPACITY.set((Buffer) view, 0);
            view.limit(0);
        } else {
            updateByCopy(address, length);
        }
    }

    private void updateByCopy(long address, int length) {
        if (scratch == null) {
            scratch = new byte[SCRATCH_LENGTH];
            copySource = new UnsafeBuffer(0, 0);
        }
        UnsafeBuffer source = copySource;
        source.wrap(address, length);
        for (int done = 0; done < length; ) {
            int chunk = Math.min(SCRATCH_LENGTH, length - done);
            source.getBytes(done, scratch, 0, chunk);
            crc.update(scratch, 0, chunk);
            done += chunk;
        }
    }
}
