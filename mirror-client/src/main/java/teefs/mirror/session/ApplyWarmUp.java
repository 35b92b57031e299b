package teefs.mirror.session;

/**
 * Loads, on a low-priority thread while a bootstrap's rsync copies, what the mirror needs the moment the copy ends:
 * libc's bindings (jnr-ffi generates their stubs when the library loads: 0.4 s measured on the development VM, on
 * the critical path between the copy and the first record) and the classes of applying and streaming. Failures are
 * ignored here: the same code runs again, and reports them, where it is really used.
 */
final class ApplyWarmUp {
    private static final String[] CLASSES = {
        "teefs.posix.Posix",
        "teefs.posix.Stat",
        "teefs.protocol.RecordDecoder",
        "teefs.mirror.apply.ApplyEngine",
        "teefs.mirror.apply.TargetFiles",
        "teefs.mirror.apply.PathGuard",
        "teefs.mirror.session.MirrorSession",
        "teefs.mirror.session.DurableApplier",
        "teefs.mirror.session.RecordHandoff",
        "teefs.mirror.session.WindowRepair",
        "teefs.mirror.session.LinkGroupAudit",
        "teefs.broadcast.client.BroadcastClient",
        "teefs.broadcast.client.ClientHandler",
    };

    private ApplyWarmUp() {
    }

    /** Starts the warm-up; it ends by itself and never holds the JVM open. */
    static void start() {
        Thread t = new Thread(ApplyWarmUp::run, "teefs-warm-up");
        t.setDaemon(true);
        t.setPriority(Thread.MIN_PRIORITY);
        t.start();
    }

    private static void run() {
        ClassLoader loader = ApplyWarmUp.class.getClassLoader();
        for (String name : CLASSES) {
            try {
                Class.forName(name, true, loader);
            } catch (Throwable ignored) {
                // reported where the class is really used
            }
        }
    }
}
