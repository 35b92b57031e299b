package teefs.it;

import org.junit.jupiter.api.BeforeAll;

/** The real-application workloads on a mount with libfuse's multi-threaded loop (--threads multi). */
class JournalWorkloadsMultiThreadedTest extends JournalWorkloads {
    @BeforeAll
    static void mount() throws Exception {
        mountWith("--threads", "multi");
    }
}
