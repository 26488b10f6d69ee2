package dev.conveyor.workflows.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.conveyor.workflows.SearchAttributes;
import dev.conveyor.workflows.TaskQueues;
import dev.conveyor.workflows.WorkflowIds;
import dev.conveyor.workflows.control.OperatorAction;
import dev.conveyor.workflows.control.Pausable;
import dev.conveyor.workflows.lane.ServiceLaneWorkflowImpl;
import dev.conveyor.workflows.steps.NotifyActivities.Notification;
import io.temporal.api.enums.v1.IndexedValueType;
import io.temporal.api.history.v1.HistoryEvent;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowFailedException;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowStub;
import io.temporal.failure.ApplicationFailure;
import io.temporal.testing.TestWorkflowEnvironment;
import io.temporal.worker.Worker;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Pause, resume and abort of a deployment at each step boundary, with the in-memory steps. A signal
 * is sent while a step's activity runs (FakeSteps.onStep), so it takes effect at the boundary after
 * that step.
 */
@Timeout(60)
class OperatorControlTests {
  static final String COMMIT = "0123456789abcdef0123456789abcdef01234567";
  static final String ID = WorkflowIds.deployment("qa", "billing", COMMIT);
  static final String OLD = "localhost:5000/billing@sha256:old";
  static final String NEW = "localhost:5000/billing@" + FakeSteps.DIGEST;

  TestWorkflowEnvironment env;
  FakeSteps steps;

  @BeforeEach
  void startEnvironment() {
    env = TestWorkflowEnvironment.newInstance();
    for (var key : SearchAttributes.ALL) {
      env.registerSearchAttribute(key.getName(), IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD);
    }
    steps = new FakeSteps();
    Worker control = env.newWorker(TaskQueues.CONTROL);
    control.registerWorkflowImplementationTypes(
        ServiceDeploymentWorkflowImpl.class, ServiceLaneWorkflowImpl.class);
    control.registerActivitiesImplementations(steps);
    Worker build = env.newWorker(TaskQueues.BUILD);
    build.registerActivitiesImplementations(steps);
    env.start();
  }

  @AfterEach
  void stopEnvironment() {
    env.close();
  }

  private void previousVersionLive() {
    steps.kv.put("conveyor/qa/billing/image", OLD);
    steps.configCommits.add("qa/billing=" + OLD);
  }

  private ServiceDeploymentWorkflow start() {
    ServiceDeploymentWorkflow workflow =
        env.getWorkflowClient()
            .newWorkflowStub(
                ServiceDeploymentWorkflow.class,
                WorkflowOptions.newBuilder()
                    .setTaskQueue(TaskQueues.CONTROL)
                    .setWorkflowId(ID)
                    .build());
    WorkflowClient.start(
        workflow::deploy, new DeployRequest("/defs", "qa", "billing", COMMIT, "alice", false));
    return workflow;
  }

  /** Sends {@code signal} (once) while {@code during}'s activity runs. */
  private void signalDuring(Step during, String signal, OperatorAction action) {
    AtomicBoolean sent = new AtomicBoolean();
    steps.onStep =
        step -> {
          if (step == during && sent.compareAndSet(false, true)) {
            env.getWorkflowClient().newUntypedWorkflowStub(ID).signal(signal, action);
          }
        };
  }

