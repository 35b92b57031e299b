package teefs.it;

import static org.assertj.core.api.Assertions.assertThat;
import static teefs.it.Shell.sh;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The end-to-end fault suite: a real mount under {@code teefs up} supervision with three mirrors (two on Unix
 * sockets, one over TCP through a {@link FaultProxy} onto its own small drive), a mixed workload
 * ({@link FaultWorkload}), and one scenario per fault: SIGKILL of the broadcaster, of mirrors and of journal-fs at
 * random moments; connections dropped and black-holed; the mirror drive filling up and being freed; the queue disk
 * filling up (writes fail with ENOSPC) and being freed. Every scenario ends with the mirrors converged and
 * {@code teefs verify STORE MIRROR} passing for all three. The report (faults injected, outcome) is printed and
 * written to target/fault-suite-report.txt.
 */
@Timeout(900)
class FaultSuiteTest {
    @TempDir(cleanup = org.junit.jupiter.api.io.CleanupMode.ON_SUCCESS)
    Path root;
    private final List<Path> tmpfs = new ArrayList<>();
    private final List<String> report = new ArrayList<>();

    /** Set when every scenario passed; otherwise the tmpfs contents are kept (see {@link #unmount}). */
    private boolean passed;

    @AfterEach
    void unmount() throws Exception {
        for (Path p : tmpfs) {
            if (!passed) {
                // a failed run keeps its temporary directory (logs); its journal and disk3's saved state lived on
                // these tmpfs mounts, and are what explains a failure: copied next to it before they go
                Path kept = p.resolveSibling(p.getFileName() + "-kept");
                new ProcessBuilder("cp", "-a", p.toString(), kept.toString()).inheritIO().start().waitFor();
                System.out.println("fault suite failed: the contents of " + p + " are kept in " + kept);
            }
            Mounts.detach(p);
        }
    }

    @Test
    void everyFaultEndsInThreeVerifiedMirrors() throws Exception {
        Fuse.assumeAvailable();
        long seed = Long.getLong("teefs.fault.seed", System.nanoTime());
        Random random = new Random(seed);
        Path queueFs = Files.createDirectories(root.resolve("queuefs"));
        Path drive3 = Files.createDirectories(root.resolve("drive3"));
        boolean small = mountTmpfs(queueFs, "4096m") && mountTmpfs(drive3, "1024m");
        int tcpPort = freePort();
        try (FaultProxy proxy = new FaultProxy(tcpPort);
                UpFixture up = new UpFixture(root.resolve("up"), queueFs.resolve("queue"))) {
            up.config("""
                    [broadcast]
                    listen = ["unix:%s", "tcp://127.0.0.1:%d"]
                    heartbeat = "500ms"
                    idle_timeout = "3s"
                    hello_timeout = "3s"
                    [supervise]
                    backoff_initial = "200ms"
                    backoff_max = "2s"
                    storm_limit = 20
                    stable_after = "5s"
                    """.formatted(root.resolve("up/teefs.sock"), tcpPort),
                    "disk1", root.resolve("disk1").toString(), "",
                    "disk2", root.resolve("disk2").toString(), "",
                    "disk3", drive3.resolve("teefs").toString(),
                    "connect = \"tcp://127.0.0.1:" + proxy.port() + "\"");
            up.start();
            Path mount = up.mount;
            // the mirrors bootstrap from the empty store first: the scenarios inject faults into running mirrors.
            // A bootstrap under a busy writer is MirrorCrashTest's subject; the false hard-link groups rsync -H can
            // make then (an inode number reused during its listing) are undone by the window's LinkGroupAudit
            for (String name : up.mirrorNames) {
                up.awaitOutput("mirror " + name + " connected", Duration.ofSeconds(120));
            }

            // 1. SIGKILL of the broadcaster, three times, during 10,000 small files and the mixed workload
            scenario(up, "SIGKILL broadcaster", mount.resolve("s1"), random, 10_000, 3, () -> {
                long pid = up.kill9("broadcast");
                up.awaitNewChild(pid, Duration.ofSeconds(30), "broadcast");
            });

            // 2. SIGKILL of a mirror (a random one each time)
            scenario(up, "SIGKILL mirror", mount.resolve("s2"), random, 0, 3, () -> {
                String name = up.mirrorNames.get(random.nextInt(up.mirrorNames.size()));
                long pid = up.kill9("mirror", name);
                up.awaitNewChild(pid, Duration.ofSeconds(30), "mirror", name);
            });

            // 3. SIGKILL of journal-fs: the supervisor detaches the stale mount and mounts again
            scenario(up, "SIGKILL journal-fs", mount.resolve("s3"), random, 0, 2, () -> {
                long pid = up.kill9("journal");
                up.awaitNewChild(pid, Duration.ofSeconds(30), "journal");
                Fuse.awaitMounted(mount, up.process(), Duration.ofSeconds(60));
            });

            // 4. the TCP link of disk3 dropped, then black-holed for longer than the idle timeout, then restored
            int[] cut = {0};
            scenario(up, "connection cut / black hole (disk3)", mount.resolve("s4"), random, 0, 3, () -> {
                if (cut[0]++ % 3 == 2) {
                    proxy.blackhole(true);
                    Thread.sleep(6000);
                    proxy.blackhole(false);
                } else {
                    proxy.drop();
                }
            });

            if (small) {
                // 5. disk3's drive fills up; the mirror pauses (it must not be failed), then the space is freed
                Path filler = drive3.resolve("filler");
                scenarioWith(up, "mirror drive full (disk3)", mount.resolve("s5"), random, 1, () -> {
                    fill(filler, 0);
                }, () -> {
                    assertThat(up.process().output()).as("a full drive is a pause, not a failure")
                            .doesNotContain("mirror disk3 FAILED").doesNotContain("mirror disk3 exited with code 3");
                    Files.deleteIfExists(filler);
                });

                // 6. the queue disk fills up: writes fail with ENOSPC, nothing is lost, all recovers once freed
                Path qfiller = queueFs.resolve("filler");
                scenarioWith(up, "queue disk full", mount.resolve("s6"), random, 1, () -> {
                    fill(qfiller, 32L << 20); // leave 32 MiB: below the journal's 64 MiB reserve
                    String out = sh(mount, "mkdir -p s6 && (dd if=/dev/zero of=s6/refused bs=1M count=4 2>&1 || true)");
                    assertThat(out).contains("No space left on device");
                }, () -> {
                    Files.deleteIfExists(qfiller);
                    long free = Files.getFileStore(queueFs).getUsableSpace();
                    assertThat(free).as("after freeing, the queue disk must be above the journal's 64 MiB reserve "
                            + "again, or this scenario tests nothing (the journal itself filled it?)")
                            .isGreaterThan(96L << 20);
                    sh(mount, "dd if=/dev/urandom of=s6/after-free bs=1M count=4 status=none");
                });
            } else {
                report.add(String.format("%-38s %s", "mirror drive full / queue disk full",
                        "SKIPPED: cannot mount a tmpfs here (needs root)"));
            }
            up.stop();
            assertThat(up.log("journal")).doesNotContain("Exception in thread");
            passed = true;
        } finally {
            String text = "fault suite, seed " + seed + "\n" + String.join("\n", report) + "\n";
            System.out.print(text);
            Files.writeString(Path.of("target", "fault-suite-report.txt"), text);
        }
    }

