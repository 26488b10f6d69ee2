package dev.conveyor.activities.marathon;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.conveyor.activities.simulators.MarathonSimulator;
import dev.conveyor.activities.simulators.SimClock;
import dev.conveyor.activities.target.DeployTarget.HealthSnapshot;
import dev.conveyor.workflows.steps.DeployActivities.FinishRequest;
import dev.conveyor.workflows.steps.DeployActivities.TargetDeployment;
import dev.conveyor.workflows.steps.DeployActivities.TargetRequest;
import dev.conveyor.workflows.steps.FailureTypes;
import dev.conveyor.workflows.steps.HealthSpec;
import io.temporal.failure.ApplicationFailure;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import mockwebserver3.RecordedRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

class MarathonTargetTests {
  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final String IMAGE_1 = "localhost:5000/billing@sha256:1111";
  private static final String IMAGE_2 = "localhost:5000/billing@sha256:2222";

  private final SimClock clock = new SimClock();
  private MarathonSimulator marathon;

  @AfterEach
  void stop() {
    if (marathon != null) {
      marathon.close();
    }
  }

  private static MarathonSettings settings(Duration lockWait) {
    return new MarathonSettings(
        null, null, null, Duration.ofSeconds(5), lockWait, Duration.ofMillis(20));
  }

  private static MarathonTarget target() {
    return new MarathonTarget(settings(Duration.ofSeconds(10)));
  }

  private TargetRequest request(String image, boolean force) {
    return new TargetRequest(
        "marathon",
        "prod",
        "billing",
        "/billing",
        marathon.url(),
        "/defs",
        "cfg0001",
        "marathon/prod/billing.json",
        image,
        "abc123",
        new HealthSpec("/health", 8080, 300),
        "deploy/prod/billing/abc123",
        force);
  }

  private static ObjectNode app(String image, int instances) {
    ObjectNode app = MAPPER.createObjectNode();
    app.put("id", "/billing").put("instances", instances).put("cpus", 0.1).put("mem", 32);
    ObjectNode container = app.putObject("container").put("type", "DOCKER");
    container.putObject("docker").put("image", image);
    app.putArray("healthChecks")
        .addObject()
        .put("protocol", "MESOS_HTTP")
        .put("path", "/health")
        .put("portIndex", 0);
    return app;
  }

  @Test
  void deployPutsTheCommittedDefinitionWholeAndReturnsMarathonsDeployment() {
    marathon = MarathonSimulator.start(clock).deploymentDuration(Duration.ofSeconds(10));
    ObjectNode app = app(IMAGE_1, 2);

    TargetDeployment deployment = target().deploy(request(IMAGE_1, false), app);

    assertThat(deployment.alreadyLive()).isFalse();
    assertThat(marathon.activeDeployments()).containsExactly(deployment.deploymentId());
    assertThat(marathon.version("/billing")).contains(deployment.version());
    assertThat(marathon.putBodies("/billing")).containsExactly(app);
    RecordedRequest put = lastPut();
    assertThat(put.getUrl().queryParameter("force")).isEqualTo("false");
    assertThat(put.getUrl().queryParameter("partialUpdate")).isEqualTo("false");
  }

  @Test
  void healthyOnlyOnceTheDeploymentIsGoneAndEveryTaskRunsTheNewVersion() {
    marathon =
        MarathonSimulator.start(clock)
            .deploymentDuration(Duration.ofSeconds(30))
            .tasksHealthyAfter(Duration.ofSeconds(10));
    MarathonTarget target = target();
    clock.advance(Duration.ofSeconds(40));
    target.deploy(request(IMAGE_1, false), app(IMAGE_1, 3));
    clock.advance(Duration.ofSeconds(40));
    TargetDeployment second = target.deploy(request(IMAGE_2, false), app(IMAGE_2, 3));

    HealthSnapshot starting = target.check(request(IMAGE_2, false), second);
    assertThat(starting.done()).isFalse();
    assertThat(starting.healthy()).isZero();
    assertThat(starting.expected()).isEqualTo(3);
    assertThat(starting.summary())
        .startsWith("0/3 healthy")
        .contains("deployment " + second.deploymentId() + " in progress")
        .contains("3 task(s) of an older version still running")
        .contains("Connection refused");

    clock.advance(Duration.ofSeconds(15));
    HealthSnapshot healthyButRolling = target.check(request(IMAGE_2, false), second);
    assertThat(healthyButRolling.healthy()).isEqualTo(3);
    assertThat(healthyButRolling.done()).as("deployment still listed").isFalse();

    clock.advance(Duration.ofSeconds(20));
    HealthSnapshot done = target.check(request(IMAGE_2, false), second);
    assertThat(done.done()).isTrue();
    assertThat(done.summary()).isEqualTo("3/3 healthy");
  }

