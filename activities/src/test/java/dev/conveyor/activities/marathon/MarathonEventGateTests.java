package dev.conveyor.activities.marathon;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.conveyor.activities.simulators.MarathonSimulator;
import dev.conveyor.activities.target.DeployActivitiesImpl;
import dev.conveyor.activities.target.HealthWatch;
import dev.conveyor.workflows.steps.DeployActivities;
import dev.conveyor.workflows.steps.DeployActivities.HealthReport;
import dev.conveyor.workflows.steps.DeployActivities.HealthRequest;
import dev.conveyor.workflows.steps.DeployActivities.TargetDeployment;
import dev.conveyor.workflows.steps.DeployActivities.TargetRequest;
import dev.conveyor.workflows.steps.FailureTypes;
import dev.conveyor.workflows.steps.HealthSpec;
import io.temporal.failure.ActivityFailure;
import io.temporal.failure.ApplicationFailure;
import io.temporal.testing.TestActivityEnvironment;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The health gate on Marathon's event stream ({@link MarathonEvents}), against the simulator's
 * {@code /v2/events}: events wake it long before its next look, a lost or refused stream means
 * polling at the normal interval, and the gate's deadline holds whatever the stream does.
 */
class MarathonEventGateTests {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String IMAGE = "localhost:5000/billing@sha256:1111";

  private final MarathonSimulator marathon = MarathonSimulator.start();
  private final TestActivityEnvironment env = TestActivityEnvironment.newInstance();
  private MarathonTarget target;

  @AfterEach
  void stop() {
    env.close();
    if (target != null) {
      target.close();
    }
    marathon.close();
  }

  private DeployActivities gate(boolean events, Duration pollInterval) {
    target =
        new MarathonTarget(
            new MarathonSettings(
                    null,
                    null,
                    null,
                    Duration.ofSeconds(5),
                    Duration.ofSeconds(10),
                    Duration.ofMillis(20))
                .withEvents(events));
    env.registerActivitiesImplementations(
        new DeployActivitiesImpl(List.of(target), (d, c, p) -> app(), pollInterval));
    return env.newActivityStub(DeployActivities.class);
  }

  private static ObjectNode app() {
    ObjectNode app = JSON.createObjectNode().put("id", "/billing").put("instances", 1);
    app.putObject("container").put("type", "DOCKER").putObject("docker").put("image", IMAGE);
    app.putArray("healthChecks").addObject().put("protocol", "MARATHON_HTTP").put("path", "/h");
    return app;
  }

  private TargetRequest request(long timeoutSeconds) {
    return new TargetRequest(
        "marathon",
        "prod",
        "billing",
        "/billing",
        marathon.url(),
        "/defs",
        "cfg0001",
        "marathon/prod/billing.json",
        IMAGE,
        "0123",
        new HealthSpec("/h", 8080, timeoutSeconds),
        "deploy/prod/billing/0123",
        false);
  }

