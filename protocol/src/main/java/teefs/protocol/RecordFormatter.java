package teefs.protocol;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Instant;

import org.agrona.DirectBuffer;

/**
 * Formats one decoded record as one human-readable line, for {@code teefs dump}:
 *
 * <pre>
 * 4294967301 WRITE h=7 offset=0 bytes=4096 mtime=2024-05-01T10:00:00.123456789Z
 * 4294967302 RENAME from="a/b" to="c/b" flags=0 fromParentMtime=… toParentMtime=…
 * </pre>
 *
 * <p>Strings are printed in double quotes: valid UTF-8 as text with {@code "}, {@code \} and control characters
 * escaped, anything else byte by byte as {@code \xNN}, so a line never contains a raw newline. Modes are octal,
 * times ISO-8601 UTC ({@code keep} when nsec is -1). Not thread-safe (it reuses a UTF-8 decoder); formatting
 * allocates, which is fine off the hot path.
 */
public final class RecordFormatter {
    private final CharsetDecoder utf8 = StandardCharsets.UTF_8.newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT);

    /** The line for the record {@code record} is wrapped around, found at queue index {@code index}. */
    public String format(long index, RecordDecoder record) {
        return appendTo(new StringBuilder(128), index, record).toString();
    }

    public StringBuilder appendTo(StringBuilder out, long index, RecordDecoder r) {
        RecordType type = r.type();
        out.append(index).append(' ').append(type.name());
        if (r.handle() != 0 || type.handleUse() != RecordType.HandleUse.ZERO) {
            out.append(" h=").append(Integer.toUnsignedString(r.handle()));
        }
        if (r.recovered()) {
            out.append(" recovered");
        }
        switch (type) {
            case ASSOCIATE -> path(out, "path", r);
            case WRITE -> {
                out.append(" offset=").append(r.offset()).append(" bytes=").append(r.dataLength());
                time(out, "mtime", r.mtimeSec(), r.mtimeNsec());
            }
            case TRUNCATE -> {
                path(out, "path", r);
                out.append(" size=").append(r.size());
                time(out, "mtime", r.mtimeSec(), r.mtimeNsec());
            }
            case CREATE, MKDIR, MKNOD -> {
                path(out, "path", r);
                mode(out, r.mode());
                owner(out, r.uid(), r.gid());
                if (type == RecordType.MKNOD) {
                    out.append(" rdev=0x").append(Long.toHexString(r.rdev()));
                }
                time(out, "mtime", r.mtimeSec(), r.mtimeNsec());
                time(out, "parentMtime", r.parentMtimeSec(), r.parentMtimeNsec());
            }
            case RMDIR, UNLINK -> {
                path(out, "path", r);
                time(out, "parentMtime", r.parentMtimeSec(), r.parentMtimeNsec());
            }
            case RENAME -> {
                path(out, "from", r);
                second(out, "to", r);
                out.append(" flags=").append(Integer.toUnsignedString(r.renameFlags()));
                time(out, "fromParentMtime", r.fromParentMtimeSec(), r.fromParentMtimeNsec());
                time(out, "toParentMtime", r.toParentMtimeSec(), r.toParentMtimeNsec());
            }
            case SYMLINK -> {
                path(out, "path", r);
                second(out, "target", r);
                owner(out, r.uid(), r.gid());
                time(out, "mtime", r.mtimeSec(), r.mtimeNsec());
                time(out, "parentMtime", r.parentMtimeSec(), r.parentMtimeNsec());
            }
            case LINK -> {
                path(out, "existing", r);
                second(out, "newPath", r);
                time(out, "parentMtime", r.parentMtimeSec(), r.parentMtimeNsec());
            }
            case CHMOD -> {
                path(out, "path", r);
                mode(out, r.mode());
            }
            case CHOWN -> {
                path(out, "path", r);
                owner(out, r.uid(), r.gid());
            }
            case UTIMENS -> {
                path(out, "path", r);
                time(out, "atime", r.atimeSec(), r.atimeNsec());
                time(out, "mtime", r.mtimeSec(), r.mtimeNsec());
            }
            case SETXATTR -> {
                path(out, "path", r);
                second(out, "name", r);
                out.append(" flags=").append(r.xattrFlags());
                out.append(" value=");
                quoted(out, r.buffer(), r.valueOffset(), r.valueLength());
            }
            case REMOVEXATTR -> {
                path(out, "path", r);
                second(out, "name", r);
            }
            case FALLOCATE -> {
                out.append(" mode=").append(r.fallocMode()).append(" offset=").append(r.offset())
                        .append(" length=").append(r.length());
                time(out, "mtime", r.mtimeSec(), r.mtimeNsec());
            }
            case FSYNC -> out.append(r.datasync() ? " datasync" : " fsync");
            case RELEASE -> {
            }
            case CHECKPOINT -> {
                out.append(" flags=").append(r.checkpointFlags()).append(" session=").append(r.sessionId())
                        .append(" count=").append(Integer.toUnsignedString(r.count()));
                RecordDecoder.CheckpointEntries e = r.entries();
                while (e.next()) {
                    out.append(' ').append(Integer.toUnsignedString(e.handle())).append('=');
                    quoted(out, r.buffer(), e.pathOffset(), e.pathLength());
                }
            }
            case MARKER -> {
                path(out, "label", r);
                out.append(" at=").append(Instant.ofEpochMilli(r.wallClockMillis()));
            }
            default -> throw new IllegalStateException("unhandled type " + type);
        }
        return out;
    }

    private void path(StringBuilder out, String name, RecordDecoder r) {
        out.append(' ').append(name).append('=');
        quoted(out, r.buffer(), r.pathOffset(), r.pathLength());
    }

    private void second(StringBuilder out, String name, RecordDecoder r) {
        out.append(' ').append(name).append('=');
        quoted(out, r.buffer(), r.secondOffset(), r.secondLength());
    }

    private static void mode(StringBuilder out, int mode) {
        out.append(" mode=0").append(Integer.toOctalString(mode));
    }

    private static void owner(StringBuilder out, int uid, int gid) {
        out.append(" uid=").append(uid == -1 ? "keep" : Integer.toUnsignedString(uid))
                .append(" gid=").append(gid == -1 ? "keep" : Integer.toUnsignedString(gid));
    }

    private static void time(StringBuilder out, String name, long sec, long nsec) {
        out.append(' ').append(name).append('=');
        if (nsec == -1) {
            out.append("keep");
        } else if (nsec < 0 || nsec > 999_999_999L) {
            out.append(sec).append("s+").append(nsec).append("ns(invalid)");
        } else {
            try {
                out.append(Instant.ofEpochSecond(sec, nsec));
            } catch (java.time.DateTimeException e) {
                out.append(sec).append('.').append(nsec);
            }
        }
    }

    /** Appends the bytes in quotes: as escaped UTF-8 text when they are valid UTF-8, else as escaped bytes. */
    void quoted(StringBuilder out, DirectBuffer buffer, int at, int len) {
        byte[] bytes = new byte[len];
        buffer.getBytes(at, bytes);
        out.append('"');
        CharSequence text;
        try {
            text = utf8.reset().decode(ByteBuffer.wrap(bytes));
        } catch (CharacterCodingException e) {
            text = null;
        }
        if (text != null) {
            for (int i = 0; i < text.length(); i++) {
                char c = text.charAt(i);
                if (c == '"' || c == '\\') {
                    out.append('\\').append(c);
                } else if (c < 0x20 || c == 0x7F) {
                    hex(out, c);
                } else {
                    out.append(c);
                }
            }
        } else {
            for (byte b : bytes) {
                int c = b & 0xFF;
                if (c == '"' || c == '\\') {
                    out.append('\\').append((char) c);
                } else if (c < 0x20 || c >= 0x7F) {
                    hex(out, c);
                } else {
                    out.append((char) c);
                }
            }
        }
        out.append('"');
    }

    private static void hex(StringBuilder out, int c) {
        out.append("\\x").append(Character.forDigit(c >> 4, 16)).append(Character.forDigit(c & 0xF, 16));
    }
}
