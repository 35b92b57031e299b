package teefs.mirror.session;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;

class RsyncErrorsTest {
    /** What rsync 3.5.0 printed when a busy writer truncated a log while a bootstrap copied it. */
    private static final String TRUNCATED_UNDER_RSYNC = """
            file has vanished: "/srv/store/w3/f17.renamed"
            rsync: [sender] read errors mapping "/srv/store/w3/big.log": No data available (61)
            rsync: [sender] read errors mapping "/srv/store/w3/big.log": No data available (61)
            ERROR: w3/big.log failed verification -- update retained.
            rsync error: some files/attrs were not transferred (see previous errors) (code 23) at main.c(1394) \
            [sender=3.5.0]
            """;

    @Test
    void filesChangingUnderRsyncAreToldApartAndEveryLineIsPassedOn() throws Exception {
        ByteArrayOutputStream echoed = new ByteArrayOutputStream();
        RsyncErrors errors = read(TRUNCATED_UNDER_RSYNC, echoed);
        assertThat(errors.onlyFilesChangingUnderRsync()).isTrue();
        assertThat(echoed.toString(StandardCharsets.UTF_8)).isEqualTo(TRUNCATED_UNDER_RSYNC);
    }

    @Test
    void anyOtherErrorIsARealOne() throws Exception {
        for (String real : new String[] {
            "rsync: [sender] send_files failed to open \"/srv/store/secret\": Permission denied (13)",
            "rsync: [receiver] write failed on \"/pool/disk1/big\": No space left on device (28)",
            "rsync: [sender] read errors mapping \"/srv/store/bad\": Input/output error (5)",
            "rsync: [Receiver] mkstemp \"/pool/disk1/.x.abc\" failed: Read-only file system (30)",
        }) {
            RsyncErrors errors = read(TRUNCATED_UNDER_RSYNC + real + "\n", new ByteArrayOutputStream());
            assertThat(errors.onlyFilesChangingUnderRsync()).as(real).isFalse();
        }
    }

    @Test
    void noErrorOutputIsNoError() throws Exception {
        assertThat(read("", new ByteArrayOutputStream()).onlyFilesChangingUnderRsync()).isTrue();
    }

    private static RsyncErrors read(String text, ByteArrayOutputStream echoed) throws InterruptedException {
        RsyncErrors errors = new RsyncErrors(new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8)),
                new PrintStream(echoed, true, StandardCharsets.UTF_8));
        errors.start();
        errors.join();
        return errors;
    }
}
