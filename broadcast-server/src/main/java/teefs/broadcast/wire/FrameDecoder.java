package teefs.broadcast.wire;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.RecvByteBufAllocator;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.UncheckedBooleanSupplier;

/**
 * Splits the byte stream into {@link WireFrame}s (layout in {@link WireFormat}). Refuses, by throwing
 * {@link WireException}, as soon as a length or kind is wrong: the length is checked before any body byte is
 * buffered, so an oversized claim never costs memory. After a refusal the decoder discards everything.
 *
 * <p>Copies as little as it can. A frame that is whole in a received buffer is passed on as a slice of it. A frame
 * that is not gets a buffer of its own, sized for the whole frame, and what has arrived is copied there. With
 * {@link #directReads()} installed as the channel's {@code RCVBUF_ALLOCATOR} (only when this decoder sees the
 * socket's bytes: not behind TLS), the socket then reads the rest of that frame straight into its buffer, and
 * reads at a frame boundary take at most {@link #BOUNDARY_READ_BYTES}, so a large frame is copied only for the
 * part that arrived with the previous one (measured with bench/broadcast: Netty's {@code ByteToMessageDecoder}
 * copied nearly every byte of 256 KiB batches into its cumulation buffer, as much CPU as the kernel's own copy).
 *
 * <p>Runs on the channel's event loop, like every handler of the pipeline; not sharable.
 */
public final class FrameDecoder extends ChannelInboundHandlerAdapter {
    /** Largest read at a frame boundary when reads are direct: what of a large frame may need copying. */
    static final int BOUNDARY_READ_BYTES = 16 * 1024;

    /** First room for a frame from a client (control messages are small): it grows as bytes arrive. */
    private static final int SMALL_START = 512;

    private final int maxFrameLength;
    private final boolean acceptRecords;
    private boolean failed;
    /** The first bytes of a frame while fewer than {@link WireFormat#HEADER} have arrived; else null. */
    private ByteBuf head;
    /** The frame being assembled, sized for all of it (length field included), while incomplete; else null. */
    private ByteBuf frame;
    private byte frameKind;
    /** The last buffer handed to the socket to read into the frame's remainder (compared by identity). */
    private ByteBuf directTarget;
    private DirectReads directReads;

    /**
     * @param maxFrameLength largest accepted value of the length field (kind + body)
     * @param acceptRecords  whether RECORDS frames are legal from this peer (true on the client side only)
     */
    public FrameDecoder(int maxFrameLength, boolean acceptRecords) {
        this.maxFrameLength = maxFrameLength;
        this.acceptRecords = acceptRecords;
    }

