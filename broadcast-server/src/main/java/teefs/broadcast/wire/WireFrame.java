package teefs.broadcast.wire;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.DefaultByteBufHolder;

/** One decoded outer frame: its kind and its body (a retained slice the receiver must release). */
public final class WireFrame extends DefaultByteBufHolder {
    private final byte kind;

    public WireFrame(byte kind, ByteBuf body) {
        super(body);
        this.kind = kind;
    }

    public byte kind() {
        return kind;
    }

    @Override
    public String toString() {
        return "WireFrame(kind " + kind + ", " + content().readableBytes() + " bytes)";
    }
}