  @Test
  void tasksThatNeverTurnHealthyKeepTheRolloutOpenAndSayWhy() {
    marathon =
        MarathonSimulator.start(clock)
            .tasksNeverHealthy("/billing", "InvalidHttpResponse: HTTP 503 Service Unavailable");
    MarathonTarget target = target();
    TargetDeployment deployment = target.deploy(request(IMAGE_1, false), app(IMAGE_1, 2));

    clock.advance(Duration.ofMinutes(30));
    HealthSnapshot snapshot = target.check(request(IMAGE_1, false), deployment);

    assertThat(snapshot.done()).isFalse();
    assertThat(snapshot.summary())
        .startsWith("0/2 healthy")
        .contains("HTTP 503 Service Unavailable")
        .contains("in progress");
    assertThat(marathon.activeDeployments()).containsExactly(deployment.deploymentId());
  }

  @Test
  void aLockedAppIsWaitedForThenDeployed() {
    marathon =
        MarathonSimulator.start()
            .deploymentDuration(Duration.ofMillis(400))
            .tasksHealthyAfter(Duration.ofMillis(50));
    MarathonTarget target = target();
    TargetDeployment first = target.deploy(request(IMAGE_1, false), app(IMAGE_1, 1));
    long started = System.nanoTime();

    TargetDeployment second = target.deploy(request(IMAGE_2, false), app(IMAGE_2, 1));

    assertThat(Duration.ofNanos(System.nanoTime() - started)).isGreaterThan(Duration.ofMillis(200));
    assertThat(second.deploymentId()).isNotEqualTo(first.deploymentId());
    assertThat(second.alreadyLive()).isFalse();
    List<RecordedRequest> puts =
        marathon.requests().stream().filter(r -> r.getMethod().equals("PUT")).toList();
    assertThat(puts).hasSize(3); // first, the one answered 409, the retry
    assertThat(puts).allMatch(r -> "false".equals(r.getUrl().queryParameter("force")));
    assertThat(marathon.requests())
        .anyMatch(r -> r.getUrl().encodedPath().equals("/v2/deployments"));
    assertThat(marathon.definition("/billing").orElseThrow().at("/container/docker/image").asText())
        .isEqualTo(IMAGE_2);
  }

  @Test
  void forceIsSentOnlyWhenTheRequestAsksAndOverridesTheLock() {
    marathon = MarathonSimulator.start(clock).deploymentDuration(Duration.ofHours(1));
    MarathonTarget target = target();
    TargetDeployment first = target.deploy(request(IMAGE_1, false), app(IMAGE_1, 1));

    TargetDeployment forced = target.deploy(request(IMAGE_2, true), app(IMAGE_2, 1));

    assertThat(lastPut().getUrl().queryParameter("force")).isEqualTo("true");
    assertThat(marathon.activeDeployments())
        .containsExactly(forced.deploymentId())
        .doesNotContain(first.deploymentId());
  }

  @Test
  void aLockThatOutlastsTheWaitFailsTransiently() {
    marathon = MarathonSimulator.start(clock).tasksNeverHealthy("/billing", "HTTP 500");
    MarathonTarget target = new MarathonTarget(settings(Duration.ofMillis(150)));
    TargetDeployment stuck = target.deploy(request(IMAGE_1, false), app(IMAGE_1, 1));

    assertThatThrownBy(() -> target.deploy(request(IMAGE_2, false), app(IMAGE_2, 1)))
        .isInstanceOfSatisfying(
            MarathonException.class,
            e -> {
              assertThat(e.status()).isEqualTo(409);
              assertThat(e.deploymentIds()).containsExactly(stuck.deploymentId());
            })
        .isNotInstanceOf(ApplicationFailure.class)
        .hasMessageContaining("still locked");
  }

