package teefs.cli.up;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.LocalTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/**
 * The supervisor's own events (started, died, restarting, failed), one line each: kept for the screen (the last few),
 * appended to LOGS/up.log, and printed at once when there is no screen (CI, systemd). Thread-safe.
 */
final class EventLog {
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss.SSS");
    private final Deque<String> recent = new ArrayDeque<>();
    private final Path file;
    private final PrintStream out;
    private volatile boolean printLines;

    EventLog(Path file, PrintStream out, boolean printLines) {
        this.file = file;
        this.out = out;
        this.printLines = printLines;
    }

    synchronized void add(String event) {
        String line = LocalTime.now().format(TIME) + " " + event;
        recent.addLast(line);
        while (recent.size() > 8) {
            recent.removeFirst();
        }
        if (printLines) {
            out.println("teefs up: " + line);
            out.flush();
        }
        try {
            Files.createDirectories(file.getParent());
            Files.writeString(file, line + "\n", StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException ignored) {
            // up.log is a convenience; the screen or stdout carries the same line
        }
    }

    synchronized List<String> recent() {
        return new ArrayList<>(recent);
    }

    void printLines(boolean on) {
        printLines = on;
    }
}
