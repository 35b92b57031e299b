package teefs.cli;

/** Queue indexes on the command line: decimal or 0x-prefixed hex (how dump prints them). */
final class Indexes {
    private Indexes() {
    }

    static long parse(String text, String option) {
        String t = text.trim();
        try {
            return t.startsWith("0x") || t.startsWith("0X") ? Long.parseUnsignedLong(t.substring(2), 16)
                    : Long.parseLong(t);
        } catch (NumberFormatException e) {
            throw new UserError(option + " takes a queue index (as dump prints it; 0x hex also accepted), not '" + text + "'");
        }
    }

    static String format(long index) {
        return index < 0 ? "none" : Long.toString(index);
    }
}