  private static void awaitStatus(ServiceDeploymentWorkflow workflow, Predicate<DeployStatus> done)
      throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (System.nanoTime() < deadline) {
      DeployStatus status = workflow.status();
      if (status != null && done.test(status)) {
        return;
      }
      Thread.sleep(50);
    }
    throw new AssertionError("status never matched: " + workflow.status());
  }

  private static ApplicationFailure failureOf(ServiceDeploymentWorkflow workflow) {
    Throwable thrown =
        org.assertj.core.api.Assertions.catchThrowable(
            () -> WorkflowStub.fromTyped(workflow).getResult(DeployResult.class));
    assertThat(thrown).isInstanceOf(WorkflowFailedException.class);
    return (ApplicationFailure) thrown.getCause();
  }

  private String statusAttribute() {
    return env.getWorkflowClient()
        .newUntypedWorkflowStub(ID)
        .describe()
        .getTypedSearchAttributes()
        .get(SearchAttributes.STATUS);
  }

  private static Step next(Step step) {
    return Step.values()[step.ordinal() + 1];
  }

  @ParameterizedTest
  @EnumSource(
      value = Step.class,
      names = {"RESOLVE", "BUILD", "PUSH", "KV", "COMMIT", "DEPLOY"})
  void pauseDuringAStepHoldsTheNextOneUntilResumed(Step during) throws Exception {
    previousVersionLive();
    signalDuring(during, Pausable.PAUSE, new OperatorAction("watch the canary", "carol"));
    ServiceDeploymentWorkflow workflow = start();

    awaitStatus(workflow, s -> ServiceDeploymentWorkflowImpl.PAUSED.equals(s.outcome()));

    Step waiting = next(during);
    DeployStatus paused = workflow.status();
    assertThat(paused.waitingFor())
        .isEqualTo(
            "resume: paused before step " + waiting.label() + " (by carol: watch the canary)");
    assertThat(paused.steps())
        .filteredOn(s -> s.step() == during)
        .singleElement()
        .extracting(StepStatus::state)
        .isEqualTo(StepState.DONE);
    assertThat(steps.calls(waiting)).as("the next step waits").isZero();
    assertThat(statusAttribute()).isEqualTo("paused");

    workflow.resume(new OperatorAction("looks fine", "carol"));

    DeployResult result = WorkflowStub.fromTyped(workflow).getResult(DeployResult.class);
    assertThat(result.outcome()).isEqualTo(DeployResult.SUCCEEDED);
    assertThat(steps.calls(waiting)).isEqualTo(1);
    assertThat(steps.kv).containsEntry("conveyor/qa/billing/image", NEW);
    assertThat(steps.restores).isEmpty();
  }

  @Test
  void pauseDuringTheHealthGateChangesNothing() {
    previousVersionLive();
    signalDuring(Step.HEALTH, Pausable.PAUSE, new OperatorAction("too late", "carol"));
    ServiceDeploymentWorkflow workflow = start();

    DeployResult result = WorkflowStub.fromTyped(workflow).getResult(DeployResult.class);

    assertThat(result.outcome()).isEqualTo(DeployResult.SUCCEEDED);
  }

  @Test
  void pauseThatOutlivesItsLimitAbortsAndFailsNamingThePause() throws Exception {
    previousVersionLive();
    signalDuring(Step.KV, Pausable.PAUSE, new OperatorAction("lunch", "carol"));
    ServiceDeploymentWorkflow workflow = start();
    awaitStatus(workflow, s -> ServiceDeploymentWorkflowImpl.PAUSED.equals(s.outcome()));

    ApplicationFailure failure = failureOf(workflow);

    assertThat(failure.getType()).isEqualTo(ServiceDeploymentWorkflowImpl.DEPLOYMENT_FAILED);
    assertThat(failure.getOriginalMessage())
        .isEqualTo(
            "deployment failed: paused before step commit for 24h without a resume or an abort"
                + " (by carol: lunch); back on "
                + OLD);
    assertThat(steps.kv).containsEntry("conveyor/qa/billing/image", OLD);
    assertThat(steps.calls(Step.COMMIT)).isZero();
    assertThat(steps.notifications)
        .singleElement()
        .satisfies(
            n -> {
              assertThat(n.outcome()).isEqualTo("FAILED");
              assertThat(n.failedStep()).isEqualTo("commit");
            });
    assertThat(statusAttribute()).isEqualTo("failed");
  }

  @ParameterizedTest
  @EnumSource(
      value = Step.class,
      names = {"RESOLVE", "BUILD", "PUSH"})
  void abortBeforeKvEndsAbortedWithNothingChanged(Step during) {
    previousVersionLive();
    signalDuring(during, Pausable.ABORT, new OperatorAction("wrong commit", "bob"));
    ServiceDeploymentWorkflow workflow = start();

    ApplicationFailure failure = failureOf(workflow);

    assertThat(failure.getType()).isEqualTo(ServiceDeploymentWorkflowImpl.ABORTED);
    assertThat(failure.getOriginalMessage())
        .isEqualTo(
            "aborted by bob: wrong commit, before step "
                + next(during).label()
                + "; nothing had changed");
    assertThat(steps.calls(Step.KV)).isZero();
    assertThat(steps.kv).containsEntry("conveyor/qa/billing/image", OLD);
    assertThat(steps.configCommits).containsExactly("qa/billing=" + OLD);
    assertThat(steps.deploys).isEmpty();
    assertAbortNotified("bob", "wrong commit");
    assertThat(statusAttribute()).isEqualTo("aborted");
  }

  @Test
  void abortAfterKvPutsKvBackAndCommitsNothing() {
    previousVersionLive();
    signalDuring(Step.KV, Pausable.ABORT, new OperatorAction("wrong commit", "bob"));
    ServiceDeploymentWorkflow workflow = start();

    ApplicationFailure failure = failureOf(workflow);

    assertThat(failure.getType()).isEqualTo(ServiceDeploymentWorkflowImpl.ABORTED);
    assertThat(failure.getOriginalMessage())
        .isEqualTo("aborted by bob: wrong commit, before step commit; back on " + OLD);
    assertThat(steps.kv).containsEntry("conveyor/qa/billing/image", OLD);
    assertThat(steps.restores).singleElement().satisfies(r -> assertThat(r.image()).isEqualTo(OLD));
    assertThat(steps.calls(Step.COMMIT)).isZero();
    assertThat(steps.rollbackCommits).isEmpty();
    assertThat(steps.deploys).isEmpty();
    assertAbortNotified("bob", "wrong commit");
  }

  @Test
  void abortAfterTheCommitRestoresConfigAndKvAndDeploysNothing() {
    previousVersionLive();
    signalDuring(Step.COMMIT, Pausable.ABORT, new OperatorAction("wrong commit", "bob"));
    ServiceDeploymentWorkflow workflow = start();

    ApplicationFailure failure = failureOf(workflow);

    assertThat(failure.getType()).isEqualTo(ServiceDeploymentWorkflowImpl.ABORTED);
    assertThat(failure.getOriginalMessage())
        .isEqualTo("aborted by bob: wrong commit, before step deploy; back on " + OLD);
    assertThat(steps.rollbackCommits)
        .singleElement()
        .satisfies(
            r -> {
              assertThat(r.requestedBy()).isEqualTo("bob");
              assertThat(r.reason()).isEqualTo("aborted: wrong commit");
            });
    assertThat(steps.kv).containsEntry("conveyor/qa/billing/image", OLD);
    assertThat(steps.deploys).isEmpty();
    assertAbortNotified("bob", "wrong commit");
  }

  @Test
  void abortAfterTheDeployStartedRollsTheTargetBack() {
    previousVersionLive();
    steps.previousVersion = "2026-11-26T00:00:00.000Z";
    signalDuring(Step.DEPLOY, Pausable.ABORT, new OperatorAction("wrong commit", "bob"));
    ServiceDeploymentWorkflow workflow = start();

    ApplicationFailure failure = failureOf(workflow);

    assertThat(failure.getType()).isEqualTo(ServiceDeploymentWorkflowImpl.ABORTED);
    assertThat(failure.getOriginalMessage())
        .isEqualTo(
            "aborted by bob: wrong commit, before step health; back on "
                + OLD
                + " (target redeployed)");
    assertThat(steps.calls(Step.HEALTH)).as("only the rollback's health gate").isEqualTo(1);
    assertThat(steps.deploys).extracting(d -> d.pinnedImage()).containsExactly(NEW, OLD);
    assertThat(steps.deploys.get(1).force()).as("our own rollout is superseded").isTrue();
    assertThat(steps.deploys.get(0).restoreVersion()).isNull();
    assertThat(steps.deploys.get(1).restoreVersion())
        .as("the app version that ran before ours, for Marathon's {\"version\": v} form")
        .isEqualTo("2026-11-26T00:00:00.000Z");
    assertThat(steps.finishes).containsExactly(false, true);
    assertThat(steps.kv).containsEntry("conveyor/qa/billing/image", OLD);
    assertAbortNotified("bob", "wrong commit");
  }

  @Test
  void abortDuringTheHealthGateStopsItAndRollsBack() throws Exception {
    previousVersionLive();
    CountDownLatch hold = new CountDownLatch(1);
    steps.healthHold = hold;
    ServiceDeploymentWorkflow workflow = start();
    awaitStatus(
        workflow,
        s ->
            s.steps().stream()
                .anyMatch(t -> t.step() == Step.HEALTH && t.state() == StepState.RUNNING));
    steps.healthHold = null;

    workflow.abort(new OperatorAction("pager fired", "bob"));

    ApplicationFailure failure = failureOf(workflow);
    hold.countDown();
    assertThat(failure.getType()).isEqualTo(ServiceDeploymentWorkflowImpl.ABORTED);
    assertThat(failure.getOriginalMessage())
        .isEqualTo(
            "aborted by bob: pager fired, during step health; back on "
                + OLD
                + " (target redeployed)");
    assertThat(steps.deploys).extracting(d -> d.pinnedImage()).containsExactly(NEW, OLD);
    assertThat(steps.finishes).containsExactly(false, true);
    assertThat(workflow.status().steps())
        .filteredOn(s -> s.step() == Step.HEALTH)
        .singleElement()
        .satisfies(s -> assertThat(s.detail()).isEqualTo("stopped by abort"));
    assertAbortNotified("bob", "pager fired");
  }

  @Test
  void abortWhilePausedEndsAtOnce() throws Exception {
    previousVersionLive();
    signalDuring(Step.BUILD, Pausable.PAUSE, new OperatorAction("hold", "carol"));
    ServiceDeploymentWorkflow workflow = start();
    awaitStatus(workflow, s -> ServiceDeploymentWorkflowImpl.PAUSED.equals(s.outcome()));

    workflow.abort(new OperatorAction("not today", "bob"));

    ApplicationFailure failure = failureOf(workflow);
    assertThat(failure.getType()).isEqualTo(ServiceDeploymentWorkflowImpl.ABORTED);
    assertThat(failure.getOriginalMessage())
        .isEqualTo("aborted by bob: not today, before step push; nothing had changed");
    assertThat(steps.calls(Step.PUSH)).isZero();
    assertThat(signalArguments()).contains("carol", "hold", "bob", "not today");
  }

  @Test
  void aPausedDeploymentHoldsItsLaneAndAnAbortedWaiterLeavesItHavingChangedNothing()
      throws Exception {
    previousVersionLive();
    // paused during push: it has entered its lane by then and stops before KV, holding the lane
    signalDuring(Step.PUSH, Pausable.PAUSE, new OperatorAction("hold", "carol"));
    ServiceDeploymentWorkflow holder = start();
    awaitStatus(holder, s -> ServiceDeploymentWorkflowImpl.PAUSED.equals(s.outcome()));
    String newer = "fedcba9876543210fedcba9876543210fedcba98";
    String waiterId = WorkflowIds.deployment("qa", "billing", newer);
    ServiceDeploymentWorkflow waiter =
        env.getWorkflowClient()
            .newWorkflowStub(
                ServiceDeploymentWorkflow.class,
                WorkflowOptions.newBuilder()
                    .setTaskQueue(TaskQueues.CONTROL)
                    .setWorkflowId(waiterId)
                    .build());
    WorkflowClient.start(
        waiter::deploy, new DeployRequest("/defs", "qa", "billing", newer, "dave", false));
    awaitStatus(waiter, s -> s.waitingFor() != null && s.waitingFor().startsWith("lane "));

    waiter.abort(new OperatorAction("wrong branch", "dave"));

    ApplicationFailure failure = failureOf(waiter);
    assertThat(failure.getType()).isEqualTo(ServiceDeploymentWorkflowImpl.ABORTED);
    assertThat(failure.getOriginalMessage())
        .isEqualTo("aborted by dave: wrong branch, before step kv; nothing had changed");
    assertThat(steps.calls(Step.BUILD)).as("both built before the lane").isEqualTo(2);
    assertThat(steps.calls(Step.KV))
        .as("the holder is still paused; the waiter never ran")
        .isZero();

    holder.resume(new OperatorAction("", "carol"));
    DeployResult result = WorkflowStub.fromTyped(holder).getResult(DeployResult.class);
    assertThat(result.outcome()).isEqualTo(DeployResult.SUCCEEDED);
  }

  @Test
  void abortOfAFirstDeploymentAfterKvLeavesTheOnlyVersionRecorded() {
    signalDuring(Step.KV, Pausable.ABORT, new OperatorAction("wrong commit", "bob"));
    ServiceDeploymentWorkflow workflow = start();

    ApplicationFailure failure = failureOf(workflow);

    assertThat(failure.getType()).isEqualTo(ServiceDeploymentWorkflowImpl.ABORTED);
    assertThat(failure.getOriginalMessage())
        .isEqualTo(
            "aborted by bob: wrong commit, before step commit; first deployment: no earlier"
                + " version to restore; KV name "
                + NEW);
    assertThat(steps.calls(Step.COMMIT)).isZero();
    assertThat(steps.deploys).isEmpty();
  }

  @Test
  void abortInTheBakeWindowEndsItAndKeepsTheNewVersion() throws Exception {
    previousVersionLive();
    steps.bakeSeconds = 900;
    ServiceDeploymentWorkflow workflow = start();
    awaitStatus(workflow, s -> ServiceDeploymentWorkflowImpl.BAKING.equals(s.outcome()));

    workflow.abort(new OperatorAction("done watching", "bob"));

    awaitStatus(workflow, s -> DeployResult.SUCCEEDED.equals(s.outcome()));
    DeployResult result = WorkflowStub.fromTyped(workflow).getResult(DeployResult.class);
    assertThat(result.outcome()).isEqualTo(DeployResult.SUCCEEDED);
    assertThat(steps.kv).containsEntry("conveyor/qa/billing/image", NEW);
    assertThat(steps.restores).isEmpty();
    assertThat(steps.deploys).hasSize(1);
    List<HistoryEvent> events = env.getWorkflowClient().fetchHistory(ID).getEvents();
    long started = events.get(0).getEventTime().getSeconds();
    long closed = events.get(events.size() - 1).getEventTime().getSeconds();
    assertThat(closed - started).as("ended before the 15 min window").isLessThan(900);
  }

  @Test
  void resumeWithoutPauseAndSignalsAfterTheEndAreIgnored() {
    ServiceDeploymentWorkflow workflow = start();
    workflow.resume(new OperatorAction("", "carol"));

    DeployResult result = WorkflowStub.fromTyped(workflow).getResult(DeployResult.class);

    assertThat(result.outcome()).isEqualTo(DeployResult.SUCCEEDED);
  }

  /**
   * Records the histories that {@link ServiceDeploymentReplayTests} replays for operator control
   * (paused and resumed; aborted after the deploy); run with {@code
   * -Dconveyor.record.histories=true}. New files only: never re-record an existing history.
   */
  @Test
  void recordsControlHistoriesForReplayWhenAsked() throws Exception {
    org.junit.jupiter.api.Assumptions.assumeTrue(
        Boolean.getBoolean("conveyor.record.histories"), "set conveyor.record.histories=true");
    previousVersionLive();
    signalDuring(Step.KV, Pausable.PAUSE, new OperatorAction("watch", "carol"));
    ServiceDeploymentWorkflow paused = start();
    awaitStatus(paused, s -> ServiceDeploymentWorkflowImpl.PAUSED.equals(s.outcome()));
    paused.resume(new OperatorAction("go", "carol"));
    WorkflowStub.fromTyped(paused).getResult(DeployResult.class);
    record(ID, "deploy-paused-resumed.json");

    String web = WorkflowIds.deployment("qa", "web", COMMIT);
    steps.kv.put("conveyor/qa/web/image", "localhost:5000/web@sha256:old");
    AtomicBoolean sent = new AtomicBoolean();
    steps.onStep =
        step -> {
          if (step == Step.DEPLOY && sent.compareAndSet(false, true)) {
            env.getWorkflowClient()
                .newUntypedWorkflowStub(web)
                .signal(Pausable.ABORT, new OperatorAction("wrong commit", "bob"));
          }
        };
    ServiceDeploymentWorkflow aborted =
        env.getWorkflowClient()
            .newWorkflowStub(
                ServiceDeploymentWorkflow.class,
                WorkflowOptions.newBuilder()
                    .setTaskQueue(TaskQueues.CONTROL)
                    .setWorkflowId(web)
                    .build());
    WorkflowClient.start(
        aborted::deploy, new DeployRequest("/defs", "qa", "web", COMMIT, "alice", false));
    failureOf(aborted);
    record(web, "deploy-aborted.json");
  }

  private void record(String workflowId, String file) throws Exception {
    java.nio.file.Path dir = java.nio.file.Path.of("src/test/resources/histories");
    java.nio.file.Files.writeString(
        dir.resolve(file), env.getWorkflowClient().fetchHistory(workflowId).toJson(true));
  }

  private String signalArguments() {
    StringBuilder all = new StringBuilder();
    for (HistoryEvent event : env.getWorkflowClient().fetchHistory(ID).getEvents()) {
      if (event.hasWorkflowExecutionSignaledEventAttributes()) {
        all.append(event.getWorkflowExecutionSignaledEventAttributes().getInput().toString());
      }
    }
    return all.toString();
  }

  private void assertAbortNotified(String by, String reason) {
    assertThat(steps.notifications).extracting(Notification::outcome).containsExactly("ABORTED");
    assertThat(steps.notifications.get(0).reason()).contains("by " + by).contains(reason);
  }
}
