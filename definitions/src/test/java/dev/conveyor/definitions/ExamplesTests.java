package dev.conveyor.definitions;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The example definitions that the README, the docs and the CLI tests use. */
class ExamplesTests {

  @Test
  void exampleDefinitionsLoadWithoutAnyProblem() {
    LoadResult result = Definitions.load(Fixtures.examples().resolve("definitions"));

    assertThat(result.problems()).isEmpty();
    Definitions d = result.definitions().orElseThrow();
    assertThat(d.services().keySet()).containsExactly("accounts", "billing", "web");
    assertThat(d.graph().layers())
        .containsExactly(List.of("accounts"), List.of("billing"), List.of("web"));
    assertThat(d.stack("payments")).containsExactly("accounts", "billing", "web");
    assertThat(d.environment("prod").approvalRequired()).isTrue();
    assertThat(d.environment("prod").marathon()).isPresent();
    assertThat(d.environment("prod").consul()).isPresent();
    assertThat(d.environment("qa").target()).isEqualTo(Target.DOCKER);
    assertThat(d.notifiers())
        .extracting(Notifier::url)
        .containsExactly("${env:CONVEYOR_WEBHOOK_URL}");
  }

  @Test
  void cycleExampleIsRejectedWithTheCyclePath() {
    LoadResult result = Definitions.load(Fixtures.examples().resolve("definitions-cycle"));

    assertThat(result.ok()).isFalse();
    assertThat(result.problems())
        .extracting(Problem::format)
        .containsExactly(
            "conveyor.yaml:13:17: dependency cycle: accounts -> billing -> web -> accounts (remove"
                + " one of these dependsOn entries)");
  }
}
