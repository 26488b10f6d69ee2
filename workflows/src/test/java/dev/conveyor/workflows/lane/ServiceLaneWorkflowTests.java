package dev.conveyor.workflows.lane;

import static dev.conveyor.workflows.testing.RecordingSteps.awaitTrue;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.conveyor.workflows.TaskQueues;
import dev.conveyor.workflows.WorkflowIds;
import dev.conveyor.workflows.deploy.DeployRequest;
import dev.conveyor.workflows.deploy.DeployResult;
import dev.conveyor.workflows.deploy.DeployStatus;
import dev.conveyor.workflows.deploy.RollbackRequest;
import dev.conveyor.workflows.deploy.ServiceDeploymentWorkflow;
import dev.conveyor.workflows.deploy.ServiceDeploymentWorkflowImpl;
import dev.conveyor.workflows.deploy.Step;
import dev.conveyor.workflows.deploy.StepState;
import dev.conveyor.workflows.deploy.StepStatus;
import dev.conveyor.workflows.testing.IdleMember;
import dev.conveyor.workflows.testing.RecordingSteps;
import dev.conveyor.workflows.testing.RecordingSteps.Span;
import dev.conveyor.workflows.testing.TestWorkers;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowFailedException;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowStub;
import io.temporal.failure.ApplicationFailure;
import io.temporal.testing.TestWorkflowEnvironment;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Lane semantics through real deployments and recording fakes. Steps held on a latch make the
 * interleavings exact; the timeout turns a hang into a failure. A deployment resolves, builds and
 * pushes before its turn (none of that changes an environment); the lane serializes the steps from
 * KV on, so the holder is held at {@code kv}, its first step inside the lane.
 */
@Timeout(90)
class ServiceLaneWorkflowTests {
  static final String C1 = "1111111111111111111111111111111111111111";
  static final String C2 = "2222222222222222222222222222222222222222";
  static final String C3 = "3333333333333333333333333333333333333333";
  static final String LANE = WorkflowIds.lane("qa", "billing");

  /** The steps that change an environment: only these wait for the lane. */
  static final Set<String> ENVIRONMENT_STEPS = Set.of("kv", "commit", "deploy", "health", "finish");

  TestWorkflowEnvironment env;
  RecordingSteps steps;

  @BeforeEach
  void startEnvironment() {
    steps = new RecordingSteps().takes("build", Duration.ofMillis(50));
    env = TestWorkers.start(steps, IdleMember.Impl.class);
  }

  @AfterEach
  void stopEnvironment() {
    env.close();
  }

  ServiceDeploymentWorkflow start(String service, String commit) {
    ServiceDeploymentWorkflow workflow =
        env.getWorkflowClient()
            .newWorkflowStub(
                ServiceDeploymentWorkflow.class,
                WorkflowOptions.newBuilder()
                    .setTaskQueue(TaskQueues.CONTROL)
                    .setWorkflowId(WorkflowIds.deployment("qa", service, commit))
                    .build());
    WorkflowClient.start(
        workflow::deploy, new DeployRequest("/defs", "qa", service, commit, "hook", false));
    return workflow;
  }

  static DeployResult resultOf(ServiceDeploymentWorkflow workflow) {
    return WorkflowStub.fromTyped(workflow).getResult(DeployResult.class);
  }

  ServiceLaneWorkflow lane() {
    return env.getWorkflowClient().newWorkflowStub(ServiceLaneWorkflow.class, LANE);
  }

  LaneTicket holder() {
    try {
      return lane().status().holder();
    } catch (RuntimeException notYetRunning) {
      return null;
    }
  }

  String laneRunId() {
    return env.getWorkflowClient()
        .newUntypedWorkflowStub(LANE)
        .describe()
        .getExecution()
        .getRunId();
  }

  List<Span> spansOf(String commit) {
    return steps.spans().stream().filter(s -> s.commit().equals(commit)).toList();
  }

  List<Span> environmentSpansOf(String commit) {
    return spansOf(commit).stream().filter(s -> ENVIRONMENT_STEPS.contains(s.step())).toList();
  }

  /** Every step of {@code first} ended before {@code second} changed anything. */
  void assertNoOverlap(String first, String second) {
    long lastOfFirst = spansOf(first).stream().mapToLong(Span::endSeq).max().orElseThrow();
    long firstOfSecond =
        environmentSpansOf(second).stream().mapToLong(Span::startSeq).min().orElseThrow();
    assertThat(firstOfSecond)
        .as("the second deployment starts after the first ended: %s", steps.spans())
        .isGreaterThan(lastOfFirst);
  }

