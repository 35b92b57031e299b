package teefs.journal;

import java.nio.charset.StandardCharsets;

import teefs.posix.Stat;

/**
 * One file opened through the mount: our descriptor on STORE, the handle id records name it by, and the path it has
 * now (renames move it). Fields other than {@code fd}/{@code handle} change only under the journal lock.
 */
final class OpenFile {
    final int handle;
    final int fd;
    private String path;
    private byte[] pathBytes;
    /** true once an ASSOCIATE (or a CREATE with this handle) is in the journal: writes may then name the handle. */
    boolean associated;
    /**
     * What STORE showed right after this file was created, for libfuse's fgetattr that follows every create (one
     * fstat less per new file); used once, and only if no mutation came in between ({@code createdAtMutation}).
     */
    Stat createdAttr;
    long createdAtMutation;

    OpenFile(int handle, int fd, String path) {
        this.handle = handle;
        this.fd = fd;
        this.path = path;
    }

    String path() {
        return path;
    }

    byte[] pathBytes() {
        byte[] bytes = pathBytes;
        if (bytes == null) {
            bytes = path.getBytes(StandardCharsets.UTF_8);
            pathBytes = bytes;
        }
        return bytes;
    }

    void moveTo(String newPath) {
        path = newPath;
        pathBytes = null;
    }
}
