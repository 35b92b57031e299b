package teefs.cli.up;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

class RestartPolicyTest {
    private static final long MS = 1_000_000L;
    private final RestartPolicy.Settings settings = new RestartPolicy.Settings(Duration.ofMillis(500),
            Duration.ofSeconds(30), 5, Duration.ofSeconds(60), Duration.ofSeconds(30));

    @Test
    void backoffDoublesWithJitterUpToTheMaximum() {
        RestartPolicy p = new RestartPolicy(new RestartPolicy.Settings(Duration.ofMillis(500), Duration.ofSeconds(4),
                100, Duration.ofSeconds(1), Duration.ofHours(1)), new SplittableRandom(1));
        long t = 0;
        long[] expected = {500, 1000, 2000, 4000, 4000};
        for (long e : expected) {
            long d = p.onExit(t, t + MS);
            assertThat(d).isBetween((long) (e * 0.8) * MS, e * MS * 12 / 10);
            t += d + 10_000 * MS;
        }
    }

    @Test
    void stormLimitStopsRestartsWithinTheWindowAndAllowsThemAfter() {
        RestartPolicy p = new RestartPolicy(settings, new SplittableRandom(2));
        long t = 0;
        int restarts = 0;
        while (true) {
            long d = p.onExit(t, t + 100 * MS);
            if (d < 0) {
                break;
            }
            restarts++;
            t += 100 * MS + d;
        }
        assertThat(restarts).isEqualTo(5);
        assertThat(t).isLessThan(60_000 * MS);
        // a minute later the window has emptied
        assertThat(p.onExit(t + 120_000 * MS, t + 121_000 * MS)).isPositive();
    }

    @Test
    void aStableRunResetsTheBackoff() {
        RestartPolicy p = new RestartPolicy(settings, new SplittableRandom(3));
        p.onExit(0, MS);
        p.onExit(MS, 2 * MS);
        long third = p.onExit(2 * MS, 3 * MS);
        assertThat(third).isGreaterThan(1500 * MS);
        long afterStable = p.onExit(10_000 * MS, 50_000 * MS);
        assertThat(afterStable).isLessThanOrEqualTo(600 * MS);
    }

    @Test
    void manualResetClearsTheStormHistory() {
        RestartPolicy p = new RestartPolicy(settings, new SplittableRandom(4));
        for (int i = 0; i < 5; i++) {
            assertThat(p.onExit(i * MS, i * MS + 1)).isPositive();
        }
        assertThat(p.onExit(10 * MS, 11 * MS)).isNegative();
        p.reset();
        assertThat(p.onExit(12 * MS, 13 * MS)).isPositive();
    }
}