    interface Fault {
        void inject() throws Exception;
    }

    /** Runs the workload for a while, injecting {@code faults} at random moments; converges and verifies. */
    private void scenario(UpFixture up, String name, Path dir, Random random, int smallFiles, int faults, Fault fault)
            throws Exception {
        long t0 = System.nanoTime();
        long maxLagMs = 0;
        String counters;
        try (FaultWorkload w = FaultWorkload.start(dir, random.nextLong(), 120, smallFiles)) {
            Thread.sleep(smallFiles > 0 ? 3000 : 1000);
            for (int i = 0; i < faults; i++) {
                Thread.sleep(500 + random.nextInt(2500));
                assertThat(w.isAlive()).as("the workload must still run when fault %d of %s comes", i + 1, name).isTrue();
                fault.inject();
            }
            Thread.sleep(1000);
            counters = w.stop();
        }
        long c0 = System.nanoTime();
        up.awaitConverged(Duration.ofSeconds(180));
        maxLagMs = (System.nanoTime() - c0) / 1_000_000;
        up.verifyAll();
        report.add(String.format("%-38s faults %d  %s  converged %d ms after the writer stopped  verify x%d OK  (%.0f s)",
                name, faults, counters, maxLagMs, up.targets.size(), (System.nanoTime() - t0) / 1e9));
    }

    /** One fault held for a while (fill), the workload running meanwhile, then released (free). */
    private void scenarioWith(UpFixture up, String name, Path dir, Random random, int faults, Fault hold, Fault release)
            throws Exception {
        long t0 = System.nanoTime();
        String counters;
        Files.createDirectories(dir);
        try (FaultWorkload w = FaultWorkload.start(dir, random.nextLong(), 120, 0)) {
            Thread.sleep(1000);
            hold.inject();
            Thread.sleep(5000);
            release.inject();
            Thread.sleep(2000);
            counters = w.stop();
        }
        long c0 = System.nanoTime();
        up.awaitConverged(Duration.ofSeconds(180));
        long convergeMs = (System.nanoTime() - c0) / 1_000_000;
        up.verifyAll();
        report.add(String.format("%-38s faults %d  %s  converged %d ms after the writer stopped  verify x%d OK  (%.0f s)",
                name, faults, counters, convergeMs, up.targets.size(), (System.nanoTime() - t0) / 1e9));
    }

    /** Fills the filesystem of {@code file} until at most {@code leave} bytes are free. */
    private static void fill(Path file, long leave) throws IOException {
        long free = Files.getFileStore(file.getParent()).getUsableSpace();
        long size = Math.max(0, free - leave);
        byte[] chunk = new byte[1 << 20];
        try (var out = Files.newOutputStream(file, StandardOpenOption.CREATE, StandardOpenOption.APPEND)) {
            for (long done = 0; done < size; done += chunk.length) {
                out.write(chunk, 0, (int) Math.min(chunk.length, size - done));
            }
        } catch (IOException full) {
            // ENOSPC: exactly what we wanted
        }
    }

    private boolean mountTmpfs(Path dir, String size) throws Exception {
        if (Mounts.mount("-t", "tmpfs", "-o", "size=" + size, "teefs-fault-test", dir.toString())) {
            tmpfs.add(dir);
            return true;
        }
        return false;
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
