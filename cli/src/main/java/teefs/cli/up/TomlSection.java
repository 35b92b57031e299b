package teefs.cli.up;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

import org.tomlj.TomlArray;
import org.tomlj.TomlPosition;
import org.tomlj.TomlTable;

/**
 * Reads one table of the config with validation: every getter names the full key, its line, and what a good value
 * looks like; {@link #finish()} reports keys nobody asked for (typos) with the nearest known key. Errors are collected,
 * not thrown, so one run of {@code teefs up} lists every mistake at once.
 */
final class TomlSection {
    private final TomlTable table;
    private final String prefix;
    private final Path base;
    private final List<String> errors;
    private final Set<String> known = new LinkedHashSet<>();

    TomlSection(TomlTable table, String prefix, Path base, List<String> errors) {
        this.table = table;
        this.prefix = prefix;
        this.base = base;
        this.errors = errors;
    }

    String name(String key) {
        return prefix.isEmpty() ? key : prefix + "." + key;
    }

    private String where(String key) {
        TomlPosition p = table == null ? null : table.inputPositionOf(key);
        return p == null ? "" : " (line " + p.line() + ")";
    }

    void error(String key, String message) {
        errors.add(name(key) + where(key) + ": " + message);
    }

    boolean has(String key) {
        known.add(key);
        return table != null && table.contains(key);
    }

    String string(String key, String def, String example) {
        if (!has(key)) {
            return def;
        }
        Object v = table.get(key);
        if (v instanceof String s) {
            return s;
        }
        error(key, "must be a quoted string, e.g. " + key + " = " + example);
        return def;
    }

    Path path(String key, Path def) {
        String s = string(key, null, "\"/srv/teefs/store\"");
        if (s == null) {
            return def;
        }
        if (s.isBlank()) {
            error(key, "is empty: give a directory, e.g. " + key + " = \"/srv/teefs/" + key + "\", or remove the line");
            return def;
        }
        return base.resolve(s).normalize();
    }

    long integer(String key, long def, long min, long max, String unitHint) {
        if (!has(key)) {
            return def;
        }
        Object v = table.get(key);
        if (v instanceof Long l && l >= min && l <= max) {
            return l;
        }
        error(key, "must be a whole number from " + min + " to " + max + unitHint + " (no quotes), e.g. " + key + " = "
                + def);
        return def;
    }

    boolean bool(String key, boolean def) {
        if (!has(key)) {
            return def;
        }
        Object v = table.get(key);
        if (v instanceof Boolean b) {
            return b;
        }
        error(key, "must be true or false (no quotes)");
        return def;
    }

    String choice(String key, String def, String... allowed) {
        String s = string(key, def, "\"" + allowed[0] + "\"");
        if (s != null && !List.of(allowed).contains(s)) {
            error(key, "is '" + s + "'; write one of " + String.join(", ", allowed));
            return def;
        }
        return s;
    }

    /** A duration like "500ms", "10s", "5m", "12h", "7d"; kept as text (the roles parse it) but checked here. */
    String duration(String key, String def) {
        String s = string(key, def, "\"10s\"");
        if (has(key) && s != null && parseDuration(s) == null) {
            error(key, "is '" + s + "'; write a duration like \"500ms\", \"10s\", \"5m\", \"12h\" or \"7d\"");
            return def;
        }
        return s;
    }

    Duration durationValue(String key, Duration def) {
        String s = duration(key, null);
        Duration d = s == null ? null : parseDuration(s);
        return d == null ? def : d;
    }

    /** A size like "64M" or "2G"; kept as text but checked here. */
    String size(String key, String def) {
        String s = string(key, def, "\"64M\"");
        if (has(key) && s != null && !s.trim().toUpperCase(Locale.ROOT).matches("\\d+\\s*([KMGT]I?B?|B)?")) {
            error(key, "is '" + s + "'; write a size like \"512M\", \"2G\" or \"1T\"");
            return def;
        }
        return s;
    }

    List<String> strings(String key, List<String> def) {
        if (!has(key)) {
            return def;
        }
        Object v = table.get(key);
        if (v instanceof String s) {
            return List.of(s);
        }
        if (v instanceof TomlArray a) {
            List<String> out = new ArrayList<>();
            for (int i = 0; i < a.size(); i++) {
                if (a.get(i) instanceof String s) {
                    out.add(s);
                } else {
                    error(key, "must be a list of quoted strings, e.g. " + key + " = [\"a\", \"b\"]");
                    return def;
                }
            }
            return List.copyOf(out);
        }
        error(key, "must be a list of quoted strings, e.g. " + key + " = [\"a\", \"b\"]");
        return def;
    }

    TomlTable table(String key) {
        if (!has(key)) {
            return null;
        }
        if (table.get(key) instanceof TomlTable t) {
            return t;
        }
        error(key, "must be a table: write [" + name(key) + "] on its own line, then its keys");
        return null;
    }

    /** Unknown keys are typos until proven otherwise: name them and the nearest known key. */
    void finish() {
        if (table == null) {
            return;
        }
        for (String key : table.keySet()) {
            if (!known.contains(key)) {
                String nearest = known.stream().min(Comparator.comparingInt(k -> distance(k, key))).orElse(null);
                String hint = nearest != null && distance(nearest, key) <= Math.max(2, key.length() / 3)
                        ? "did you mean '" + nearest + "'?" : "remove it";
                error(key, "unknown key; " + hint + " Keys allowed here: " + String.join(", ", known)
                        + " (see docs/teefs.example.toml)");
            }
        }
    }

    static Duration parseDuration(String text) {
        String t = text.trim().toLowerCase(Locale.ROOT);
        try {
            if (t.endsWith("ms")) {
                return Duration.ofMillis(Long.parseLong(t.substring(0, t.length() - 2).trim()));
            }
            long v = Long.parseLong(t.substring(0, t.length() - 1).trim());
            if (v < 0) {
                return null;
            }
            return switch (t.charAt(t.length() - 1)) {
                case 's' -> Duration.ofSeconds(v);
                case 'm' -> Duration.ofMinutes(v);
                case 'h' -> Duration.ofHours(v);
                case 'd' -> Duration.ofDays(v);
                default -> null;
            };
        } catch (NumberFormatException | StringIndexOutOfBoundsException e) {
            return null;
        }
    }

    private static int distance(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }
}
