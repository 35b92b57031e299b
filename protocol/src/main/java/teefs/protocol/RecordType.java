package teefs.protocol;

/**
 * The 21 record types of docs/RECORDS.md, with the layout facts a codec needs: the code in the header's type byte,
 * the size of the fixed fields that follow the header, the shape of the variable fields after them, and whether the
 * header's handle field names an open file.
 *
 * <p>Immutable, so thread-safe.
 */
public enum RecordType {
    ASSOCIATE(1, 0, VariableFields.STR, HandleUse.REQUIRED),
    WRITE(2, 24, VariableFields.DATA, HandleUse.REQUIRED),
    TRUNCATE(3, 24, VariableFields.STR, HandleUse.ZERO),
    CREATE(4, 48, VariableFields.STR, HandleUse.OPTIONAL),
    MKNOD(5, 56, VariableFields.STR, HandleUse.ZERO),
    MKDIR(6, 48, VariableFields.STR, HandleUse.ZERO),
    RMDIR(7, 16, VariableFields.STR, HandleUse.ZERO),
    UNLINK(8, 16, VariableFields.STR, HandleUse.ZERO),
    RENAME(9, 40, VariableFields.STR_STR, HandleUse.ZERO),
    SYMLINK(10, 40, VariableFields.STR_STR, HandleUse.ZERO),
    LINK(11, 16, VariableFields.STR_STR, HandleUse.ZERO),
    CHMOD(12, 8, VariableFields.STR, HandleUse.ZERO),
    CHOWN(13, 8, VariableFields.STR, HandleUse.ZERO),
    UTIMENS(14, 32, VariableFields.STR, HandleUse.ZERO),
    SETXATTR(15, 8, VariableFields.STR_STR_BLOB, HandleUse.ZERO),
    REMOVEXATTR(16, 0, VariableFields.STR_STR, HandleUse.ZERO),
    FALLOCATE(17, 40, VariableFields.NONE, HandleUse.REQUIRED),
    FSYNC(18, 8, VariableFields.NONE, HandleUse.REQUIRED),
    RELEASE(19, 0, VariableFields.NONE, HandleUse.REQUIRED),
    CHECKPOINT(20, 16, VariableFields.CHECKPOINT_ENTRIES, HandleUse.ZERO),
    MARKER(21, 8, VariableFields.STR, HandleUse.ZERO);

    /** What follows the fixed fields, packed with no gaps, up to the record's unpadded length. */
    public enum VariableFields {
        /** Nothing: the record ends right after its fixed fields. */
        NONE,
        /** One {@code str} (u16 count + bytes). */
        STR,
        /** Two {@code str}s. */
        STR_STR,
        /** Two {@code str}s then one {@code blob} (u32 count + bytes). */
        STR_STR_BLOB,
        /** Raw bytes up to the record's length. */
        DATA,
        /** {@code count} × (u32 handle, str path), count being a fixed field. */
        CHECKPOINT_ENTRIES
    }

    /** What the header's handle field may hold for a type. */
    public enum HandleUse {
        /** Names an open file; 0 is accepted by the codec, the apply engine judges it. */
        REQUIRED,
        /** A handle or 0 (CREATE of an opened file vs. of a closed one). */
        OPTIONAL,
        /** Always 0: the record names its file by path. */
        ZERO
    }

    private static final RecordType[] BY_CODE = new RecordType[32];

    static {
        for (RecordType type : values()) {
            BY_CODE[type.code] = type;
        }
    }

    private final int code;
    private final int fixedLength;
    private final VariableFields variableFields;
    private final HandleUse handleUse;

    RecordType(int code, int fixedLength, VariableFields variableFields, HandleUse handleUse) {
        this.code = code;
        this.fixedLength = fixedLength;
        this.variableFields = variableFields;
        this.handleUse = handleUse;
    }

    /** The value of the header's type byte. */
    public int code() {
        return code;
    }

    /** Bytes of fixed fields between the 16-byte header and the variable fields. */
    public int fixedLength() {
        return fixedLength;
    }

    /** Offset of the first variable field from the start of the frame. */
    public int variableOffset() {
        return RecordHeader.LENGTH + fixedLength;
    }

    public VariableFields variableFields() {
        return variableFields;
    }

    public HandleUse handleUse() {
        return handleUse;
    }

    /**
     * Whether a record of this type binds, moves or releases an open-file handle (ASSOCIATE, CREATE, RENAME, RELEASE,
     * CHECKPOINT): all a reader needs to rebuild the handle table from a CHECKPOINT up to an index where it starts
     * applying.
     */
    public boolean changesHandles() {
        return this == ASSOCIATE || this == CREATE || this == RENAME || this == RELEASE || this == CHECKPOINT;
    }

    /** The type with this code, or {@code null} when the code is unknown (any int is accepted). */
    public static RecordType fromCode(int code) {
        return code >= 0 && code < BY_CODE.length ? BY_CODE[code] : null;
    }
}
