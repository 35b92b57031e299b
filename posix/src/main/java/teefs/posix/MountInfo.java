package teefs.posix;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The mount points of this process's mount namespace, from {@code /proc/self/mountinfo}. */
public final class MountInfo {
    private static final Path MOUNTINFO = Path.of("/proc/self/mountinfo");

    private MountInfo() {
    }

    /** Every mount point, unescaped, in the order the kernel lists them; empty when mountinfo cannot be read. */
    public static List<String> mountPoints() {
        try {
            return mountPoints(Files.readAllLines(MOUNTINFO));
        } catch (IOException e) {
            return List.of();
        }
    }

    /** The mount points of {@code lines} in mountinfo's format (field 5; spaces and the like escaped as \ooo). */
    static List<String> mountPoints(List<String> lines) {
        List<String> points = new ArrayList<>(lines.size());
        for (String line : lines) {
            String[] fields = line.split(" ");
            if (fields.length > 4) {
                points.add(unescape(fields[4]));
            }
        }
        return points;
    }

    /**
     * The mount point whose filesystem holds {@code path} (resolved as far as it exists): the longest mount point
     * that is {@code path} or a directory above it. "/" when no other is.
     */
    public static Path mountOf(Path path, List<String> points) {
        Path p = RealPath.asFarAsItExists(path);
        Path best = Path.of("/");
        for (String point : points) {
            Path m = Path.of(point);
            if (p.startsWith(m) && m.getNameCount() > best.getNameCount()) {
                best = m;
            }
        }
        return best;
    }

    private static String unescape(String field) {
        if (field.indexOf('\\') < 0) {
            return field;
        }
        StringBuilder b = new StringBuilder(field.length());
        for (int i = 0; i < field.length(); i++) {
            char c = field.charAt(i);
            if (c == '\\' && isOctal(field, i + 1)) {
                b.append((char) Integer.parseInt(field.substring(i + 1, i + 4), 8));
                i += 3;
            } else {
                b.append(c);
            }
        }
        return b.toString();
    }

    private static boolean isOctal(String s, int from) {
        if (from + 3 > s.length()) {
            return false;
        }
        for (int i = from; i < from + 3; i++) {
            if (s.charAt(i) < '0' || s.charAt(i) > '7') {
                return false;
            }
        }
        return true;
    }
}
