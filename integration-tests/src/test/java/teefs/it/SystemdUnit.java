package teefs.it;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A systemd unit file read as systemd reads it (systemd.syntax(7)): [Section] headers, Key=Value lines, '#' and ';'
 * comments, backslash continuations, a key given again adds a value and an empty assignment clears them. An instance
 * of a template ({@code teefs-mirror@.service} as {@code teefs-mirror@disk1.service}) has %i and %I replaced.
 */
final class SystemdUnit {
    final Path file;
    final String name;
    private final Map<String, Map<String, List<String>>> sections;

    private SystemdUnit(Path file, String name, Map<String, Map<String, List<String>>> sections) {
        this.file = file;
        this.name = name;
        this.sections = sections;
    }

    static SystemdUnit read(Path file) throws IOException {
        Map<String, Map<String, List<String>>> sections = new LinkedHashMap<>();
        Map<String, List<String>> current = null;
        StringBuilder pending = null;
        int n = 0;
        for (String raw : Files.readAllLines(file)) {
            n++;
            String line = raw.strip();
            if (pending != null) {
                if (line.startsWith("#") || line.startsWith(";")) {
                    continue; // comments inside a continuation are skipped
                }
                pending.append(' ');
                line = pending.append(line).toString();
                pending = null;
            } else if (line.isEmpty() || line.startsWith("#") || line.startsWith(";")) {
                continue;
            }
            if (line.endsWith("\\")) {
                pending = new StringBuilder(line.substring(0, line.length() - 1).strip());
                continue;
            }
            if (line.startsWith("[") && line.endsWith("]")) {
                current = sections.computeIfAbsent(line.substring(1, line.length() - 1), k -> new LinkedHashMap<>());
                continue;
            }
            int eq = line.indexOf('=');
            if (current == null || eq <= 0) {
                throw new IllegalArgumentException(file + ":" + n + ": not a [Section] or Key=Value line: " + raw);
            }
            String key = line.substring(0, eq).strip();
            String value = line.substring(eq + 1).strip();
            List<String> values = current.computeIfAbsent(key, k -> new ArrayList<>());
            if (value.isEmpty()) {
                values.clear();
            } else {
                values.add(value);
            }
        }
        return new SystemdUnit(file, file.getFileName().toString(), sections);
    }

    /** This template as instance {@code instance}: %i and %I replaced, the name made teefs-mirror@INSTANCE.service. */
    SystemdUnit instance(String instance) {
        Map<String, Map<String, List<String>>> copy = new LinkedHashMap<>();
        sections.forEach((s, keys) -> {
            Map<String, List<String>> k2 = new LinkedHashMap<>();
            keys.forEach((k, values) -> k2.put(k, values.stream()
                    .map(v -> v.replace("%i", instance).replace("%I", instance)).toList()));
            copy.put(s, k2);
        });
        return new SystemdUnit(file, name.replace("@.", "@" + instance + "."), copy);
    }

    Map<String, List<String>> section(String section) {
        return sections.getOrDefault(section, Map.of());
    }

    /** Every value of {@code key}, in order. */
    List<String> all(String section, String key) {
        return section(section).getOrDefault(key, List.of());
    }

    /** The value that counts for a single-valued key: the last one. */
    Optional<String> one(String section, String key) {
        List<String> v = all(section, key);
        return v.isEmpty() ? Optional.empty() : Optional.of(v.get(v.size() - 1));
    }

    /** The values of a list-valued key (After=, RestartPreventExitStatus=...), split on white space. */
    List<String> words(String section, String key) {
        List<String> w = new ArrayList<>();
        for (String v : all(section, key)) {
            w.addAll(List.of(v.split("\\s+")));
        }
        return w;
    }

    /** A command line (ExecStart= and the like) split into its words, its prefixes ("-", "@", "+", "!") removed. */
    static List<String> commandWords(String value) {
        String v = value.strip();
        while (!v.isEmpty() && "-@+!:".indexOf(v.charAt(0)) >= 0) {
            v = v.substring(1);
        }
        List<String> words = new ArrayList<>();
        StringBuilder w = new StringBuilder();
        boolean quoted = false;
        boolean any = false;
        for (char c : v.toCharArray()) {
            if (c == '"') {
                quoted = !quoted;
                any = true;
            } else if (Character.isWhitespace(c) && !quoted) {
                if (any) {
                    words.add(w.toString());
                    w.setLength(0);
                    any = false;
                }
            } else {
                w.append(c);
                any = true;
            }
        }
        if (any) {
            words.add(w.toString());
        }
        return words;
    }

    /** A time span as systemd reads one ("30", "30s", "2min", "500ms"), in milliseconds. */
    static long millis(String span) {
        String s = span.strip();
        if (s.endsWith("ms")) {
            return Long.parseLong(s.substring(0, s.length() - 2));
        }
        if (s.endsWith("min")) {
            return Long.parseLong(s.substring(0, s.length() - 3)) * 60_000;
        }
        if (s.endsWith("s")) {
            return Long.parseLong(s.substring(0, s.length() - 1)) * 1000;
        }
        return Long.parseLong(s) * 1000;
    }

    @Override
    public String toString() {
        return name;
    }
}
