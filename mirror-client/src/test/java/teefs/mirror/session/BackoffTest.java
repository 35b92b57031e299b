package teefs.mirror.session;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;

import org.junit.jupiter.api.Test;

class BackoffTest {
    @Test
    void doublesUpToTheMaximumWithJitterInTheUpperHalfAndResets() {
        Random random = new Random(1);
        Backoff b = new Backoff(100, 1000, random::nextLong);
        long[] bases = {100, 200, 400, 800, 1000, 1000};
        for (long base : bases) {
            long d = b.nextDelayNanos();
            assertThat(d).isBetween(base / 2, base);
        }
        b.reset();
        assertThat(b.nextDelayNanos()).isBetween(50L, 100L);
    }

    @Test
    void jitterSpreadsTheDelays() {
        Random random = new Random(2);
        java.util.Set<Long> seen = new java.util.HashSet<>();
        for (int i = 0; i < 20; i++) {
            Backoff b = new Backoff(1_000_000, 1_000_000, random::nextLong);
            seen.add(b.nextDelayNanos());
        }
        assertThat(seen).hasSizeGreaterThan(15);
    }
}
