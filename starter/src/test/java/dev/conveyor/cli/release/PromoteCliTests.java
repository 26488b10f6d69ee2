package dev.conveyor.cli.release;

import static org.assertj.core.api.Assertions.assertThat;

import dev.conveyor.cli.ConveyorCliTests;
import dev.conveyor.cli.TemporalTestServer;
import dev.conveyor.workflows.SearchAttributes;
import dev.conveyor.workflows.promotion.Approval;
import dev.conveyor.workflows.promotion.PromotionRequest;
import dev.conveyor.workflows.promotion.Rejection;
import io.temporal.api.common.v1.Payloads;
import io.temporal.api.history.v1.HistoryEvent;
import io.temporal.client.WorkflowExecutionDescription;
import io.temporal.common.converter.DefaultDataConverter;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code promote}, {@code approve} and {@code reject} against a real Temporal test server without a
 * worker: what is started and which signals reach the workflow.
 */
class PromoteCliTests {
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

  private static String promote(String... extra) {
    List<String> args =
        new java.util.ArrayList<>(
            List.of(
                "promote",
                "--stack",
                "payments",
                "--from",
                "qa",
                "--to",
                "prod",
                "--definitions",
                ConveyorCliTests.DEFINITIONS.toString(),
                "--by",
                "alice",
                "--temporal",
                temporal.address()));
    args.addAll(List.of(extra));
    ConveyorCliTests.Run run = ConveyorCliTests.cli(args.toArray(String[]::new));
    assertThat(run.exitCode()).as(run.err()).isZero();
    return run.out().strip();
  }

  private static <T> T payload(Payloads payloads, Class<T> type) {
    return DefaultDataConverter.newDefaultInstance()
        .fromPayloads(0, Optional.of(payloads), type, type);
  }

  private static List<HistoryEvent> signals(String id) {
    return temporal.client().fetchHistory(id).getEvents().stream()
        .filter(HistoryEvent::hasWorkflowExecutionSignaledEventAttributes)
        .toList();
  }

  @Test
  void promoteStartsThePromotionWorkflowWithItsRequest() {
    String id = promote("--service", "billing", "--approval-timeout", "30m");

    assertThat(id).matches("promote/payments/qa-to-prod/\\d{8}-\\d{6}-[0-9a-f]{4}");
    WorkflowExecutionDescription description = temporal.describe(id).orElseThrow();
    assertThat(description.getWorkflowType()).isEqualTo("PromotionWorkflow");
    assertThat(description.getTypedSearchAttributes().get(SearchAttributes.STACK))
        .isEqualTo("payments");
    assertThat(description.getTypedSearchAttributes().get(SearchAttributes.ENV)).isEqualTo("prod");
    PromotionRequest input =
        payload(
            temporal
                .client()
                .fetchHistory(id)
                .getEvents()
                .get(0)
                .getWorkflowExecutionStartedEventAttributes()
                .getInput(),
            PromotionRequest.class);
    assertThat(input)
        .isEqualTo(
            new PromotionRequest(
                ConveyorCliTests.DEFINITIONS.toString(),
                "payments",
                "qa",
                "prod",
                List.of("billing"),
                "alice",
                Duration.ofMinutes(30).toSeconds()));
  }

  @Test
  void approveAndRejectSignalTheirAnswerWithWhoAndWhy() {
    String approved = promote();
    String rejected = promote();

    ConveyorCliTests.Run approve =
        ConveyorCliTests.cli(
            "approve",
            approved,
            "--comment",
            "QA signed off",
            "--by",
            "bob",
            "--temporal",
            temporal.address());
    ConveyorCliTests.Run reject =
        ConveyorCliTests.cli(
            "reject",
            rejected,
            "--reason",
            "not before the audit",
            "--by",
            "carol",
            "--temporal",
            temporal.address());

    assertThat(approve.exitCode()).as(approve.err()).isZero();
    assertThat(approve.out().strip()).isEqualTo("approved " + approved);
    assertThat(reject.exitCode()).as(reject.err()).isZero();
    assertThat(reject.out().strip()).isEqualTo("rejected " + rejected);
    HistoryEvent approval = signals(approved).get(0);
    assertThat(approval.getWorkflowExecutionSignaledEventAttributes().getSignalName())
        .isEqualTo("approve");
    assertThat(
            payload(
                approval.getWorkflowExecutionSignaledEventAttributes().getInput(), Approval.class))
        .isEqualTo(new Approval("bob", "QA signed off"));
    HistoryEvent rejection = signals(rejected).get(0);
    assertThat(rejection.getWorkflowExecutionSignaledEventAttributes().getSignalName())
        .isEqualTo("reject");
    assertThat(
            payload(
                rejection.getWorkflowExecutionSignaledEventAttributes().getInput(),
                Rejection.class))
        .isEqualTo(new Rejection("carol", "not before the audit"));
  }

  @Test
  void approvingAWorkflowThatDoesNotExistExitsTwo() {
    ConveyorCliTests.Run run =
        ConveyorCliTests.cli(
            "approve", "promote/payments/qa-to-prod/none", "--temporal", temporal.address());

    assertThat(run.exitCode()).isEqualTo(2);
    assertThat(run.err()).contains("no ").contains("promote/payments/qa-to-prod/none");
  }

  @Test
  void anApprovalTimeoutThatIsNotADurationIsAUsageError() {
    ConveyorCliTests.Run run =
        ConveyorCliTests.cli(
            "promote",
            "--stack",
            "s",
            "--from",
            "qa",
            "--to",
            "prod",
            "--approval-timeout",
            "soon");

    assertThat(run.exitCode()).isEqualTo(2);
    assertThat(run.err()).contains("--approval-timeout 'soon' is not a duration");
  }
}
