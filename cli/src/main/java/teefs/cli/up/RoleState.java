package teefs.cli.up;

/** Where a supervised role is in its life. */
public enum RoleState {
    /** Not started yet, or stopped on request. */
    STOPPED,
    /** Process started, not yet ready (journal: not mounted yet; broadcaster: not answering yet). */
    STARTING,
    /** Ready and serving. */
    RUNNING,
    /** Died; waiting out its backoff before the next start. */
    BACKOFF,
    /** Being stopped (SIGTERM sent). */
    STOPPING,
    /** Left stopped: a restart storm, a record it cannot apply, or a configuration error. Needs a person. */
    FAILED;

    String label() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