  @Test
  void anInvalidDefinitionIsRejectedWithMarathonsDetails() {
    marathon = MarathonSimulator.start(clock);

    assertThatThrownBy(() -> target().deploy(request(IMAGE_1, false), app(IMAGE_1, -1)))
        .isInstanceOfSatisfying(
            ApplicationFailure.class,
            f -> {
              assertThat(f.getType()).isEqualTo(FailureTypes.REJECTED);
              assertThat(f.isNonRetryable()).isTrue();
              assertThat(f.getOriginalMessage())
                  .contains("HTTP 422")
                  .contains("Object is not valid")
                  .contains("/instances: got -1, expected 0 or more");
            });
  }

  @Test
  void aDefinitionWithoutAnImageIsRefusedBeforeCallingMarathon() {
    marathon = MarathonSimulator.start(clock);

    assertThatThrownBy(() -> target().deploy(request(" ", false), app(" ", 1)))
        .isInstanceOfSatisfying(
            ApplicationFailure.class,
            f -> {
              assertThat(f.getType()).isEqualTo(FailureTypes.REJECTED);
              assertThat(f.isNonRetryable()).isTrue();
              assertThat(f.getOriginalMessage())
                  .contains("marathon/prod/billing.json")
                  .contains("container.docker.image is missing");
            });
    assertThat(marathon.putBodies("/billing")).isEmpty();
  }

  @Test
  void anInvalidAppIdComesBackWithMarathonsDetails() {
    marathon = MarathonSimulator.start(clock);
    ObjectNode app = app(IMAGE_1, 1).put("id", "/Billing_Service");

    assertThatThrownBy(() -> target().deploy(request(IMAGE_1, false), app))
        .isInstanceOfSatisfying(
            ApplicationFailure.class,
            f -> {
              assertThat(f.getType()).isEqualTo(FailureTypes.REJECTED);
              assertThat(f.getOriginalMessage()).contains("/id: must fully match");
            });
  }

  @Test
  void leaderLossIsTransientAndTheRetrySucceeds() {
    marathon = MarathonSimulator.start(clock);
    marathon.failNext(1);
    MarathonTarget target = target();

    assertThatThrownBy(() -> target.deploy(request(IMAGE_1, false), app(IMAGE_1, 1)))
        .isInstanceOfSatisfying(
            MarathonException.class,
            e -> {
              assertThat(e.status()).isEqualTo(503);
              assertThat(e.permanent()).isFalse();
            })
        .isNotInstanceOf(ApplicationFailure.class);

    marathon.failNext(1, 502);
    assertThatThrownBy(() -> target.deploy(request(IMAGE_1, false), app(IMAGE_1, 1)))
        .isInstanceOfSatisfying(
            MarathonException.class, e -> assertThat(e.status()).isEqualTo(502));

    TargetDeployment deployment = target.deploy(request(IMAGE_1, false), app(IMAGE_1, 1));
    assertThat(deployment.alreadyLive()).isFalse();
    assertThat(marathon.putBodies("/billing")).hasSize(1);
  }

  @Test
  void missingCredentialsAreUnauthorizedForGood() {
    marathon = MarathonSimulator.start(clock).requireBasicAuth("conveyor", "pw");

    assertThatThrownBy(() -> target().deploy(request(IMAGE_1, false), app(IMAGE_1, 1)))
        .isInstanceOfSatisfying(
            ApplicationFailure.class,
            f -> {
              assertThat(f.getType()).isEqualTo(FailureTypes.UNAUTHORIZED);
              assertThat(f.isNonRetryable()).isTrue();
              assertThat(f.getOriginalMessage()).contains("HTTP 401");
            });
  }