  @Test
  void ofThreeCommitsStartedTogetherTheFirstAndTheNewestRunAndTheMiddleOneIsSuperseded()
      throws InterruptedException {
    steps.hold(C1, "kv");
    ServiceDeploymentWorkflow first = start("billing", C1);
    awaitTrue(
        "the first deployment holds the lane",
        () -> holder() != null && holder().commit().equals(C1));
    ServiceDeploymentWorkflow second = start("billing", C2);
    // Request times are milliseconds; within one the later arrival counts as newer.
    Thread.sleep(20);
    ServiceDeploymentWorkflow third = start("billing", C3);

    DeployResult superseded = resultOf(second);
    LaneStatus meanwhile = lane().status();
    steps.release(C1, "kv");
    DeployResult firstResult = resultOf(first);
    DeployResult thirdResult = resultOf(third);

    assertThat(superseded.outcome()).isEqualTo(DeployResult.SUPERSEDED);
    assertThat(superseded.reason()).isEqualTo("superseded by 333333333333");
    assertThat(superseded.steps())
        .filteredOn(s -> s.step().ordinal() >= Step.KV.ordinal())
        .extracting(StepStatus::state)
        .containsOnly(StepState.SKIPPED);
    assertThat(environmentSpansOf(C2)).as("the superseded deployment changed nothing").isEmpty();
    assertThat(meanwhile.holder().commit()).isEqualTo(C1);
    assertThat(meanwhile.waiting().commit()).isEqualTo(C3);
    assertThat(firstResult.outcome()).isEqualTo(DeployResult.SUCCEEDED);
    assertThat(thirdResult.outcome()).isEqualTo(DeployResult.SUCCEEDED);
    assertNoOverlap(C1, C3);
    awaitTrue("the lane is free again", () -> holder() == null);
    assertThat(lane().status().grants()).isEqualTo(2);
    assertThat(lane().status().supersessions()).isEqualTo(1);
  }

  @Test
  void anOlderCommitArrivingAfterANewerOneIsSupersededAtOnce() {
    steps.hold(C1, "kv");
    ServiceDeploymentWorkflow first = start("billing", C1);
    awaitTrue("the first holds the lane", () -> holder() != null);
    ServiceDeploymentWorkflow newer = start("billing", C3);
    awaitTrue("the newer one waits", () -> lane().status().waiting() != null);
    // Same lane, but requested before the waiting one: an old ticket that arrives late.
    lane().enter(new LaneTicket("deploy/qa/billing/late", "run-1", C2, 1));

    awaitTrue("the late ticket was refused", () -> lane().status().supersessions() == 1);
    assertThat(lane().status().waiting().commit()).isEqualTo(C3);
    steps.release(C1, "kv");
    assertThat(resultOf(first).outcome()).isEqualTo(DeployResult.SUCCEEDED);
    assertThat(resultOf(newer).outcome()).isEqualTo(DeployResult.SUCCEEDED);
  }

  @Test
  void theNextDeploymentBuildsAndPushesWhileTheHolderIsDeploying() {
    steps.hold(C1, "kv");
    ServiceDeploymentWorkflow first = start("billing", C1);
    awaitTrue("the first holds the lane", () -> holder() != null);
    ServiceDeploymentWorkflow second = start("billing", C2);

    awaitTrue("the second waits", () -> second.status().waitingFor() != null);
    DeployStatus waiting = second.status();
    assertThat(spansOf(C2)).extracting(Span::step).containsExactly("resolve", "build", "push");
    assertThat(environmentSpansOf(C2)).isEmpty();
    steps.release(C1, "kv");

    assertThat(resultOf(first).outcome()).isEqualTo(DeployResult.SUCCEEDED);
    assertThat(resultOf(second).outcome()).isEqualTo(DeployResult.SUCCEEDED);
    assertThat(waiting.waitingFor()).isEqualTo("lane " + LANE);
    assertThat(waiting.steps())
        .filteredOn(s -> s.step() == Step.PUSH)
        .extracting(StepStatus::state)
        .containsExactly(StepState.DONE);
    assertNoOverlap(C1, C2);
  }

