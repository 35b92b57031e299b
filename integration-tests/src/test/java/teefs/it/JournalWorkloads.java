package teefs.it;

import java.nio.file.Path;

/**
 * The {@link Workloads} on journal-fs alone: after each, replaying the whole queue onto an empty directory must give
 * a tree identical to STORE; and again after a clean stop.
 */
abstract class JournalWorkloads extends Workloads {
    private JournalFixture fixture;

    /** The journal's threading model and any other flags. */
    abstract String[] journalArgs();

    @Override
    Path startUp(Path dir) throws Exception {
        fixture = new JournalFixture(dir).start(journalArgs());
        return fixture.mount;
    }

    @Override
    void assertConverged() throws Exception {
        fixture.assertReplayMatchesStore();
    }

    @Override
    void shutDown() throws Exception {
        fixture.stop();
        fixture.assertReplayMatchesStore();
        fixture.close();
    }
}
