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

    /** One mounted filesystem: where it is mounted, its type ({@code ext4}, {@code fuse.teefs}) and its source. */
    public record Mount(String point, String type, String source) {
    }

    /** Every mount, in the order the kernel lists them (a later one over the same point hides the earlier). */
    public static List<Mount> mounts() {
        try {
            return mounts(Files.readAllLines(MOUNTINFO));
        } catch (IOException e) {
            return List.of();
        }
    }

    /** Every mount point, unescaped, in the order the kernel lists them; empty when mountinfo cannot be read. */
    public static List<String> mountPoints() {
        return mountPoints(mounts());
    }

    static List<String> mountPoints(List<Mount> mounts) {
        List<String> points = new ArrayList<>(mounts.size());
        for (Mount m : mounts) {
            points.add(m.point());
        }
        return points;
    }

    /**
     * The mounts of {@code lines} in mountinfo's format: the point is field 5, then optional fields up to a lone
     * "-", then the type and the source (spaces and the like escaped as \ooo).
     */
    static List<Mount> mounts(List<String> lines) {
        List<Mount> mounts = new ArrayList<>(lines.size());
        for (String line : lines) {
            String[] fields = line.split(" ");
            if (fields.length <= 4) {
                continue;
            }
            String type = "";
            String source = "";
            for (int i = 6; i + 2 < fields.length; i++) {
                if (fields[i].equals("-")) {
                    type = unescape(fields[i + 1]);
                    source = unescape(fields[i + 2]);
                    break;
                }
            }
            mounts.add(new Mount(unescape(fields[4]), type, source));
        }
        return mounts;
    }

    /** The mount whose filesystem holds {@code path} (resolved as far as it exists), or null when none is listed. */
    public static Mount holding(Path path, List<Mount> mounts) {
        Path p = RealPath.asFarAsItExists(path);
        Mount best = null;
        int bestDepth = -1;
        for (Mount m : mounts) {
            Path point = Path.of(m.point());
            if (p.startsWith(point) && point.getNameCount() >= bestDepth) {
                best = m; // >=: of two mounts on one point, the later is on top
                bestDepth = point.getNameCount();
            }
        }
        return best;
    }

    /**
     * The mount point whose filesystem holds {@code path} (resolved as far as it exists): the longest mount point
     * that is {@code path} or a directory above it. "/" when no other is.
     */
    public static Path mountOf(Path path, List<Mount> mounts) {
        Mount m = holding(path, mounts);
        return Path.of(m == null ? "/" : m.point());
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