  @Test
  void aRollbackOfADeploymentWaitingForItsTurnEndsItWithNothingChangedAndFreesItsPlace() {
    steps.hold(C1, "kv");
    ServiceDeploymentWorkflow first = start("billing", C1);
    awaitTrue("the first holds the lane", () -> holder() != null);
    ServiceDeploymentWorkflow second = start("billing", C2);
    awaitTrue("the second waits", () -> second.status().waitingFor() != null);

    second.rollback(new RollbackRequest("wrong commit", "bob"));

    assertThatThrownBy(() -> resultOf(second))
        .isInstanceOf(WorkflowFailedException.class)
        .cause()
        .isInstanceOfSatisfying(
            ApplicationFailure.class,
            f -> {
              assertThat(f.getType()).isEqualTo(ServiceDeploymentWorkflowImpl.ROLLED_BACK);
              assertThat(f.getOriginalMessage()).isEqualTo("rolled back: wrong commit");
            });
    assertThat(environmentSpansOf(C2)).as("nothing changed").isEmpty();
    awaitTrue("the second left its place", () -> lane().status().waiting() == null);
    steps.release(C1, "kv");
    assertThat(resultOf(first).outcome()).isEqualTo(DeployResult.SUCCEEDED);
    awaitTrue("the lane is free", () -> holder() == null);
  }

  @Test
  void anOlderCommitWhoseBuildEndsAfterANewerOneWasLetThroughIsSupersededNotDeployedOverIt() {
    steps.hold(C1, "build");
    ServiceDeploymentWorkflow older = start("billing", C1);
    awaitTrue("the older one is building", () -> steps.ran("billing", "resolve"));
    ServiceDeploymentWorkflow newer = start("billing", C3);
    assertThat(resultOf(newer).outcome()).isEqualTo(DeployResult.SUCCEEDED);

    steps.release(C1, "build");
    DeployResult late = resultOf(older);

    assertThat(late.outcome()).isEqualTo(DeployResult.SUPERSEDED);
    assertThat(late.reason()).isEqualTo("superseded by 333333333333");
    assertThat(spansOf(C1)).extracting(Span::step).containsExactly("resolve", "build", "push");
    assertThat(late.steps())
        .filteredOn(s -> s.step() == Step.PUSH)
        .extracting(StepStatus::state)
        .containsExactly(StepState.DONE);
    assertThat(lane().status().grants()).isEqualTo(1);
    assertThat(lane().status().supersessions()).isEqualTo(1);
  }

  /**
   * Stores the histories {@link LaneReplayTests} replays: the lane and a deployment that built
   * before its turn and one superseded on entry. Run with {@code -Dconveyor.record.histories=true}.
   */
  @Test
  void recordsHistoriesOfDeploymentsThatBuildBeforeTheirTurnWhenAsked() throws Exception {
    org.junit.jupiter.api.Assumptions.assumeTrue(
        Boolean.getBoolean("conveyor.record.histories"), "set conveyor.record.histories=true");
    steps.hold(C1, "build").hold(C2, "kv");
    ServiceDeploymentWorkflow older = start("billing", C1);
    awaitTrue("the older one is building", () -> steps.ran("billing", "resolve"));
    ServiceDeploymentWorkflow newer = start("billing", C2);
    awaitTrue("the newer one holds the lane", () -> holder() != null);
    steps.release(C1, "build");
    assertThat(resultOf(older).outcome()).isEqualTo(DeployResult.SUPERSEDED);
    ServiceDeploymentWorkflow next = start("billing", C3);
    awaitTrue("the next one waits", () -> next.status().waitingFor() != null);
    steps.release(C2, "kv");
    assertThat(resultOf(newer).outcome()).isEqualTo(DeployResult.SUCCEEDED);
    assertThat(resultOf(next).outcome()).isEqualTo(DeployResult.SUCCEEDED);

    java.nio.file.Path dir = java.nio.file.Path.of("src/test/resources/histories");
    write(dir, WorkflowIds.deployment("qa", "billing", C1), "deploy-superseded-on-entry.json");
    write(dir, WorkflowIds.deployment("qa", "billing", C3), "deploy-built-before-turn.json");
    write(dir, LANE, "lane-newest-wins.json");
  }

  private void write(java.nio.file.Path dir, String workflowId, String file) throws Exception {
    java.nio.file.Files.writeString(
        dir.resolve(file), env.getWorkflowClient().fetchHistory(workflowId).toJson(true));
  }

