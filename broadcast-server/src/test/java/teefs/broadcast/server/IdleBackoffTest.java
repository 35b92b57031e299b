package teefs.broadcast.server;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class IdleBackoffTest {
    @Test
    void staysQuickThroughAShortPauseThenBacksOffToTheSlowIntervalAndResetsOnWork() throws Exception {
        IdleBackoff backoff = new IdleBackoff();
        backoff.idle(this);
        backoff.idle(this);
        assertThat(backoff.nextNanos()).isEqualTo(IdleBackoff.MIN_NANOS); // a pause just began: stay quick
        Thread.sleep(IdleBackoff.HOT_NANOS / 1_000_000 + 5);
        for (int i = 0; i < 10; i++) {
            backoff.idle(this);
        }
        assertThat(backoff.nextNanos()).isEqualTo(IdleBackoff.MAX_NANOS); // long idle: slow, bounded
        backoff.reset();
        assertThat(backoff.nextNanos()).isEqualTo(IdleBackoff.MIN_NANOS);
        backoff.idle(this);
        assertThat(backoff.nextNanos()).isEqualTo(IdleBackoff.MIN_NANOS); // a new pause is quick again
    }

    @Test
    void aLongQuietSpellBacksOffFurtherToSpareAnIdleServer() throws Exception {
        IdleBackoff backoff = new IdleBackoff();
        backoff.idle(this);
        Thread.sleep(IdleBackoff.HOT_NANOS / 1_000_000 + 5);
        for (int i = 0; i < 10; i++) {
            backoff.idle(this);
        }
        assertThat(backoff.nextNanos()).isEqualTo(IdleBackoff.MAX_NANOS); // quiet, but not for long
        Thread.sleep(IdleBackoff.COLD_NANOS / 1_000_000);
        for (int i = 0; i < 5; i++) {
            backoff.idle(this);
        }
        assertThat(backoff.nextNanos()).isEqualTo(IdleBackoff.COLD_MAX_NANOS);
        backoff.reset();
        assertThat(backoff.nextNanos()).isEqualTo(IdleBackoff.MIN_NANOS);
    }
}
