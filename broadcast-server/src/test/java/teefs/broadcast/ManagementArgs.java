package teefs.broadcast;

import java.lang.management.ManagementFactory;
import java.util.List;

/** The JVM flags this test JVM got (Chronicle's --add-opens and properties), for child JVMs. */
final class ManagementArgs {
    private ManagementArgs() {
    }

    static List<String> jvmArgs() {
        return ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
                .filter(a -> a.startsWith("--add-") || a.startsWith("-Dchronicle") || a.startsWith("-Xmx"))
                .toList();
    }
}
