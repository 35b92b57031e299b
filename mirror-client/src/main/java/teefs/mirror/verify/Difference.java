package teefs.mirror.verify;

/**
 * One way in which tree B differs from tree A, at {@code path} (relative; "." is the root itself).
 *
 * @param detail what A and B hold, for a person to read
 */
public record Difference(String path, Kind kind, String detail) {
    /** What differs. */
    public enum Kind {
        ONLY_IN_A, ONLY_IN_B, TYPE, SIZE, CONTENT, MODE, OWNER, MTIME, SYMLINK_TARGET, DEVICE, HARD_LINKS, XATTR
    }

    @Override
    public String toString() {
        // the trees are A and B wherever verify names them: "only in A", not "only in a"
        String label = switch (kind) {
            case ONLY_IN_A -> "only in A";
            case ONLY_IN_B -> "only in B";
            default -> kind.name().toLowerCase(java.util.Locale.ROOT).replace('_', ' ');
        };
        return path + ": " + label + ": " + detail;
    }
}