  @Test
  void aFailedDeploymentFreesTheLaneForTheNextOne() {
    steps.hold(C1, "kv").failAt("billing", "deploy", "422 Unprocessable Entity: bad cpus");
    ServiceDeploymentWorkflow first = start("billing", C1);
    awaitTrue("the first holds the lane", () -> holder() != null);
    ServiceDeploymentWorkflow second = start("billing", C2);
    awaitTrue("the second waits", () -> lane().status().waiting() != null);
    awaitTrue("the second says so", () -> second.status().waitingFor() != null);
    DeployStatus waiting = second.status();
    steps.release(C1, "kv");

    assertThatThrownBy(() -> resultOf(first))
        .isInstanceOf(WorkflowFailedException.class)
        .cause()
        .hasMessageContaining("deployment failed at step deploy");
    assertThatThrownBy(() -> resultOf(second)).isInstanceOf(WorkflowFailedException.class);
    assertThat(waiting.waitingFor()).isEqualTo("lane " + LANE);
    assertThat(spansOf(C2)).extracting(Span::step).contains("resolve", "build", "deploy");
    assertNoOverlap(C1, C2);
  }

  @Test
  void deploymentsOfDifferentServicesDoNotWaitForEachOther() {
    steps.hold(C1, "kv");
    ServiceDeploymentWorkflow billing = start("billing", C1);
    awaitTrue("billing holds its lane", () -> holder() != null);

    DeployResult web = resultOf(start("web", C2));

    assertThat(web.outcome()).isEqualTo(DeployResult.SUCCEEDED);
    assertThat(steps.finished("billing", "kv")).as("billing is still at its KV step").isFalse();
    steps.release(C1, "kv");
    assertThat(resultOf(billing).outcome()).isEqualTo(DeployResult.SUCCEEDED);
  }

  @Test
  void aHolderThatIsTerminatedFreesTheLaneAtTheNextCheck() {
    IdleMember idle =
        env.getWorkflowClient()
            .newWorkflowStub(
                IdleMember.class,
                WorkflowOptions.newBuilder()
                    .setTaskQueue(TaskQueues.CONTROL)
                    .setWorkflowId("deploy/qa/billing/idle")
                    .build());
    String idleRun = WorkflowClient.start(idle::idle).getRunId();
    ServiceLaneWorkflow lane =
        env.getWorkflowClient()
            .newWorkflowStub(
                ServiceLaneWorkflow.class,
                WorkflowOptions.newBuilder()
                    .setTaskQueue(TaskQueues.CONTROL)
                    .setWorkflowId(LANE)
                    .build());
    WorkflowClient.start(lane::run, LaneState.empty("qa", "billing"));
    lane().enter(new LaneTicket("deploy/qa/billing/idle", idleRun, C1, 1));
    awaitTrue("the idle member holds the lane", () -> idle.grants() == 1);
    long granted = env.currentTimeMillis();
    ServiceDeploymentWorkflow second = start("billing", C2);
    awaitTrue("the second waits", () -> lane().status().waiting() != null);

    WorkflowStub.fromTyped(idle).terminate("operator stopped it");
    DeployResult result = resultOf(second);

    assertThat(result.outcome()).isEqualTo(DeployResult.SUCCEEDED);
    assertThat(env.currentTimeMillis() - granted)
        .as("freed by the holder check (due a check interval after the grant), not by a leave")
        .isGreaterThanOrEqualTo(ServiceLaneWorkflowImpl.HOLDER_CHECK.toMillis());
  }

  @Test
  void continuesAsNewWhenItsHistoryGrowsAndKeepsItsHolder() {
    steps.hold(C1, "kv");
    ServiceDeploymentWorkflow first = start("billing", C1);
    awaitTrue("the first holds the lane", () -> holder() != null);
    String firstRun = laneRunId();
    // Tickets of runs that do not exist: each supersedes the previous one, and grows the history.
    for (int i = 0; i < 1000; i++) {
      lane().enter(new LaneTicket("deploy/qa/billing/ghost" + i, "run", C2, 10 + i));
    }

    awaitTrue("the lane continued as new", () -> !laneRunId().equals(firstRun));
    awaitTrue("the new run serves", () -> holder() != null);
    assertThat(holder().commit()).isEqualTo(C1);
    steps.release(C1, "kv");
    assertThat(resultOf(first).outcome()).isEqualTo(DeployResult.SUCCEEDED);
    DeployResult next = resultOf(start("billing", C3));
    assertThat(next.outcome()).isEqualTo(DeployResult.SUCCEEDED);
    assertNoOverlap(C1, C3);
  }
}
