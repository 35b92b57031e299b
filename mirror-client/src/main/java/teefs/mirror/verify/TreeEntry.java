package teefs.mirror.verify;

/** What {@link TreeScan} recorded about one entry (lstat, never following a symlink). Immutable. */
record TreeEntry(String path, int type, int permissions, int uid, int gid, long size, long mtimeSec,
                 long mtimeNsec, long rdev, long dev, long ino, long nlink) {
}