  @Test
  void basicCredentialsFromSettingsAreAccepted() {
    marathon = MarathonSimulator.start(clock).requireBasicAuth("conveyor", "pw");
    MarathonTarget target =
        new MarathonTarget(
            new MarathonSettings(
                "conveyor",
                "pw",
                null,
                Duration.ofSeconds(5),
                Duration.ofSeconds(5),
                Duration.ofMillis(20)));

    assertThat(target.deploy(request(IMAGE_1, false), app(IMAGE_1, 1)).deploymentId()).isNotBlank();
  }

  @Test
  void aDcosTokenTravelsAsTokenAuthorization() {
    marathon = MarathonSimulator.start(clock).requireToken("jwt-abc");
    MarathonTarget target =
        new MarathonTarget(
            new MarathonSettings(
                null,
                null,
                "jwt-abc",
                Duration.ofSeconds(5),
                Duration.ofSeconds(5),
                Duration.ofMillis(20)));

    target.deploy(request(IMAGE_1, false), app(IMAGE_1, 1));

    assertThat(lastPut().getHeaders().get("Authorization")).isEqualTo("token=jwt-abc");
  }

  @Test
  void aForbiddenCheckIsUnauthorized() {
    marathon = MarathonSimulator.start(clock);
    MarathonTarget target = target();
    TargetDeployment deployment = target.deploy(request(IMAGE_1, false), app(IMAGE_1, 1));
    marathon.forbidden(true);

    assertThatThrownBy(() -> target.check(request(IMAGE_1, false), deployment))
        .isInstanceOfSatisfying(
            ApplicationFailure.class,
            f -> assertThat(f.getType()).isEqualTo(FailureTypes.UNAUTHORIZED));
  }

  @Test
  void redeployingTheLiveImageMakesNoPutAndReportsAlreadyLive() {
    marathon = MarathonSimulator.start(clock).deploymentDuration(Duration.ofSeconds(30));
    MarathonTarget target = target();
    TargetDeployment first = target.deploy(request(IMAGE_1, false), app(IMAGE_1, 2));

    TargetDeployment whileRolling = target.deploy(request(IMAGE_1, false), app(IMAGE_1, 2));
    clock.advance(Duration.ofMinutes(1));
    TargetDeployment afterwards = target.deploy(request(IMAGE_1, false), app(IMAGE_1, 2));

    assertThat(whileRolling)
        .isEqualTo(new TargetDeployment(first.deploymentId(), first.version(), null, true));
    assertThat(afterwards.alreadyLive()).isTrue();
    assertThat(afterwards.version()).isEqualTo(first.version());
    assertThat(marathon.putBodies("/billing")).hasSize(1);
    assertThat(target.check(request(IMAGE_1, false), afterwards).done()).isTrue();
  }

  @Test
  void anAppAlreadyLiveWithTheImageIsAdoptedWithoutAPut() {
    marathon = MarathonSimulator.start(clock);
    ObjectNode app = app(IMAGE_1, 1);
    String seeded = marathon.seed(app);
    TargetDeployment live = target().deploy(request(IMAGE_1, false), app);

    assertThat(live.alreadyLive()).isTrue();
    assertThat(live.version()).isEqualTo(seeded);
    assertThat(target().check(request(IMAGE_1, false), live).done()).isTrue();
  }

  @Test
  void anotherDeploymentThatReplacedOursIsNeverHealthyForUs() {
    marathon = MarathonSimulator.start(clock);
    MarathonTarget target = target();
    TargetDeployment ours = target.deploy(request(IMAGE_1, false), app(IMAGE_1, 1));
    clock.advance(Duration.ofSeconds(1));
    target.deploy(request(IMAGE_2, false), app(IMAGE_2, 1));
    clock.advance(Duration.ofSeconds(1));

    HealthSnapshot snapshot = target.check(request(IMAGE_1, false), ours);

    assertThat(snapshot.done()).isFalse();
    assertThat(snapshot.summary()).contains("another deployment replaced this one");
  }

  @Test
  void finishMakesNoCallAndSaysWhatItLeft() {
    marathon = MarathonSimulator.start(clock);
    TargetRequest request = request(IMAGE_1, false);
    TargetDeployment deployment =
        new TargetDeployment("d-1", "2026-01-01T00:00:00.000Z", null, false);

    String ok = target().finish(new FinishRequest(request, deployment, true)).summary();
    String failed = target().finish(new FinishRequest(request, deployment, false)).summary();

    assertThat(ok).contains("nothing to retire");
    assertThat(failed).contains("left /billing").contains("d-1").contains("rolling back");
    assertThat(marathon.requests()).isEmpty();
  }

