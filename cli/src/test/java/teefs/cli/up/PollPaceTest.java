package teefs.cli.up;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import org.junit.jupiter.api.Test;

import teefs.protocol.control.ClientStatus;
import teefs.protocol.control.StatusReply;

class PollPaceTest {
    private static final List<String> MIRRORS = List.of("disk1", "disk2");

    private static StatusReply status(long head, ClientStatus... clients) {
        return StatusReply.newBuilder().setHeadIndex(head).addAllClients(List.of(clients)).build();
    }

    private static ClientStatus client(String name, boolean connected, long lag) {
        return ClientStatus.newBuilder().setName(name).setConnected(connected).setLagRecords(lag).build();
    }

    private static final StatusReply QUIET = status(7, client("disk1", true, 0), client("disk2", true, 0));

    @Test
    void unwatchedItSlowsDownAfterTenQuietPollsAndSpeedsUpAtTheFirstChange() {
        PollPace pace = new PollPace(500, false);
        for (int i = 0; i < PollPace.QUIET_POLLS; i++) {
            assertThat(pace.next(QUIET, MIRRORS, true)).as("poll %d", i).isEqualTo(500);
        }
        assertThat(pace.next(QUIET, MIRRORS, true)).isEqualTo(PollPace.IDLE_MILLIS);
        assertThat(pace.next(QUIET, MIRRORS, true)).isEqualTo(PollPace.IDLE_MILLIS);

        assertThat(pace.next(status(8, client("disk1", true, 0), client("disk2", true, 0)), MIRRORS, true))
                .as("the head moved").isEqualTo(500);
    }

    @Test
    void anyMirrorBehindOrAwayOrARoleNotRunningOrNoReplyKeepsThePace() {
        List<StatusReply> busy = List.of(
                status(7, client("disk1", true, 0), client("disk2", true, 3)),
                status(7, client("disk1", true, 0), client("disk2", false, 0)),
                status(7, client("disk1", true, 0), client("laptop", true, 0)));
        for (StatusReply s : busy) {
            PollPace pace = new PollPace(500, false);
            for (int i = 0; i < 3 * PollPace.QUIET_POLLS; i++) {
                assertThat(pace.next(s, MIRRORS, true)).as(s.toString()).isEqualTo(500);
            }
        }
        PollPace notRunning = new PollPace(500, false);
        PollPace noReply = new PollPace(500, false);
        for (int i = 0; i < 3 * PollPace.QUIET_POLLS; i++) {
            assertThat(notRunning.next(QUIET, MIRRORS, false)).isEqualTo(500);
            assertThat(noReply.next(null, MIRRORS, true)).isEqualTo(500);
        }
    }

    @Test
    void aScreenOnATerminalKeepsItsPace() {
        PollPace pace = new PollPace(500, true);
        for (int i = 0; i < 3 * PollPace.QUIET_POLLS; i++) {
            assertThat(pace.next(QUIET, MIRRORS, true)).isEqualTo(500);
        }
    }

    @Test
    void aSlowerConfiguredIntervalIsKept() {
        PollPace pace = new PollPace(20_000, false);
        for (int i = 0; i < 3 * PollPace.QUIET_POLLS; i++) {
            assertThat(pace.next(QUIET, MIRRORS, true)).isEqualTo(20_000);
        }
    }
}
