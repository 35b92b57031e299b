package teefs.cli;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.locks.LockSupport;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import teefs.protocol.MalformedRecordException;
import teefs.protocol.RecordDecoder;
import teefs.protocol.RecordFormatter;
import teefs.queue.JournalQueue;
import teefs.queue.JournalReader;

@Command(name = "dump",
        mixinStandardHelpOptions = true,
        description = {
            "Print the journal's records, one per line: index, type, handle, path(s), offset, length, mode, times.",
            "",
            "Examples:",
            "  teefs dump --queue teefs-data/queue --follow",
            "  teefs dump --queue q --from 2141986089861121 --until 2141986089861130",
        })
final class DumpCommand implements Callable<Integer> {
    @Option(names = "--queue", paramLabel = "QUEUE", defaultValue = "teefs-data/queue",
            description = "Journal directory. Default: ${DEFAULT-VALUE}")
    Path queue;

    @Option(names = "--from", paramLabel = "INDEX", description = "First index to print (decimal or 0x hex).")
    String from;

    @Option(names = "--until", paramLabel = "INDEX", description = "Last index to print, inclusive.")
    String until;

    @Option(names = {"-f", "--follow"}, description = "Keep printing records as they are appended (Ctrl-C stops).")
    boolean follow;

    @Override
    public Integer call() {
        long fromIndex = from == null ? -1 : Indexes.parse(from, "--from");
        long untilIndex = until == null ? Long.MAX_VALUE : Indexes.parse(until, "--until");
        PrintStream out = System.out;
        RecordDecoder decoder = new RecordDecoder();
        RecordFormatter formatter = new RecordFormatter();
        StringBuilder line = new StringBuilder(256);
        int[] malformed = {0};
        boolean[] done = {false};
        try (JournalQueue q = JournalQueue.openExisting(queue); JournalReader reader = q.reader()) {
            if (fromIndex >= 0 && !reader.seekTo(fromIndex)) {
                throw new UserError("index " + Indexes.format(fromIndex) + " is not in " + queue + " (retained: "
                        + Indexes.format(q.firstIndex()) + " .. " + Indexes.format(q.lastIndex()) + ")");
            }
            long idle = 0;
            while (!done[0]) {
                boolean read = reader.readNext((index, buffer, offset, length) -> {
                    if (index > untilIndex) {
                        done[0] = true;
                        return;
                    }
                    try {
                        decoder.wrap(buffer, offset, length);
                        line.setLength(0);
                        out.println(formatter.appendTo(line, index, decoder));
                    } catch (MalformedRecordException e) {
                        malformed[0]++;
                        out.println(Indexes.format(index) + " MALFORMED " + e.getMessage());
                    }
                });
                if (read) {
                    idle = 0;
                } else if (!follow) {
                    break;
                } else {
                    out.flush();
                    idle = Math.min(idle == 0 ? 50_000 : idle * 2, 20_000_000);
                    LockSupport.parkNanos(idle);
                }
            }
        }
        out.flush();
        if (malformed[0] > 0) {
            System.err.println("teefs dump: " + malformed[0] + " malformed record(s)");
            return 1;
        }
        return 0;
    }
}