    /**
     * A receive-buffer allocator for this decoder's channel (one per channel): set it as the channel's
     * {@code ChannelOption.RCVBUF_ALLOCATOR} when this decoder is the first to see the bytes read (no TLS before it).
     */
    public RecvByteBufAllocator directReads() {
        if (directReads == null) {
            directReads = new DirectReads();
        }
        return directReads;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof ByteBuf in)) {
            ctx.fireChannelRead(msg);
            return;
        }
        try {
            if (failed) {
                return;
            }
            if (in == directTarget) {
                directTarget = null;
                // the socket read straight into the frame's buffer, right after what it held
                frame.writerIndex(frame.writerIndex() + in.readableBytes());
                if (frame.maxWritableBytes() == 0) {
                    emitFrame(ctx);
                }
                return;
            }
            decode(ctx, in);
        } finally {
            in.release();
        }
    }

    private void decode(ChannelHandlerContext ctx, ByteBuf in) {
        // a handler after this one that refused a frame closed the channel: nothing after it is passed on
        while (in.isReadable() && ctx.channel().isOpen()) {
            if (frame != null) {
                frame.writeBytes(in, Math.min(frame.maxWritableBytes(), in.readableBytes()));
                if (frame.maxWritableBytes() == 0) {
                    emitFrame(ctx);
                }
                continue;
            }
            if (head != null || in.readableBytes() < WireFormat.HEADER) {
                if (head == null) {
                    head = ctx.alloc().heapBuffer(WireFormat.HEADER, WireFormat.HEADER);
                }
                head.writeBytes(in, Math.min(head.writableBytes(), in.readableBytes()));
                if (head.readableBytes() >= WireFormat.LENGTH_FIELD) {
                    // refuse an oversized length as soon as its 4 bytes are in
                    checkLength(head.getUnsignedInt(0));
                }
                if (head.isWritable()) {
                    return;
                }
                long length = head.getUnsignedInt(0);
                byte kind = checkKind(head.getByte(WireFormat.LENGTH_FIELD));
                startFrame(ctx, kind, length);
                frame.writeBytes(head);
                head.release();
                head = null;
                if (frame.maxWritableBytes() == 0) {
                    emitFrame(ctx);
                }
                continue;
            }
            int start = in.readerIndex();
            long length = checkLength(in.getUnsignedInt(start));
            byte kind = checkKind(in.getByte(start + WireFormat.LENGTH_FIELD));
            if (in.readableBytes() >= WireFormat.LENGTH_FIELD + length) {
                in.skipBytes(WireFormat.HEADER);
                ctx.fireChannelRead(new WireFrame(kind, in.readRetainedSlice((int) length - WireFormat.KIND_FIELD)));
                continue;
            }
            startFrame(ctx, kind, length);
            frame.writeBytes(in); // less than the frame: it fits
        }
    }

    private void startFrame(ChannelHandlerContext ctx, byte kind, long length) {
        int total = (int) (WireFormat.LENGTH_FIELD + length);
        // from a server (the peer the client chose), room for the whole frame at once; from a client, which may be
        // anyone that can connect, only room for what has arrived, growing up to the frame's length
        frame = ctx.alloc().directBuffer(acceptRecords ? total : Math.min(total, SMALL_START), total);
        frameKind = kind;
    }

    private void emitFrame(ChannelHandlerContext ctx) {
        ByteBuf body = frame.skipBytes(WireFormat.HEADER);
        frame = null;
        ctx.fireChannelRead(new WireFrame(frameKind, body));
    }

    private long checkLength(long length) {
        if (length > maxFrameLength) {
            fail(new WireException(WireException.Reason.OVERSIZED_FRAME,
                    "frame of " + length + " bytes exceeds the limit of " + maxFrameLength));
        }
        if (length < WireFormat.KIND_FIELD) {
            fail(new WireException(WireException.Reason.EMPTY_FRAME, "frame without a kind byte"));
        }
        return length;
    }

    private byte checkKind(byte kind) {
        if (kind == WireFormat.KIND_RECORDS && !acceptRecords) {
            fail(new WireException(WireException.Reason.UNEXPECTED_RECORDS, "a client may not send RECORDS frames"));
        }
        if (kind != WireFormat.KIND_CONTROL && kind != WireFormat.KIND_RECORDS) {
            fail(new WireException(WireException.Reason.UNKNOWN_KIND,
                    "unknown frame kind " + (kind & 0xFF) + " (not a teefs peer, or garbage)"));
        }
        return kind;
    }

    /** Refuses: drops what is buffered (so nothing is held) and throws; the handler closes the channel. */
    private void fail(WireException e) {
        failed = true;
        releasePartial();
        throw e;
    }

    private void releasePartial() {
        if (head != null) {
            head.release();
            head = null;
        }
        if (frame != null) {
            frame.release();
            frame = null;
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        releasePartial();
        ctx.fireChannelInactive();
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        releasePartial();
    }

    /**
     * Where the socket reads next: into the rest of the frame being assembled, or, at a frame boundary, a small
     * buffer from Netty's adaptive allocator (so that little of the next frame needs copying).
     */
    private ByteBuf allocate(ByteBufAllocator alloc, RecvByteBufAllocator.Handle delegate) {
        if (frame != null && !failed && frame.capacity() == frame.maxCapacity()) {
            ByteBuf target = frame.retainedSlice(frame.writerIndex(), frame.writableBytes()).clear();
            directTarget = target;
            return target;
        }
        directTarget = null;
        return alloc.ioBuffer(Math.min(delegate.guess(), BOUNDARY_READ_BYTES));
    }

    /** The allocator {@link #directReads()} returns: Netty's adaptive one, but reads go where this decoder says. */
    private final class DirectReads implements RecvByteBufAllocator {
        private final RecvByteBufAllocator adaptive = new io.netty.channel.AdaptiveRecvByteBufAllocator();

        @Override
        public Handle newHandle() {
            return new DirectHandle((ExtendedHandle) adaptive.newHandle());
        }
    }

    private final class DirectHandle implements RecvByteBufAllocator.ExtendedHandle {
        private final RecvByteBufAllocator.ExtendedHandle delegate;

        DirectHandle(RecvByteBufAllocator.ExtendedHandle delegate) {
            this.delegate = delegate;
        }

        @Override
        public ByteBuf allocate(ByteBufAllocator alloc) {
            return FrameDecoder.this.allocate(alloc, delegate);
        }

        @Override
        public int guess() {
            return delegate.guess();
        }

        @Override
        public void reset(io.netty.channel.ChannelConfig config) {
            delegate.reset(config);
        }

        @Override
        public void incMessagesRead(int numMessages) {
            delegate.incMessagesRead(numMessages);
        }

        @Override
        public void lastBytesRead(int bytes) {
            delegate.lastBytesRead(bytes);
        }

        @Override
        public int lastBytesRead() {
            return delegate.lastBytesRead();
        }

        @Override
        public void attemptedBytesRead(int bytes) {
            delegate.attemptedBytesRead(bytes);
        }

        @Override
        public int attemptedBytesRead() {
            return delegate.attemptedBytesRead();
        }

        @Override
        public boolean continueReading() {
            return delegate.continueReading();
        }

        @Override
        public boolean continueReading(UncheckedBooleanSupplier maybeMoreDataSupplier) {
            return delegate.continueReading(maybeMoreDataSupplier);
        }

        @Override
        public void readComplete() {
            delegate.readComplete();
        }
    }
}
