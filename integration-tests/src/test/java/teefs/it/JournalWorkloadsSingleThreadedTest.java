package teefs.it;

/** The real-application workloads on a mount with libfuse's single-threaded loop (--threads single). */
class JournalWorkloadsSingleThreadedTest extends JournalWorkloads {
    @Override
    String[] journalArgs() {
        return new String[] {"--threads", "single"};
    }
}
