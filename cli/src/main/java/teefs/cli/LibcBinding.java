package teefs.cli;

import teefs.posix.Posix;

/**
 * Binds libc (jnr-ffi generates a class for {@link teefs.posix.LibC}'s methods: about 95 ms of CPU, async-profiler)
 * on a thread of its own while the command's thread does something else first: replay opens the journal
 * (Chronicle, about 180 ms), mirror asks the server for its status or connects. Whoever needs libc first simply
 * waits for the binding to finish, as the JVM runs a class's initialiser once. `teefs replay` of one record: median
 * 0.41 s against 0.46 s, and 0.48 against 0.59 (8 runs each, alternating with the build before).
 */
final class LibcBinding {
    private LibcBinding() {
    }

    static void startInBackground() {
        Thread t = new Thread(LibcBinding::bind, "teefs-bind-libc");
        t.setDaemon(true);
        t.start();
    }

    private static void bind() {
        try {
            Posix.errno();
        } catch (Throwable e) {
            // said nowhere here: the command's own first libc call fails the same way (the JVM keeps a failed
            // initialiser's error) and reports it where the user sees it, as before
        }
    }
}
