package teefs.it;

import org.junit.jupiter.api.BeforeAll;

/** The real-application workloads on a mount with libfuse's single-threaded loop (--threads single). */
class JournalWorkloadsSingleThreadedTest extends JournalWorkloads {
    @BeforeAll
    static void mount() throws Exception {
        mountWith("--threads", "single");
    }
}
