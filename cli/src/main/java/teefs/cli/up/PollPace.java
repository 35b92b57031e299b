package teefs.cli.up;

import java.util.Collection;

import teefs.protocol.control.ClientStatus;
import teefs.protocol.control.StatusReply;

/**
 * How often the supervisor asks the broadcaster for its status when no terminal shows it (systemd, CI). Each ask is a
 * connection of its own, which the broadcaster accepts, answers and tears down: twice a second, that was a third of
 * an idle broadcaster's CPU (bench/up/idle.sh). So once everything has been quiet for {@link #QUIET_POLLS} asks in a row (every mirror
 * connected and caught up, the head where it was), asks come every {@link #IDLE_MILLIS} instead, until anything
 * changes. A screen on a terminal keeps its pace: someone is watching it.
 */
final class PollPace {
    static final int QUIET_POLLS = 10;
    static final long IDLE_MILLIS = 5_000;

    private final long interval;
    private final boolean watched;
    private long lastHead = -1;
    private int quiet;

    PollPace(long intervalMillis, boolean watched) {
        this.interval = intervalMillis;
        this.watched = watched;
    }

    /**
     * Takes one poll's outcome and returns how long to wait before the next.
     *
     * @param status     the reply, or null when there was none
     * @param mirrors    the names of the mirrors the supervisor runs (other clients of the broadcaster do not count)
     * @param allRunning every role process is running
     */
    long next(StatusReply status, Collection<String> mirrors, boolean allRunning) {
        quiet = settled(status, mirrors, allRunning) ? quiet + 1 : 0;
        lastHead = status == null ? -1 : status.getHeadIndex();
        return !watched && quiet >= QUIET_POLLS ? Math.max(interval, IDLE_MILLIS) : interval;
    }

    private boolean settled(StatusReply status, Collection<String> mirrors, boolean allRunning) {
        if (status == null || !allRunning || status.getHeadIndex() != lastHead) {
            return false;
        }
        for (String name : mirrors) {
            boolean caughtUp = false;
            for (ClientStatus c : status.getClientsList()) {
                caughtUp |= c.getName().equals(name) && c.getConnected() && c.getLagRecords() == 0;
            }
            if (!caughtUp) {
                return false;
            }
        }
        return true;
    }
}
