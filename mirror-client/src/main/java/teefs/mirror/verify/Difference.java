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
        String label = kind.name().toLowerCase(java.util.Locale.ROOT).replace('_', ' ');
        if (kind == Kind.ONLY_IN_A || kind == Kind.ONLY_IN_B) {
            label = label.substring(0, label.length() - 1) + kind.name().charAt(kind.name().length() - 1);
        }
        return path + ": " + label + ": " + detail;
    }
}
