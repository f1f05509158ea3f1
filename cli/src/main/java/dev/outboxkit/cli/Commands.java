package dev.outboxkit.cli;

import java.io.PrintStream;

import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

/**
 * Reads a command's options the one way every outboxkit command does: picocli fills an object annotated with
 * {@code @Command} and {@code @Option}s; {@code -h}/{@code --help} prints the usage on standard output (exit 0);
 * any wrong usage (an unknown option, a missing or malformed value, a rule of the command's own) is one line on
 * standard error naming the option, with exit status 2.
 */
public final class Commands {

    /** Exit status of wrong usage, as for Kafka's tools and most Unix commands. */
    public static final int USAGE = 2;

    private Commands() {}

    /** Checks an option rule picocli cannot express; its message names the option. */
    public interface Validated {
        void validate();
    }

    /** What {@link #parse} found: the filled command, or that help was asked for (then {@code usage} holds it). */
    public record Parsed<T>(T command, boolean helpRequested, String usage) {}

    /**
     * Fills {@code command} from {@code args}.
     *
     * @throws UsageError on wrong usage, with the one line to print
     */
    public static <T> Parsed<T> parse(String name, T command, String... args) {
        CommandLine line = new CommandLine(command).setCommandName(name).setUsageHelpWidth(120);
        line.getCommandSpec().addMixin("help", CommandSpec.forAnnotatedObject(new HelpOption()));
        try {
            line.parseArgs(args);
        } catch (ParameterException e) {
            throw new UsageError(name + ": " + oneLine(e.getMessage()));
        }
        if (line.isUsageHelpRequested()) {
            return new Parsed<>(command, true, line.getUsageMessage());
        }
        if (command instanceof Validated validated) {
            try {
                validated.validate();
            } catch (IllegalArgumentException e) {
                throw new UsageError(name + ": " + oneLine(e.getMessage()));
            }
        }
        return new Parsed<>(command, false, null);
    }

    /**
     * For a {@code main}: the filled command, or the process ends: with the usage and exit 0 on {@code --help}, with
     * one line and exit 2 on wrong usage.
     */
    public static <T> T parseOrExit(String name, T command, String... args) {
        return parseOrExit(name, command, System.out, System.err, args);
    }

    static <T> T parseOrExit(String name, T command, PrintStream out, PrintStream err, String... args) {
        try {
            Parsed<T> parsed = parse(name, command, args);
            if (parsed.helpRequested()) {
                out.print(parsed.usage());
                out.flush();
                System.exit(0);
            }
            return parsed.command();
        } catch (UsageError e) {
            err.println(e.getMessage() + " (see " + name + " --help)");
            err.flush();
            System.exit(USAGE);
            return null;
        }
    }

    /** The one option every command has, so that no command declares it: {@code -h}/{@code --help}. */
    static final class HelpOption {
        @Option(
                names = {"-h", "--help"},
                usageHelp = true,
                description = "this help")
        boolean help;
    }

    private static String oneLine(String message) {
        String text = message == null ? "wrong usage" : message.strip();
        int newline = text.indexOf('\n');
        return newline < 0 ? text : text.substring(0, newline).strip();
    }

    /** Wrong usage; the message is the one line to show. */
    public static final class UsageError extends IllegalArgumentException {
        private static final long serialVersionUID = 1L;

        public UsageError(String message) {
            super(message);
        }
    }
}
