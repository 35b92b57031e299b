package teefs.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;

/**
 * The {@link Workloads} with a real broadcaster and three real mirrors streaming live: after each workload every
 * mirror must become identical to STORE. The mirrors are bootstrapped from the empty STORE before the first write,
 * and run with the three --sync modes.
 */
class MirrorWorkloadsTest extends Workloads {
    private static final String[] MIRRORS = {"m-none", "m-batch", "m-always"};
    private MirrorFixture pipeline;

    @Override
    Path startUp(Path dir) throws Exception {
        pipeline = new MirrorFixture(dir);
        pipeline.start();
        pipeline.startMirror("m-none", true, "--sync", "none");
        pipeline.startMirror("m-batch", true, "--sync", "batch");
        pipeline.startMirror("m-always", true, "--sync", "always");
        return pipeline.journal.mount;
    }

    @Override
    void assertConverged() throws Exception {
        pipeline.awaitConverged(Duration.ofSeconds(30), MIRRORS);
    }

    @Override
    void shutDown() throws Exception {
        if (pipeline != null) {
            for (String name : MIRRORS) {
                TeefsProcess m = pipeline.mirror(name);
                assertThat(m.terminate(Duration.ofSeconds(30))).as("exit code of %s after SIGTERM; log:\n%s", name,
                        m.output()).isEqualTo(0);
                assertThat(m.output()).contains("streaming").contains("stopped; position saved");
            }
            pipeline.close();
        }
    }
}
