package teefs.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.Set;

import org.junit.jupiter.api.Test;

class RecordTypeTest {

    @Test
    void codesAreOneToTwentyOneInSpecOrder() {
        RecordType[] types = RecordType.values();
        assertThat(types).hasSize(21);
        for (int i = 0; i < types.length; i++) {
            assertThat(types[i].code()).isEqualTo(i + 1);
            assertThat(RecordType.fromCode(i + 1)).isSameAs(types[i]);
        }
    }

    @Test
    void unknownCodesAreNull() {
        Set<RecordType> seen = new HashSet<>();
        for (int code = -300; code < 300; code++) {
            RecordType type = RecordType.fromCode(code);
            if (code < 1 || code > 21) {
                assertThat(type).as("code %d", code).isNull();
            } else {
                seen.add(type);
            }
        }
        assertThat(seen).hasSize(21);
        assertThat(RecordType.fromCode(Integer.MIN_VALUE)).isNull();
        assertThat(RecordType.fromCode(Integer.MAX_VALUE)).isNull();
    }

    @Test
    void fixedLengthsMatchTheSpecTable() {
        // docs/RECORDS.md: the end of each type's last fixed field
        int[] expected = {0, 24, 24, 48, 56, 48, 16, 16, 40, 40, 16, 8, 8, 32, 8, 0, 40, 8, 0, 16, 8};
        for (RecordType type : RecordType.values()) {
            assertThat(type.fixedLength()).as(type.name()).isEqualTo(expected[type.code() - 1]);
            assertThat(type.variableOffset()).isEqualTo(16 + expected[type.code() - 1]);
        }
    }

    @Test
    void headerConstants() {
        assertThat(RecordHeader.MAX_RECORD_LENGTH).isEqualTo(1_052_672);
        assertThat(RecordHeader.MAGIC).isEqualTo(0x7EEF);
        assertThat(RecordHeader.align16(0)).isZero();
        assertThat(RecordHeader.align16(1)).isEqualTo(16);
        assertThat(RecordHeader.align16(16)).isEqualTo(16);
        assertThat(RecordHeader.align16(17)).isEqualTo(32);
        assertThat(RecordHeader.paddingFor(17)).isEqualTo(15);
        assertThat(RecordHeader.paddingFor(32)).isZero();
        assertThat(RecordHeader.align16(RecordHeader.MAX_RECORD_LENGTH)).isEqualTo(RecordHeader.MAX_FRAME_LENGTH);
    }
}
