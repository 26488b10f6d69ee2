package dev.conveyor.cli.release;

import static org.assertj.core.api.Assertions.assertThat;

import dev.conveyor.cli.ConveyorCliTests;
import dev.conveyor.cli.TemporalTestServer;
import dev.conveyor.workflows.SearchAttributes;
import dev.conveyor.workflows.TaskQueues;
import dev.conveyor.workflows.release.ReleaseRequest;
import dev.conveyor.workflows.release.ReleaseStatus;
import dev.conveyor.workflows.release.ServiceRelease;
import dev.conveyor.workflows.release.ServiceState;
import io.temporal.api.common.v1.Payloads;
import io.temporal.client.WorkflowExecutionDescription;
import io.temporal.common.converter.DefaultDataConverter;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code release} against a real Temporal test server without a worker (the start is what is
 * checked), and the live view it draws with {@code --wait}.
 */
class ReleaseCliTests {
  static TemporalTestServer temporal;

  @BeforeAll
  static void startTemporal() throws Exception {
    temporal = TemporalTestServer.start(TemporalTestServer.freePort());
  }

  @AfterAll
  static void stopTemporal() {
    if (temporal != null) {
      temporal.close();
    }
  }

  @Test
  void releaseStartsTheStackReleaseWithAFreshIdSubsetAndPins() {
    ConveyorCliTests.Run run =
        ConveyorCliTests.cli(
            "release",
            "--stack",
            "payments",
            "--env",
            "qa",
            "--service",
            "billing",
            "--service",
            "web",
            "--commit",
            "billing=abc1234",
            "--definitions",
            ConveyorCliTests.DEFINITIONS.toString(),
            "--by",
            "alice",
            "--temporal",
            temporal.address());

    assertThat(run.exitCode()).as(run.err()).isZero();
    String id = run.out().strip();
    assertThat(id).matches("release/qa/payments/\\d{8}-\\d{6}-[0-9a-f]{4}");
    WorkflowExecutionDescription description = temporal.describe(id).orElseThrow();
    assertThat(description.getWorkflowType()).isEqualTo("StackReleaseWorkflow");
    assertThat(description.getTaskQueue()).isEqualTo(TaskQueues.CONTROL);
    assertThat(description.getTypedSearchAttributes().get(SearchAttributes.STACK))
        .isEqualTo("payments");
    assertThat(description.getTypedSearchAttributes().get(SearchAttributes.ENV)).isEqualTo("qa");
    Payloads payloads =
        temporal
            .client()
            .fetchHistory(id)
            .getEvents()
            .get(0)
            .getWorkflowExecutionStartedEventAttributes()
            .getInput();
    ReleaseRequest input =
        DefaultDataConverter.newDefaultInstance()
            .fromPayloads(0, Optional.of(payloads), ReleaseRequest.class, ReleaseRequest.class);
    assertThat(input)
        .isEqualTo(
            new ReleaseRequest(
                ConveyorCliTests.DEFINITIONS.toString(),
                "qa",
                "payments",
                List.of("billing", "web"),
                Map.of("billing", "abc1234"),
                "alice",
                false,
                0,
                0));
  }

  @Test
  void aCommitThatIsNotServiceEqualsCommitIsAUsageError() {
    ConveyorCliTests.Run run =
        ConveyorCliTests.cli(
            "release", "--stack", "payments", "--env", "qa", "--commit", "billing");

    assertThat(run.exitCode()).isEqualTo(2);
    assertThat(run.err()).contains("--commit 'billing' is not SERVICE=COMMIT");
  }

  @Test
  void releaseIdsAreTheUtcTimeAndFourRandomHexDigits() {
    Clock clock = Clock.fixed(Instant.parse("2026-11-27T09:15:03Z"), ZoneOffset.UTC);

    assertThat(ReleaseStarter.newReleaseId(clock)).matches("20261127-091503-[0-9a-f]{4}");
  }

  private static ServiceRelease service(
      String name, ServiceState state, String detail, long start) {
    return new ServiceRelease(
        name,
        "c",
        List.of(),
        List.of(),
        state,
        detail,
        null,
        null,
        null,
        null,
        start,
        0,
        0,
        state.ended() ? start + 4_000 : 0,
        List.of());
  }

  private static ReleaseStatus status(ServiceRelease... services) {
    return new ReleaseStatus(
        "release/qa/payments/r1", "qa", "payments", "RUNNING", null, List.of(services));
  }

  @Test
  void withoutATerminalTheViewPrintsOneLinePerChange() {
    StringWriter text = new StringWriter();
    ReleaseView view = new ReleaseView(new PrintWriter(text), false);

    view.render(
        status(
            service("accounts", ServiceState.BUILDING, "", 1_000),
            service("billing", ServiceState.PENDING, "", 0)),
        3_500);
    view.render(
        status(
            service("accounts", ServiceState.BUILDING, "", 1_000),
            service("billing", ServiceState.PENDING, "", 0)),
        4_000);
    view.render(
        status(
            service("accounts", ServiceState.SUCCEEDED, "", 1_000),
            service("billing", ServiceState.WAITING, "waiting for accounts", 2_000)),
        9_000);

    assertThat(text.toString().lines())
        .containsExactly(
            "  accounts         BUILDING      2.5s",
            "  billing          PENDING          -",
            "  accounts         SUCCEEDED     4.0s",
            "  billing          WAITING       7.0s  waiting for accounts");
  }

  @Test
  void onATerminalTheViewRedrawsTheBlockInPlace() {
    StringWriter text = new StringWriter();
    ReleaseView view = new ReleaseView(new PrintWriter(text), true);

    view.render(status(service("accounts", ServiceState.BUILDING, "", 1_000)), 2_000);
    view.render(status(service("accounts", ServiceState.DEPLOYING, "", 1_000)), 3_000);

    assertThat(text.toString())
        .isEqualTo(
            "\r\u001b[2K  accounts         BUILDING      1.0s\n"
                + "\u001b[1A\r\u001b[2K  accounts         DEPLOYING     2.0s\n");
  }

  @Test
  void theViewShowsTheStepADeploymentRunsNow() {
    StringWriter text = new StringWriter();
    ReleaseView view = new ReleaseView(new PrintWriter(text), false);

    view.render(
        status(
            service("accounts", ServiceState.DEPLOYING, "", 1_000),
            service("billing", ServiceState.WAITING, "waiting for accounts", 1_000)),
        3_000,
        s -> s.service().equals("accounts") ? "health" : "build");

    assertThat(text.toString().lines())
        .containsExactly(
            "  accounts         DEPLOYING     2.0s  step health",
            "  billing          WAITING       2.0s  waiting for accounts");
  }
}