  @Test
  void theRecordedExampleAppDeploysUnchangedAndIsServedBack() throws Exception {
    Path example = RecordedExamples.file("app.json");
    Assumptions.assumeTrue(
        example != null, "shared/reference/marathon/examples not found: recorded fixture skipped");
    marathon = MarathonSimulator.start(clock);
    ObjectNode app = (ObjectNode) MAPPER.readTree(Files.readString(example));
    ((ObjectNode) app.path("container").path("docker")).put("image", IMAGE_1);
    TargetRequest request =
        new TargetRequest(
            "marathon",
            "prod",
            "foo",
            "/foo",
            marathon.url(),
            "/defs",
            "cfg",
            "marathon/prod/foo.json",
            IMAGE_1,
            "abc123",
            new HealthSpec("/", 80, 300),
            "deploy/prod/foo/abc123",
            false);

    TargetDeployment deployment = target().deploy(request, app);

    assertThat(marathon.putBodies("/foo")).containsExactly(app);
    JsonNode stored = marathon.definition("/foo").orElseThrow();
    assertThat(stored.path("upgradeStrategy")).isEqualTo(app.path("upgradeStrategy"));
    assertThat(stored.path("env").path("PASSWORD")).isEqualTo(app.path("env").path("PASSWORD"));
    assertThat(target().check(request, deployment).done()).isTrue();
  }

  private RecordedRequest lastPut() {
    List<RecordedRequest> puts =
        marathon.requests().stream().filter(r -> r.getMethod().equals("PUT")).toList();
    return puts.get(puts.size() - 1);
  }

  @Test
  void liveSaysNotDeployedForAMissingAppAndHealthyOnlyWhenEveryInstancePassesWithNoRollout() {
    marathon =
        MarathonSimulator.start(clock)
            .deploymentDuration(Duration.ofSeconds(30))
            .tasksHealthyAfter(Duration.ofSeconds(10));
    MarathonTarget target = target();

    var missing = target.live(request(null, false));
    assertThat(missing.healthy()).isFalse();
    assertThat(missing.image()).isNull();
    assertThat(missing.summary()).isEqualTo("not deployed on prod (no app /billing)");

    target.deploy(request(IMAGE_1, false), app(IMAGE_1, 2));
    clock.advance(Duration.ofSeconds(15));
    var rolling = target.live(request(null, false));
    assertThat(rolling.healthy()).as("a rollout is in progress").isFalse();
    assertThat(rolling.summary()).contains("in progress");

    clock.advance(Duration.ofSeconds(30));
    var live = target.live(request(null, false));
    assertThat(live.healthy()).isTrue();
    assertThat(live.healthyInstances()).isEqualTo(2);
    assertThat(live.expectedInstances()).isEqualTo(2);
    assertThat(live.image()).isEqualTo(IMAGE_1);
    assertThat(live.summary()).isEqualTo("2/2 healthy");
  }

  @Test
  void liveReportsFailingTasksAndTreatsAnUnreachableMarathonAsTransient() {
    marathon = MarathonSimulator.start(clock).deploymentDuration(Duration.ofSeconds(1));
    MarathonTarget target = target();
    marathon.tasksNeverHealthy("/billing", "GET /health -> 503");
    target.deploy(request(IMAGE_1, false), app(IMAGE_1, 2));
    clock.advance(Duration.ofSeconds(5));

    var sick = target.live(request(null, false));
    assertThat(sick.healthy()).isFalse();
    assertThat(sick.healthyInstances()).isZero();
    assertThat(sick.summary()).startsWith("0/2 healthy").contains("task ").contains("503");

    marathon.failNext(1, 503);
    assertThatThrownBy(() -> target.live(request(null, false)))
        .isInstanceOf(MarathonException.class)
        .isNotInstanceOf(ApplicationFailure.class);
  }
}
