package dev.conveyor.definitions;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Durations, suggestions, names, problem formatting and ordering, secret URL detection. */
class SmallPartsTests {

  @Test
  void durationsAcceptHoursMinutesAndSecondsInThatOrder() {
    assertThat(Durations.parse("30s")).contains(Duration.ofSeconds(30));
    assertThat(Durations.parse("5m")).contains(Duration.ofMinutes(5));
    assertThat(Durations.parse("1h")).contains(Duration.ofHours(1));
    assertThat(Durations.parse("1h30m")).contains(Duration.ofMinutes(90));
    assertThat(Durations.parse("1h0m5s")).contains(Duration.ofSeconds(3605));
    assertThat(Durations.parse("30")).isEmpty();
    assertThat(Durations.parse("0s")).isEmpty();
    assertThat(Durations.parse("5m1h")).isEmpty();
    assertThat(Durations.parse("")).isEmpty();
    assertThat(Durations.parse("PT5M")).isEmpty();
    assertThat(Durations.format(Duration.ofMinutes(90))).isEqualTo("1h30m");
  }

  @Test
  void suggestionsFindCaseSlipsTyposAndPrefixes() {
    List<String> keys = List.of("repo", "dockerfile", "context", "app", "health", "dependsOn");

    assertThat(Suggestions.closest("dependson", keys)).contains("dependsOn");
    assertThat(Suggestions.closest("helth", keys)).contains("health");
    assertThat(Suggestions.closest("depends", keys)).contains("dependsOn");
    assertThat(Suggestions.closest("docker", keys)).contains("dockerfile");
    assertThat(Suggestions.closest("region", keys)).isEmpty();
    assertThat(Suggestions.distance("kitten", "sitting")).isEqualTo(3);
  }

  @Test
  void namesFollowTheDnsLikeRule() {
    assertThat(Names.isValid("billing")).isTrue();
    assertThat(Names.isValid("0-api-v2")).isTrue();
    assertThat(Names.isValid("a".repeat(63))).isTrue();
    assertThat(Names.isValid("a".repeat(64))).isFalse();
    assertThat(Names.isValid("-billing")).isFalse();
    assertThat(Names.isValid("Billing")).isFalse();
    assertThat(Names.isValid("billing_v2")).isFalse();
  }

  @Test
  void problemsFormatLikeACompilerAndSortByFileLineColumn() {
    Problem late = Fixtures.error("marathon/a.json", 2, 1, "late");
    Problem warn = Fixtures.warning("conveyor.yaml", 3, 7, "careful");
    Problem early = Fixtures.error("conveyor.yaml", 3, 5, "early");

    List<Problem> sorted = new ArrayList<>(List.of(late, warn, early));
    sorted.sort(Problem.BY_LOCATION);

    assertThat(sorted).containsExactly(early, warn, late);
    assertThat(early.format()).isEqualTo("conveyor.yaml:3:5: early");
    assertThat(warn.format()).isEqualTo("conveyor.yaml:3:7: warning: careful");
    assertThat(new LoadResult(java.util.Optional.empty(), List.of(late, warn, early)).problems())
        .containsExactly(early, warn, late);
  }

  @Test
  void credentialsInUrlsAreFoundButReferencesAreNot() {
    assertThat(SecretScanner.credentialInUrl("https://u:p@h/x")).isPresent();
    assertThat(SecretScanner.credentialInUrl("https://u:${env:P}@h/x")).isEmpty();
    assertThat(SecretScanner.credentialInUrl("ssh://git@h/x.git")).isEmpty();
    assertThat(SecretScanner.credentialInUrl("https://hooks.slack.com/services/T/B/x")).isPresent();
    assertThat(SecretScanner.credentialInUrl("https://hooks.slack.com/services/${env:SLACK}"))
        .isEmpty();
    assertThat(SecretScanner.credentialInUrl("https://h/x?v=1&api_key=abc")).isPresent();
    assertThat(SecretScanner.credentialInUrl("https://h/x?token=${env:T}")).isEmpty();
    assertThat(SecretScanner.credentialInUrl("https://h/x?keyboard=abc")).isEmpty();
    assertThat(SecretScanner.credentialInUrl("../accounts.git")).isEmpty();
  }
}
