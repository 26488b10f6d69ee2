package dev.conveyor.cli;

import static dev.conveyor.cli.ConveyorCliTests.cli;
import static org.assertj.core.api.Assertions.assertThat;

import dev.conveyor.cli.ConveyorCliTests.Run;
import dev.conveyor.workflows.TaskQueues;
import dev.conveyor.workflows.control.OperatorAction;
import io.temporal.api.history.v1.HistoryEvent;
import io.temporal.api.history.v1.WorkflowExecutionSignaledEventAttributes;
import io.temporal.client.WorkflowOptions;
import io.temporal.common.converter.DefaultDataConverter;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code ./conveyor pause|resume|abort} against the Temporal test server (its own process). No
 * worker runs, so the started workflows wait and the signals stay in their histories to be read.
 */
@Timeout(120)
class ControlCommandsTests {
  static TemporalTestServer temporal;
  static final AtomicInteger SEQ = new AtomicInteger();

  @BeforeAll
  static void startServer() throws Exception {
    temporal = TemporalTestServer.start(TemporalTestServer.freePort());
  }

  @AfterAll
  static void stopServer() {
    temporal.close();
  }

  private static String start(String type, String idPrefix) {
    String id = idPrefix + SEQ.incrementAndGet();
    temporal
        .client()
        .newUntypedWorkflowStub(
            type,
            WorkflowOptions.newBuilder().setTaskQueue(TaskQueues.CONTROL).setWorkflowId(id).build())
        .start("input");
    return id;
  }

  private static List<WorkflowExecutionSignaledEventAttributes> signals(String id) {
    return temporal.client().fetchHistory(id).getEvents().stream()
        .filter(HistoryEvent::hasWorkflowExecutionSignaledEventAttributes)
        .map(HistoryEvent::getWorkflowExecutionSignaledEventAttributes)
        .toList();
  }

  private static OperatorAction action(WorkflowExecutionSignaledEventAttributes signal) {
    return DefaultDataConverter.newDefaultInstance()
        .fromPayloads(
            0, Optional.of(signal.getInput()), OperatorAction.class, OperatorAction.class);
  }

  @Test
  void pauseSendsTheSignalWithWhoAndWhyToADeployment() {
    String id = start("ServiceDeploymentWorkflow", "deploy/qa/billing/");

    Run run =
        cli(
            "pause",
            id,
            "--temporal",
            temporal.address(),
            "--reason",
            "watch the canary",
            "--by",
            "carol");

    assertThat(run.exitCode()).as(run.err()).isZero();
    assertThat(run.out())
        .startsWith(
            id + ": pause sent (by carol: watch the canary); it waits before its next step");
    assertThat(signals(id))
        .singleElement()
        .satisfies(
            s -> {
              assertThat(s.getSignalName()).isEqualTo("pause");
              assertThat(action(s)).isEqualTo(new OperatorAction("watch the canary", "carol"));
            });
  }

  @Test
  void resumeAndAbortWorkOnAReleaseWithTheSameSignalNames() {
    String id = start("StackReleaseWorkflow", "release/qa/payments/");

    Run resume = cli("resume", id, "--temporal", temporal.address(), "--by", "carol");
    Run abort =
        cli("abort", id, "--temporal", temporal.address(), "--reason", "bad", "--by", "bob");

    assertThat(resume.exitCode()).as(resume.err()).isZero();
    assertThat(abort.exitCode()).as(abort.err()).isZero();
    assertThat(abort.out()).contains(id + ": abort sent (by bob: bad); it stops at the next step");
    assertThat(signals(id))
        .extracting(WorkflowExecutionSignaledEventAttributes::getSignalName)
        .containsExactly("resume", "abort");
    assertThat(action(signals(id).get(0))).isEqualTo(new OperatorAction("", "carol"));
  }

  @Test
  void byDefaultsToTheUser() {
    String id = start("ServiceDeploymentWorkflow", "deploy/qa/web/");

    Run run = cli("abort", id, "--temporal", temporal.address(), "--reason", "oops");

    assertThat(run.exitCode()).as(run.err()).isZero();
    assertThat(action(signals(id).get(0)).by()).isEqualTo(DeployCommand.requester(null));
  }

  @Test
  void anUnknownIdFailsNamingIt() {
    Run run = cli("pause", "deploy/qa/nobody/0123", "--temporal", temporal.address());

    assertThat(run.exitCode()).isEqualTo(1);
    assertThat(run.err()).contains("conveyor pause: no workflow deploy/qa/nobody/0123");
  }

  @Test
  void anEndedWorkflowGetsNothingAndTheCommandFails() {
    String id = start("ServiceDeploymentWorkflow", "deploy/qa/ended/");
    temporal.terminate(id);

    Run run = cli("abort", id, "--temporal", temporal.address(), "--reason", "late");

    assertThat(run.exitCode()).isEqualTo(1);
    assertThat(run.err())
        .contains("conveyor abort: " + id + " has ended (terminated); nothing sent");
    assertThat(signals(id)).isEmpty();
  }

  @org.junit.jupiter.params.ParameterizedTest
  @org.junit.jupiter.params.provider.ValueSource(strings = {"pause", "resume", "abort"})
  void everyControlVerbHasHelpAndNeedsAnId(String verb) {
    Run help = cli(verb, "--help");
    Run noId = cli(verb);

    assertThat(help.exitCode()).isZero();
    assertThat(help.out()).startsWith("Usage: conveyor " + verb).contains("--reason", "--by");
    assertThat(noId.exitCode()).isEqualTo(2);
    assertThat(noId.err()).contains("WORKFLOW_ID");
  }

  @Test
  void anUnreachableTemporalExitsTwoNamingTheAddress() {
    int port = TemporalTestServer.freePort();

    Run run = cli("abort", "deploy/qa/billing/0123", "--temporal", "127.0.0.1:" + port);

    assertThat(run.exitCode()).isEqualTo(2);
    assertThat(run.err()).contains("127.0.0.1:" + port);
  }

  @Test
  void aWorkflowThatIsNeitherDeploymentNorReleaseIsRefused() {
    String id = start("PromotionWorkflow", "promote/payments/qa-to-prod/");

    Run run = cli("pause", id, "--temporal", temporal.address());

    assertThat(run.exitCode()).isEqualTo(2);
    assertThat(run.err())
        .contains(id + " is a PromotionWorkflow; pause works on deployments and releases");
    assertThat(signals(id)).isEmpty();
  }
}
