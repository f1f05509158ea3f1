package dev.outboxkit.reconcile;

/** Option values shared by the commands of this module (reconcile.sh). */
final class Arguments {

    private Arguments() {
    }

    /** A number from 1 to Integer.MAX_VALUE, or an error that names the option and the value given. */
    static int positive(String option, String value) {
        try {
            int number = Integer.parseInt(value);
            if (number > 0) {
                return number;
            }
        } catch (NumberFormatException e) {
            // Reported below.
        }
        throw new IllegalArgumentException(option + " needs a positive number, not '" + value + "'");
    }
}
