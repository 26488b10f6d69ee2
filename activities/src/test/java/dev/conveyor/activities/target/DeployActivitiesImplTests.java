package dev.conveyor.activities.target;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.conveyor.workflows.steps.DeployActivities;
import dev.conveyor.workflows.steps.DeployActivities.FinishRequest;
import dev.conveyor.workflows.steps.DeployActivities.FinishResult;
import dev.conveyor.workflows.steps.DeployActivities.HealthReport;
import dev.conveyor.workflows.steps.DeployActivities.HealthRequest;
import dev.conveyor.workflows.steps.DeployActivities.TargetDeployment;
import dev.conveyor.workflows.steps.DeployActivities.TargetRequest;
import dev.conveyor.workflows.steps.FailureTypes;
import dev.conveyor.workflows.steps.HealthSpec;
import io.temporal.failure.ApplicationFailure;
import io.temporal.testing.TestActivityEnvironment;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class DeployActivitiesImplTests {
  static final ObjectMapper JSON = new ObjectMapper();

  TestActivityEnvironment env = TestActivityEnvironment.newInstance();

  @AfterEach
  void close() {
    env.close();
  }

  /** A target whose health answers follow a script; the gate's logic is what is under test. */
  static final class ScriptedTarget implements DeployTarget {
    final AtomicInteger checks = new AtomicInteger();
    final List<ObjectNode> deployed = Collections.synchronizedList(new ArrayList<>());
    volatile int healthyAfterChecks = Integer.MAX_VALUE;
    volatile int failingChecks;

    @Override
    public String kind() {
      return "scripted";
    }

    @Override
    public TargetDeployment deploy(TargetRequest request, ObjectNode app) {
      deployed.add(app);
      return new TargetDeployment("d-1", "v-1", null, false);
    }

    @Override
    public HealthSnapshot check(TargetRequest request, TargetDeployment deployment) {
      int n = checks.incrementAndGet();
      if (n <= failingChecks) {
        throw new IllegalStateException("503 no leader");
      }
      boolean healthy = n >= healthyAfterChecks;
      return new HealthSnapshot(
          healthy ? 2 : 1, 2, healthy, healthy ? "2/2 healthy" : "1/2 healthy; task b: 503");
    }

    @Override
    public FinishResult finish(FinishRequest request) {
      return new FinishResult(request.succeeded() ? "retired old" : "removed new");
    }
  }

  static TargetRequest request(long timeoutSeconds) {
    return new TargetRequest(
        "scripted",
        "qa",
        "billing",
        "/billing",
        null,
        "/defs",
        "abc",
        "marathon/qa/billing.json",
        "localhost:5000/billing@sha256:00",
        "0123",
        new HealthSpec("/health", 8080, timeoutSeconds),
        "deploy/qa/billing/0123",
        false);
  }

  DeployActivities activities(ScriptedTarget target) {
    DeployActivitiesImpl impl =
        new DeployActivitiesImpl(
            List.of(target),
            (definitions, commit, path) ->
                (ObjectNode) JSON.createObjectNode().put("id", "/billing").put("path", path),
            Duration.ofMillis(20));
    env.registerActivitiesImplementations(impl);
    return env.newActivityStub(DeployActivities.class);
  }

  @Test
  void deployHandsTheCommittedDefinitionToTheTarget() {
    ScriptedTarget target = new ScriptedTarget();

    TargetDeployment deployment = activities(target).deploy(request(5));

    assertThat(deployment.deploymentId()).isEqualTo("d-1");
    assertThat(target.deployed)
        .singleElement()
        .satisfies(
            app -> assertThat(app.get("path").asText()).isEqualTo("marathon/qa/billing.json"));
  }

  @Test
  void waitsUntilTheTargetReportsEveryInstanceHealthy() {
    ScriptedTarget target = new ScriptedTarget();
    target.healthyAfterChecks = 4;

    HealthReport report =
        activities(target).awaitHealthy(new HealthRequest(request(5), deployment()));

    assertThat(report.summary()).isEqualTo("2/2 healthy");
    assertThat(target.checks.get()).isEqualTo(4);
  }

  @Test
  void keepsLookingWhileTheTargetIsBrieflyUnreachable() {
    ScriptedTarget target = new ScriptedTarget();
    target.failingChecks = 3;
    target.healthyAfterChecks = 5;

    HealthReport report =
        activities(target).awaitHealthy(new HealthRequest(request(5), deployment()));

    assertThat(report.healthy()).isEqualTo(2);
  }

  @Test
  void failsWithWhatItSawWhenTheDeadlinePasses() {
    ScriptedTarget target = new ScriptedTarget();

    assertThatThrownBy(
            () -> activities(target).awaitHealthy(new HealthRequest(request(1), deployment())))
        .rootCause()
        .isInstanceOf(ApplicationFailure.class)
        .hasMessageContaining("billing in qa not healthy after 1s: 1/2 healthy; task b: 503")
        .satisfies(
            e ->
                assertThat(((ApplicationFailure) e).getType())
                    .isEqualTo(FailureTypes.HEALTH_DEADLINE));
  }

  @Test
  void aRetriedGateKeepsTheFirstDeadline() {
    ScriptedTarget target = new ScriptedTarget();
    long startedLongAgo = System.currentTimeMillis() - 60_000;
    env.setHeartbeatDetails(new DeployActivitiesImpl.HealthProgress(startedLongAgo, "1/2 healthy"));

    assertThatThrownBy(
            () -> activities(target).awaitHealthy(new HealthRequest(request(30), deployment())))
        .rootCause()
        .hasMessageContaining("not healthy after 30s");
    assertThat(target.checks.get()).isEqualTo(1);
  }

  @Test
  void anUnknownTargetIsAPermanentMisconfiguration() {
    ScriptedTarget target = new ScriptedTarget();
    TargetRequest marathon =
        new TargetRequest(
            "marathon",
            "qa",
            "billing",
            "/billing",
            null,
            "/defs",
            "abc",
            "p",
            "i",
            "c",
            new HealthSpec("/health", 8080, 5),
            "id",
            false);

    assertThatThrownBy(() -> activities(target).deploy(marathon))
        .rootCause()
        .hasMessageContaining("this worker has no deploy target 'marathon'");
  }

  static TargetDeployment deployment() {
    return new TargetDeployment("d-1", "v-1", null, false);
  }
}
