package dev.conveyor.cli.trigger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.conveyor.cli.Target;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Branch rules and ref routing, shared by the hook and the webhook. */
class PushRoutingTests {
  static final String OLD = "1".repeat(40);
  static final String NEW = "2".repeat(40);
  static final String ZEROS = "0".repeat(40);

  static PushRouter router(String... rules) {
    return new PushRouter(
        new TriggerConfig(
            Target.service("billing"), BranchMapping.parse(List.of(rules)), "/srv/config"));
  }

  @Test
  void theFirstMatchingRuleWinsAndStarMatchesSlashes() {
    BranchMapping mapping =
        BranchMapping.parse(List.of("release/hotfix*=prod", "release/*=staging", "main=qa"));

    assertThat(mapping.envFor("main")).hasValue("qa");
    assertThat(mapping.envFor("release/1.2")).hasValue("staging");
    assertThat(mapping.envFor("release/1.2/fix")).hasValue("staging");
    assertThat(mapping.envFor("release/hotfix-7")).hasValue("prod");
    assertThat(mapping.envFor("mainline")).isEmpty();
    assertThat(mapping.envFor("feature/main")).isEmpty();
  }

  @Test
  void patternsAreLiteralExceptForTheStar() {
    BranchMapping mapping = BranchMapping.parse(List.of("v1.0+x=qa", "refs/heads/dev=qa"));

    assertThat(mapping.envFor("v1.0+x")).hasValue("qa");
    assertThat(mapping.envFor("v1x0+x")).isEmpty();
    assertThat(mapping.envFor("dev")).hasValue("qa");
  }

  @Test
  void malformedRulesAreAllNamed() {
    assertThatThrownBy(() -> BranchMapping.parse(List.of("main", "=qa", "dev=qa", "x=")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("branch mapping 'main', '=qa', 'x=' are not BRANCH=ENV");
  }

  @Test
  void aMappedBranchStartsItsTargetAtTheNewCommit() {
    List<PushRouter.Decision> decisions =
        router("main=qa").route(List.of(new RefUpdate(OLD, NEW, "refs/heads/main")), "hook:alice");

    assertThat(PushRouter.starts(decisions))
        .containsExactly(
            new PendingStart(Target.service("billing"), "qa", NEW, "/srv/config", "hook:alice"));
  }

  @Test
  void tagsDeletionsOtherRefsAndUnmappedBranchesAreIgnoredWithAReason() {
    List<PushRouter.Decision> decisions =
        router("main=qa", "release/*=prod")
            .route(
                List.of(
                    new RefUpdate(ZEROS, NEW, "refs/tags/v1"),
                    new RefUpdate(OLD, ZEROS, "refs/heads/main"),
                    new RefUpdate(OLD, NEW, "refs/notes/commits"),
                    new RefUpdate(OLD, NEW, "refs/heads/feature")),
                "hook:alice");

    assertThat(decisions)
        .extracting(d -> ((PushRouter.Ignore) d).reason())
        .containsExactly(
            "tag", "branch deleted", "not a branch", "branch not mapped; mapped: main, release/*");
  }

  @Test
  void severalRefsGiveOneStartEachInPushOrder() {
    List<PushRouter.Decision> decisions =
        router("main=qa", "release/*=prod")
            .route(
                List.of(
                    new RefUpdate(OLD, NEW, "refs/heads/release/2"),
                    new RefUpdate(OLD, NEW, "refs/heads/main")),
                "hook:alice");

    assertThat(PushRouter.starts(decisions))
        .extracting(PendingStart::env)
        .containsExactly("prod", "qa");
  }

  @Test
  void hookLinesAreParsedAndBadOnesRefused() {
    assertThat(RefUpdate.parse(OLD + " " + NEW + " refs/heads/main\n"))
        .isEqualTo(new RefUpdate(OLD, NEW, "refs/heads/main"));
    assertThat(RefUpdate.parse(ZEROS + " " + "a".repeat(64) + " refs/heads/sha256").deleted())
        .isFalse();
    assertThatThrownBy(() -> RefUpdate.parse("main " + NEW + " refs/heads/main"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("is not '<old-id> <new-id> <ref>'");
    assertThatThrownBy(() -> RefUpdate.parse(OLD + " " + NEW))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
