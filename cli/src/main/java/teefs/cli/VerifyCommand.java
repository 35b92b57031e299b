package teefs.cli;

import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import teefs.mirror.verify.TreeVerifier;
import teefs.mirror.verify.VerifyOptions;
import teefs.mirror.verify.VerifyProgress;

@Command(name = "verify",
        mixinStandardHelpOptions = true,
        description = {
            "Compare two directory trees; list every difference, one per line, then a summary.",
            "",
            "Checks what a mirror must keep: type, size, content, permission bits,",
            "owner, mtime (files, directories and symlinks; to the nanosecond where",
            "both filesystems keep it), symlink targets, device numbers, hard links",
            "(paths sharing an inode in A must share one in B, and vice versa) and",
            "user.* xattrs. Symlinks are never followed. Nothing is ignored unless",
            "--ignore says so. Like 'rsync -n -a -H -X -c A/ B/', plus the mtimes of",
            "directories and symlinks.",
            "",
            "Differences are printed as they are found (stdout). A verify that runs",
            "longer than 5 s says where it is every 5 s on stderr: entries compared,",
            "contents read and how fast.",
            "",
            "Exit status: 0 identical, 1 different, 2 usage error.",
            "",
            "Examples:",
            "  teefs verify /srv/landing /pool/disk1",
            "  teefs verify --quick --ignore '.fuse_hidden*' /srv/landing /pool/disk1",
            "",
        })
final class VerifyCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "A", description = "The reference tree (e.g. the journal's STORE).")
    Path a;

    @Parameters(index = "1", paramLabel = "B", description = "The tree to check (e.g. a mirror's TARGET).")
    Path b;

    @Option(names = "--quick", description = "Skip comparing file contents (sizes and metadata still count).")
    boolean quick;

    @Option(names = "--ignore", paramLabel = "GLOB", arity = "1..*",
            description = "Leave out entries whose name or relative path matches GLOB, with everything under "
                    + "them (e.g. '.fuse_hidden*'). Repeatable.")
    List<String> ignore = new ArrayList<>();

    @Override
    public Integer call() {
        long differences;
        VerifyProgress progress = new VerifyProgress(System.err, System::nanoTime,
                VerifyProgress.DEFAULT_INTERVAL_NANOS);
        try {
            // each difference as it is found: a verify of a whole drive runs for long
            differences = new TreeVerifier(new VerifyOptions(quick, ignore), progress).compare(a, b,
                    System.out::println);
        } catch (IllegalArgumentException | UncheckedIOException e) {
            throw new UserError(e.getMessage());
        }
        if (differences == 0) {
            System.out.println("identical: " + a + " and " + b + (quick ? " (contents not compared)" : ""));
            return 0;
        }
        System.out.println(differences + " difference" + (differences == 1 ? "" : "s")
                + " between " + a + " (A) and " + b + " (B)");
        return 1;
    }
}
