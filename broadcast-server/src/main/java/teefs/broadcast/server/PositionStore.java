package teefs.broadcast.server;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
import java.util.regex.Pattern;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The acked index of each client, persisted as {@code QUEUE/clients/NAME.pos} (a small properties file written
 * atomically: temp file, fsync, rename), so retention decisions and {@code status} survive a server restart.
 *
 * <p>Thread-safety: called only from the registry's flusher thread and at startup.
 */
public final class PositionStore {
    private static final Logger LOG = LoggerFactory.getLogger(PositionStore.class);
    /** Client names are file names: a conservative alphabet, no path tricks. */
    public static final Pattern NAME = Pattern.compile("[A-Za-z0-9._-]{1,64}");
    private static final String SUFFIX = ".pos";

    private final Path dir;

    public PositionStore(Path dir) {
        this.dir = dir;
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot create client position directory " + dir + ": " + e.getMessage(), e);
        }
    }

    public static boolean validName(String name) {
        return NAME.matcher(name).matches() && !name.startsWith(".");
    }

    /** Every saved position: name → acked index. Unreadable files are logged and skipped. */
    public Map<String, Long> loadAll() {
        Map<String, Long> result = new LinkedHashMap<>();
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "*" + SUFFIX)) {
            for (Path f : files) {
                String name = f.getFileName().toString();
                name = name.substring(0, name.length() - SUFFIX.length());
                try {
                    Properties p = new Properties();
                    p.load(new java.io.StringReader(Files.readString(f, StandardCharsets.UTF_8)));
                    result.put(name, Long.parseLong(p.getProperty("acked")));
                } catch (IOException | RuntimeException e) {
                    LOG.warn("ignoring unreadable client position {}: {}", f, e.toString());
                }
            }
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot list client positions in " + dir + ": " + e.getMessage(), e);
        }
        return result;
    }

    /** Deletes the saved position of {@code name} (and a leftover temp file), syncing the directory. */
    public void delete(String name) throws IOException {
        Files.deleteIfExists(dir.resolve("." + name + SUFFIX + ".tmp"));
        if (Files.deleteIfExists(dir.resolve(name + SUFFIX))) {
            try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
                d.force(true);
            } catch (IOException e) {
                LOG.debug("cannot sync directory {} after deleting {}: {}", dir, name, e.toString());
            }
        }
    }

    public void save(String name, long acked) throws IOException {
        byte[] content = ("# teefs broadcast: last index this client acked\nacked=" + acked + "\n")
                .getBytes(StandardCharsets.UTF_8);
        Path tmp = dir.resolve("." + name + SUFFIX + ".tmp");
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            ByteBuffer b = ByteBuffer.wrap(content);
            while (b.hasRemaining()) {
                ch.write(b);
            }
            ch.force(false);
        }
        Path target = dir.resolve(name + SUFFIX);
        try {
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
        }
    }
}
