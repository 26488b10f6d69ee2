package dev.conveyor.activities.notify;

import static org.assertj.core.api.Assertions.assertThat;

import dev.conveyor.workflows.steps.NotifierSpec;
import dev.conveyor.workflows.steps.NotifyActivities.Notification;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** An aborted deployment's message names who aborted, why and what was undone. */
class AbortedDeploymentMessageTests {

  @Test
  void abortedDeploymentSaysWhoAbortedAndWhy() {
    Notification aborted =
        new Notification(
            new NotifierSpec("webhook", "http://hooks.example/x", Map.of()),
            NotifyActivitiesImplTests.WORKFLOW + "/aborted/0",
            NotifyActivitiesImplTests.WORKFLOW,
            "prod",
            "billing",
            NotifyActivitiesImplTests.COMMIT,
            null,
            "ABORTED",
            "deploy",
            "aborted by bob: wrong commit, before step deploy; back on old",
            "alice",
            NotifyActivitiesImplTests.TIMINGS);

    String text =
        new DeploymentMessage(aborted, new NotifySettings(null, "conveyor", Duration.ofSeconds(5)))
            .text();

    assertThat(text)
        .startsWith("billing deployment aborted in prod (3f2a9c1d0b7e)")
        .contains("aborted: aborted by bob: wrong commit, before step deploy; back on old")
        .contains("started by: alice")
        .doesNotContain("failed step");
  }
}
