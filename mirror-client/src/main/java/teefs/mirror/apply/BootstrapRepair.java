package teefs.mirror.apply;

/**
 * What the {@link ApplyEngine} tells, after it applied a RENAME or a LINK, to whoever repairs TARGET while the records
 * of a bootstrap window are applied (teefs.mirror.session.WindowRepair): TARGET was copied from a source that kept
 * changing, so the name a record moves or links may hold, on TARGET, another file than the one the record moved on
 * the source, or nothing. The repair may copy the record's destinations again from the source.
 *
 * <p>Paths are record paths, already checked by {@link PathGuard}. Called on the engine's thread.
 */
public interface BootstrapRepair {
    /**
     * A RENAME of {@code from} to {@code to} was applied (a RENAME_EXCHANGE when {@code exchange}).
     *
     * @return true when TARGET's files at or under the destination(s) were copied again (their inodes may be new)
     */
    boolean renamed(long index, String from, String to, boolean exchange);

    /**
     * A LINK of {@code existing} to {@code created} was applied.
     *
     * @return true when TARGET's files at {@code existing} and {@code created} were copied again
     */
    boolean linked(long index, String existing, String created);
}
