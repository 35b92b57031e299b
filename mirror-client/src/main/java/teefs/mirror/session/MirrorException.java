package teefs.mirror.session;

/**
 * Why a mirror stopped for good, with the exit code the CLI returns: {@link #UNTRUSTED_RECORD} (a record that cannot
 * be applied or trusted: the message names the index and the reason), {@link #MUST_BOOTSTRAP} (no usable position
 * for this queue: run with --bootstrap), {@link #CONFIGURATION} (credential, protocol version, name clash, TLS trust
 * or certificates).
 */
public final class MirrorException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    public static final int CONFIGURATION = 2;
    public static final int UNTRUSTED_RECORD = 3;
    public static final int MUST_BOOTSTRAP = 4;

    private final int exitCode;

    public MirrorException(int exitCode, String message, Throwable cause) {
        super(message, cause);
        this.exitCode = exitCode;
    }

    public int exitCode() {
        return exitCode;
    }
}
