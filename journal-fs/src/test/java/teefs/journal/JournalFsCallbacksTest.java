package teefs.journal;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

import ru.serce.jnrfuse.NotImplemented;
import ru.serce.jnrfuse.struct.FuseFileInfo;

/**
 * Which callbacks journal-fs hands libfuse: jnr-fuse registers a callback unless the method it finds is annotated
 * {@link NotImplemented} (FuseStubFS's own stubs are), and libfuse answers ENOSYS for the rest.
 */
class JournalFsCallbacksTest {
    @Test
    void flushIsLeftToLibfuseSoTheKernelStopsSendingIt() throws Exception {
        // a FLUSH answered ENOSYS once is never sent again: one FUSE round trip less at every close(2)
        assertThat(JournalFs.class.getMethod("flush", String.class, FuseFileInfo.class)
                .getAnnotation(NotImplemented.class)).isNotNull();
        // nor a lock callback: with one, libfuse turns flush's ENOSYS into 0 and the kernel keeps sending FLUSH
        assertThat(JournalFs.class.getMethod("lock", String.class, FuseFileInfo.class, int.class,
                ru.serce.jnrfuse.struct.Flock.class).getAnnotation(NotImplemented.class)).isNotNull();
    }
}
