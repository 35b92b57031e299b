package teefs.it;

/** The real-application workloads on a mount with libfuse's multi-threaded loop (--threads multi). */
class JournalWorkloadsMultiThreadedTest extends JournalWorkloads {
    @Override
    String[] journalArgs() {
        return new String[] {"--threads", "multi"};
    }
}
