package teefs.journal;

import java.nio.file.Path;

import teefs.queue.AppendOptions;

/**
 * What {@code teefs journal} needs: the landing zone's real files (STORE), where to mount the passthrough (MOUNT),
 * where the journal lives (QUEUE), how durable appends are, and the FUSE threading model.
 *
 * @param singleThreaded true mounts with {@code -s}: every callback on one thread; false (the default of
 *                       {@code teefs journal}) lets libfuse use its thread pool, measured faster on 2 cores for
 *                       small files and writes (docs/JOURNAL.md, "Ordering")
 * @param extraFuseOptions more {@code -o} options, comma-separated, or empty
 */
public record JournalConfig(Path store, Path mount, Path queue, AppendOptions append,
                            boolean singleThreaded, String extraFuseOptions, boolean debug) {
    public JournalConfig {
        if (store == null || mount == null || queue == null) {
            throw new IllegalArgumentException("store, mount and queue directories are all required");
        }
        if (append == null) {
            throw new IllegalArgumentException("append options are required");
        }
        store = store.toAbsolutePath().normalize();
        mount = mount.toAbsolutePath().normalize();
        queue = queue.toAbsolutePath().normalize();
        extraFuseOptions = extraFuseOptions == null ? "" : extraFuseOptions.trim();
    }
}
