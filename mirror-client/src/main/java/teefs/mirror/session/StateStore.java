package teefs.mirror.session;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.zip.CRC32C;

/**
 * The mirror's state file: one {@link MirrorState}, replaced atomically (write a temp file beside it, fsync it,
 * rename it over the old one, fsync the directory), so a crash at any moment leaves either the old state or the new
 * one, never a mix.
 *
 * <pre>
 *  "TEEFSMS1" (8 bytes) | version u32 = 1 or 2 | queue id (u16 length + UTF-8) | lastApplied i64 | trackFrom i64
 *  | handle count u32 | count × (handle u32, path length u32, path UTF-8)
 *  | version 3 only: parts u32 (bit 0: a bootstrap window follows; bit 1: TARGET's identity follows)
 *  | version 2, or 3 with bit 0, the bootstrap window: end i64 | source length u32, source UTF-8
 *    | mark count u32 | count × (path length u32, path UTF-8, until i64)
 *  | version 3 with bit 1, the directory it was saved for ({@link TargetIdentity}): inode i64 | birth seconds i64
 *    (Long.MIN_VALUE: none kept) | birth nanoseconds i32
 *  | CRC32C u32 of all bytes before
 * </pre>
 * Big-endian (Java's DataOutput). A state that names no directory is written as version 1 or 2, which teefs before
 * version 3 read too. A file with another magic or version, a wrong CRC or trailing bytes is refused.
 *
 * <p>Not thread-safe: the mirror thread owns it.
 */
public final class StateStore {
    private static final byte[] MAGIC = "TEEFSMS1".getBytes(StandardCharsets.US_ASCII);
    private static final int VERSION = 1;
    private static final int VERSION_WINDOW = 2;
    private static final int VERSION_PARTS = 3;
    private static final int PART_WINDOW = 1;
    private static final int PART_TARGET = 2;

    private final Path file;
    private final Path temp;

    public StateStore(Path file) {
        this.file = file.toAbsolutePath().normalize();
        this.temp = this.file.resolveSibling(this.file.getFileName() + ".tmp");
    }

    /** The default state file of a mirror of {@code target}: {@code <parent>/.<name>.teefs-state}, outside TARGET. */
    public static Path defaultFile(Path target) {
        Path abs = target.toAbsolutePath().normalize();
        Path parent = abs.getParent();
        if (parent == null || abs.getFileName() == null) {
            throw new IllegalArgumentException("target " + target + " has no parent directory for its state file:"
                    + " give --state FILE");
        }
        return parent.resolve("." + abs.getFileName() + ".teefs-state");
    }

    public Path file() {
        return file;
    }

