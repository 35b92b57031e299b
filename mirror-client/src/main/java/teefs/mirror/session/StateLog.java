package teefs.mirror.session;

import java.io.PrintStream;
import java.time.LocalTime;
import java.time.format.DateTimeFormatter;

/**
 * Prints the mirror's state changes, one line each: a state repeated (the tenth failed reconnect, the next full
 * disk retry) prints nothing, so the log says what changed and when.
 *
 * <p>Not thread-safe: the mirror thread owns it.
 */
public final class StateLog {
    /** What the mirror is doing. */
    public enum State { BOOTSTRAPPING, CONNECTING, STREAMING, RECONNECTING, PAUSED, STOPPED, FAILED }

    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss.SSS");
    private final PrintStream out;
    private final String prefix;
    private State state;

    public StateLog(PrintStream out, String name) {
        this.out = out;
        this.prefix = "teefs mirror " + name + ": ";
    }

    /** Prints {@code message} if {@code next} differs from the current state; returns whether it did. */
    public boolean enter(State next, String message) {
        if (next == state) {
            return false;
        }
        state = next;
        line(message);
        return true;
    }

    /** Prints a line whatever the state (progress, a final summary). */
    public void line(String message) {
        out.println(LocalTime.now().format(TIME) + " " + prefix + message);
        out.flush();
    }

    public State state() {
        return state;
    }
}
