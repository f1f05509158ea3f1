package dev.outboxkit.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** Every command answers --help with its usage, and wrong usage with one line that names the option. */
class CommandsTest {

    @Command(name = "demo.sh", description = "A demo command.")
    static final class Demo implements Commands.Validated {
        @Option(
                names = "--count",
                paramLabel = "N",
                defaultValue = "3",
                description = "how many (default ${DEFAULT-VALUE})")
        int count;

        @Option(names = "--mode", paramLabel = "a|b", defaultValue = "a", description = "the mode")
        String mode;

        @Override
        public void validate() {
            if (!mode.equals("a") && !mode.equals("b")) {
                throw new IllegalArgumentException("--mode must be a or b, not '" + mode + "'");
            }
        }
    }

    @Test
    void optionsAreReadAndDefaultsApply() {
        assertThat(Commands.parse("demo.sh", new Demo(), "--count", "7").command().count)
                .isEqualTo(7);
        assertThat(Commands.parse("demo.sh", new Demo()).command().count).isEqualTo(3);
    }

    @Test
    void helpGivesTheUsageWithTheDefaultsAndSkipsTheRules() {
        Commands.Parsed<Demo> parsed = Commands.parse("demo.sh", new Demo(), "--mode", "z", "--help");
        assertThat(parsed.helpRequested()).isTrue();
        assertThat(parsed.usage())
                .startsWith("Usage: demo.sh")
                .contains("--count=N", "how many (default 3)", "A demo command.", "-h, --help", "this help");
        assertThat(Commands.parse("demo.sh", new Demo(), "-h").helpRequested()).isTrue();
    }

    @Test
    void wrongUsageIsOneLineNamingTheOption() {
        assertThatThrownBy(() -> Commands.parse("demo.sh", new Demo(), "--count"))
                .hasMessage("demo.sh: Missing required parameter for option '--count' (N)");
        assertThatThrownBy(() -> Commands.parse("demo.sh", new Demo(), "--count", "many"))
                .hasMessageStartingWith("demo.sh: Invalid value for option '--count': 'many' is not an int")
                .hasMessageNotContaining("\n");
        assertThatThrownBy(() -> Commands.parse("demo.sh", new Demo(), "--bogus"))
                .hasMessage("demo.sh: Unknown option: '--bogus'");
        assertThatThrownBy(() -> Commands.parse("demo.sh", new Demo(), "--mode", "z"))
                .hasMessage("demo.sh: --mode must be a or b, not 'z'");
        assertThatThrownBy(() -> Commands.parse("demo.sh", new Demo(), "stray"))
                .isInstanceOf(Commands.UsageError.class)
                .hasMessageContaining("'stray'")
                .hasMessageNotContaining("\n");
    }
}