  private static long millisSince(long startNanos) {
    return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos);
  }

  @Test
  void anEventWakesTheGateLongBeforeItsNextLook() {
    marathon.tasksHealthyAfter(Duration.ofMillis(300));
    DeployActivities gate = gate(true, Duration.ofSeconds(4));
    TargetDeployment deployment = gate.deploy(request(30));

    long started = System.nanoTime();
    HealthReport report = gate.awaitHealthy(new HealthRequest(request(30), deployment));

    assertThat(report.healthy()).isEqualTo(1);
    // polling alone would look again only after 4 s
    assertThat(millisSince(started)).isLessThan(2_000);
    assertThat(marathon.requests())
        .anySatisfy(r -> assertThat(r.getUrl().encodedPath()).isEqualTo("/v2/events"));
  }

  @Test
  void aLostStreamSendsTheGateBackToPollingAtOnce() throws Exception {
    marathon.tasksHealthyAfter(Duration.ofMillis(1_500));
    DeployActivities gate = gate(true, Duration.ofMillis(100));
    TargetDeployment deployment = gate.deploy(request(30));

    long started = System.nanoTime();
    CompletableFuture<HealthReport> waiting =
        CompletableFuture.supplyAsync(
            () -> gate.awaitHealthy(new HealthRequest(request(30), deployment)));
    while (marathon.openEventStreams() == 0 && millisSince(started) < 1_000) {
      Thread.sleep(5);
    }
    assertThat(marathon.openEventStreams()).isEqualTo(1);
    Thread.sleep(400); // the gate is now in a long wait on the connected stream
    marathon.eventStreamUnavailable(true).dropEventStreams();

    HealthReport report = waiting.get(10, TimeUnit.SECONDS);

    assertThat(report.healthy()).isEqualTo(1);
    // on a connected stream the gate waits up to 5 s between looks; without one, 100 ms
    assertThat(millisSince(started)).isLessThan(3_500);
  }

  @Test
  void aRefusedStreamMeansPlainPolling() {
    marathon.eventStreamUnavailable(true).tasksHealthyAfter(Duration.ofMillis(300));
    DeployActivities gate = gate(true, Duration.ofMillis(100));
    TargetDeployment deployment = gate.deploy(request(30));

    long started = System.nanoTime();
    HealthReport report = gate.awaitHealthy(new HealthRequest(request(30), deployment));

    assertThat(report.healthy()).isEqualTo(1);
    assertThat(millisSince(started)).isLessThan(3_000);
  }

  @Test
  void theDeadlineHoldsWhileTheGateWaitsForEvents() {
    marathon.tasksNeverHealthy("/billing", "GET /h -> 503");
    DeployActivities gate = gate(true, Duration.ofMillis(100));
    TargetDeployment deployment = gate.deploy(request(1));

    long started = System.nanoTime();
    assertThatThrownBy(() -> gate.awaitHealthy(new HealthRequest(request(1), deployment)))
        .isInstanceOf(ActivityFailure.class)
        .cause()
        .isInstanceOf(ApplicationFailure.class)
        .satisfies(
            f -> {
              ApplicationFailure failure = (ApplicationFailure) f;
              assertThat(failure.getType()).isEqualTo(FailureTypes.HEALTH_DEADLINE);
              assertThat(failure.getOriginalMessage()).contains("not healthy after 1s", "503");
            });
    // the stream stays connected and quiet: only the deadline ends the wait, not the 5 s safety
    // poll
    assertThat(millisSince(started)).isBetween(900L, 3_500L);
  }

  @Test
  void withEventsOffTheGatePollsAndNeverSubscribes() {
    marathon.tasksHealthyAfter(Duration.ofMillis(100));
    DeployActivities gate = gate(false, Duration.ofMillis(50));
    TargetDeployment deployment = gate.deploy(request(30));

    gate.awaitHealthy(new HealthRequest(request(30), deployment));

    assertThat(target.watch(request(30), deployment)).isSameAs(HealthWatch.POLLING);
    assertThat(marathon.requests())
        .noneSatisfy(r -> assertThat(r.getUrl().encodedPath()).isEqualTo("/v2/events"));
  }

  @Test
  void aDroppedStreamIsReopenedWhileGatesWatch() throws Exception {
    MarathonEvents events =
        new MarathonEvents(
            okhttp3.HttpUrl.get(marathon.url()),
            new okhttp3.OkHttpClient(),
            null,
            Duration.ofSeconds(5));
    try (HealthWatch watch = events.watch("/billing", "none")) {
      awaitStreams(1);
      marathon.dropEventStreams();

      awaitStreams(1);

      assertThat(
              marathon.requests().stream()
                  .filter(r -> r.getUrl().encodedPath().equals("/v2/events"))
                  .count())
          .isGreaterThanOrEqualTo(2);
    } finally {
      events.close();
    }
  }

  private void awaitStreams(int count) throws InterruptedException {
    long started = System.nanoTime();
    while (marathon.openEventStreams() != count && millisSince(started) < 3_000) {
      Thread.sleep(5);
    }
    assertThat(marathon.openEventStreams()).isEqualTo(count);
  }

  @Test
  void eventsAboutAnotherAppLeaveTheGateWaiting() throws Exception {
    marathon.tasksHealthyAfter(Duration.ofMillis(50));
    MarathonEvents events =
        new MarathonEvents(
            okhttp3.HttpUrl.get(marathon.url()),
            new okhttp3.OkHttpClient(),
            null,
            Duration.ofSeconds(5));
    try (HealthWatch watch = events.watch("/billing", "none")) {
      long started = System.nanoTime();
      while (!events.connected() && millisSince(started) < 2_000) {
        Thread.sleep(5);
      }
      watch.await(1); // the attach itself may have woken it
      target = new MarathonTarget(MarathonSettings.defaults());
      ObjectNode other = app().put("id", "/web");
      target.deploy(
          new TargetRequest(
              "marathon",
              "prod",
              "web",
              "/web",
              marathon.url(),
              "/defs",
              "c",
              "p",
              IMAGE,
              "0123",
              new HealthSpec("/h", 8080, 5),
              "deploy/prod/web/0123",
              false),
          other);

      long waiting = System.nanoTime();
      watch.await(600);

      assertThat(millisSince(waiting)).isGreaterThanOrEqualTo(550);
    } finally {
      events.close();
    }
  }
}