    /** The saved state, or empty when there is none. */
    public Optional<MirrorState> load() {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw new StateStoreException("cannot read the mirror state " + file + ": " + e.getMessage(), e);
        }
        try {
            return Optional.of(decode(bytes));
        } catch (IOException | IllegalArgumentException e) {
            throw new StateStoreException("the mirror state " + file + " is corrupt (" + e.getMessage()
                    + "): delete it and run with --bootstrap to copy the tree again", e);
        }
    }

    /**
     * Replaces the saved state by {@code state}.
     *
     * @param durable fsync the file and its directory (false: the rename alone, for {@code --sync none})
     */
    public void save(MirrorState state, boolean durable) {
        byte[] bytes = encode(state);
        try {
            try (FileChannel ch = FileChannel.open(temp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING)) {
                ByteBuffer b = ByteBuffer.wrap(bytes);
                while (b.hasRemaining()) {
                    ch.write(b);
                }
                if (durable) {
                    ch.force(true);
                }
            }
            try {
                Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                throw new IOException("the filesystem of " + file + " cannot rename atomically", e);
            }
            if (durable) {
                try (FileChannel dir = FileChannel.open(file.getParent(), StandardOpenOption.READ)) {
                    dir.force(true);
                }
            }
        } catch (IOException e) {
            throw new StateStoreException("cannot save the mirror state " + file + ": " + e.getMessage()
                    + " (is its drive full or read-only?)", e);
        }
    }

    /** Removes the state (a bootstrap starts over); absent is fine. */
    public void delete() {
        try {
            Files.deleteIfExists(file);
            Files.deleteIfExists(temp);
        } catch (IOException e) {
            throw new StateStoreException("cannot remove the mirror state " + file + ": " + e.getMessage(), e);
        }
    }

    static byte[] encode(MirrorState s) {
        try {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream(256);
            DataOutputStream out = new DataOutputStream(bytes);
            out.write(MAGIC);
            int version = s.target() != null ? VERSION_PARTS : s.window() == null ? VERSION : VERSION_WINDOW;
            out.writeInt(version);
            out.writeUTF(s.queueId());
            out.writeLong(s.lastApplied());
            out.writeLong(s.trackFrom());
            out.writeInt(s.handles().size());
            for (Map.Entry<Integer, String> e : s.handles().entrySet()) {
                out.writeInt(e.getKey());
                writeString(out, e.getValue());
            }
            if (version == VERSION_PARTS) {
                out.writeInt((s.window() == null ? 0 : PART_WINDOW) | PART_TARGET);
            }
            BootstrapWindow w = s.window();
            if (w != null) {
                out.writeLong(w.end());
                writeString(out, w.source());
                out.writeInt(w.marks().size());
                for (Map.Entry<String, Long> e : w.marks().entrySet()) {
                    writeString(out, e.getKey());
                    out.writeLong(e.getValue());
                }
            }
            TargetIdentity t = s.target();
            if (t != null) {
                out.writeLong(t.ino());
                out.writeLong(t.birthSec());
                out.writeInt(t.birthNsec());
            }
            out.flush();
            CRC32C crc = new CRC32C();
            crc.update(bytes.toByteArray());
            out.writeInt((int) crc.getValue());
            return bytes.toByteArray();
        } catch (IOException e) {
            throw new IllegalStateException(e); // a ByteArrayOutputStream does not fail
        }
    }

    static MirrorState decode(byte[] bytes) throws IOException {
        if (bytes.length < MAGIC.length + 8) {
            throw new IOException("only " + bytes.length + " bytes");
        }
        CRC32C crc = new CRC32C();
        crc.update(bytes, 0, bytes.length - 4);
        int stored = ByteBuffer.wrap(bytes, bytes.length - 4, 4).getInt();
        if (stored != (int) crc.getValue()) {
            throw new IOException("CRC mismatch");
        }
        DataInputStream in = new DataInputStream(new java.io.ByteArrayInputStream(bytes, 0, bytes.length - 4));
        byte[] magic = new byte[MAGIC.length];
        in.readFully(magic);
        if (!java.util.Arrays.equals(magic, MAGIC)) {
            throw new IOException("not a teefs mirror state");
        }
        int version = in.readInt();
        if (version != VERSION && version != VERSION_WINDOW && version != VERSION_PARTS) {
            throw new IOException("version " + version + ", this teefs reads " + VERSION + " to " + VERSION_PARTS);
        }
        String queueId = in.readUTF();
        long lastApplied = in.readLong();
        long trackFrom = in.readLong();
        int count = in.readInt();
        if (count < 0 || count > 1 << 24) {
            throw new IOException("absurd handle count " + count);
        }
        Map<Integer, String> handles = new TreeMap<>();
        for (int i = 0; i < count; i++) {
            int handle = in.readInt();
            handles.put(handle, readString(in));
        }
        int parts = version == VERSION_PARTS ? in.readInt() : version == VERSION_WINDOW ? PART_WINDOW : 0;
        if ((parts & ~(PART_WINDOW | PART_TARGET)) != 0) {
            throw new IOException("unknown parts 0x" + Integer.toHexString(parts));
        }
        BootstrapWindow window = null;
        if ((parts & PART_WINDOW) != 0) {
            long end = in.readLong();
            String source = readString(in);
            int marks = in.readInt();
            if (marks < 0 || marks > 1 << 24) {
                throw new IOException("absurd mark count " + marks);
            }
            Map<String, Long> paths = new TreeMap<>();
            for (int i = 0; i < marks; i++) {
                String path = readString(in);
                paths.put(path, in.readLong());
            }
            window = new BootstrapWindow(end, source, paths);
        }
        TargetIdentity target = null;
        if ((parts & PART_TARGET) != 0) {
            target = new TargetIdentity(in.readLong(), in.readLong(), in.readInt());
        }
        if (in.read() != -1) {
            throw new EOFException("trailing bytes");
        }
        return new MirrorState(queueId, lastApplied, trackFrom, handles, window, target);
    }

    private static void writeString(DataOutputStream out, String s) throws IOException {
        byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
        out.writeInt(bytes.length);
        out.write(bytes);
    }

    private static String readString(DataInputStream in) throws IOException {
        int length = in.readInt();
        if (length < 0 || length > 1 << 16) {
            throw new IOException("absurd path length " + length);
        }
        byte[] bytes = new byte[length];
        in.readFully(bytes);
        return new String(bytes, StandardCharsets.UTF_8);
    }
}
