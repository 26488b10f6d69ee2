package dev.conveyor.workflows.release;

import static dev.conveyor.workflows.testing.RecordingSteps.awaitTrue;
import static dev.conveyor.workflows.testing.RecordingSteps.headOf;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.conveyor.workflows.TaskQueues;
import dev.conveyor.workflows.WorkflowIds;
import dev.conveyor.workflows.control.OperatorAction;
import dev.conveyor.workflows.deploy.RollbackRequest;
import dev.conveyor.workflows.deploy.ServiceDeploymentWorkflow;
import dev.conveyor.workflows.rollback.RollbackWorkflowImpl;
import dev.conveyor.workflows.testing.RecordingSteps;
import dev.conveyor.workflows.testing.RecordingSteps.Span;
import dev.conveyor.workflows.testing.TestWorkers;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowFailedException;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowStub;
import io.temporal.client.WorkflowUpdateException;
import io.temporal.failure.ApplicationFailure;
import io.temporal.testing.TestWorkflowEnvironment;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Operator control of a release through real child deployments and rollback workflows over
 * recording fakes: rollback (by signal and update, in the bake window and mid-flight), pause,
 * resume and abort. Order is read from the fakes' sequence numbers.
 */
@Timeout(90)
class ReleaseControlTests {
  static final OperatorAction ALICE = new OperatorAction("canary errors", "alice");

  TestWorkflowEnvironment env;
  RecordingSteps steps;

  @BeforeEach
  void startEnvironment() {
    steps = new RecordingSteps().takes("build", Duration.ofMillis(50));
    env = TestWorkers.start(steps, RollbackWorkflowImpl.class);
  }

  @AfterEach
  void stopEnvironment() {
    env.close();
  }

  /** web -> billing -> accounts, each with an earlier version live. */
  void webBillingAccounts() {
    steps
        .service("accounts")
        .service("billing", "accounts")
        .service("web", "billing")
        .stack("shop", "web", "billing", "accounts")
        .previous("accounts", "localhost:5000/accounts@sha256:old")
        .previous("billing", "localhost:5000/billing@sha256:old")
        .previous("web", "localhost:5000/web@sha256:old");
  }

  static ReleaseRequest request(String stack, long bakeSeconds) {
    return new ReleaseRequest(
        "/defs", "qa", stack, List.of(), Map.of(), "alice", false, 0, 0, null, bakeSeconds);
  }

  StackReleaseWorkflow start(ReleaseRequest request) {
    StackReleaseWorkflow release =
        env.getWorkflowClient()
            .newWorkflowStub(
                StackReleaseWorkflow.class,
                WorkflowOptions.newBuilder()
                    .setTaskQueue(TaskQueues.CONTROL)
                    .setWorkflowId(WorkflowIds.release("qa", request.stack(), "r1"))
                    .build());
    WorkflowClient.start(release::release, request);
    return release;
  }

  /** Waits for the end of a release that must fail with {@code type}; returns its result. */
  static ReleaseResult failure(StackReleaseWorkflow release, String type, String... parts) {
    try {
      WorkflowStub.fromTyped(release).getResult(ReleaseResult.class);
    } catch (WorkflowFailedException e) {
      ApplicationFailure failure = (ApplicationFailure) e.getCause();
      assertThat(failure.getType()).isEqualTo(type);
      if (parts.length > 0) {
        assertThat(failure.getOriginalMessage()).contains(parts);
      }
      return failure.getDetails().get(ReleaseResult.class);
    }
    throw new AssertionError("the release succeeded");
  }

  static Map<String, ServiceRelease> byService(List<ServiceRelease> services) {
    return services.stream()
        .collect(Collectors.toMap(ServiceRelease::service, Function.identity()));
  }

  static void awaitOutcome(StackReleaseWorkflow release, String outcome) {
    awaitTrue("the release is " + outcome, () -> outcome.equals(release.status().outcome()));
  }

  /**
   * Waits until the release took the abort: ABORTING, or already ABORTED when its deployments ended
   * at once (a first deployment stopped in its health gate has nothing to put back).
   */
  static void awaitAbortSeen(StackReleaseWorkflow release) {
    awaitTrue(
        "the release is aborting or aborted",
        () -> List.of("ABORTING", "ABORTED").contains(release.status().outcome()));
  }

  /** {@code first}'s rollback commit was pushed before {@code then}'s began. */
  void assertRolledBackBefore(String first, String then) {
    Span earlier = steps.span(first, "rollback-commit");
    Span later = steps.span(then, "rollback-commit");
    assertThat(earlier.endSeq())
        .as("%s is rolled back before %s: %s", first, then, steps.spans())
        .isLessThan(later.startSeq());
  }

  @Test
  void rollbackInTheBakeWindowRollsBackDependentsFirst() {
    webBillingAccounts();
    StackReleaseWorkflow release = start(request("shop", 600));
    awaitOutcome(release, "BAKING");

    release.rollback(new RollbackRequest("error rate up", "alice"));

    ReleaseResult result =
        failure(
            release,
            StackReleaseWorkflowImpl.RELEASE_ROLLED_BACK,
            "rollback by alice: error rate up",
            "web rolled back",
            "accounts rolled back");
    assertThat(result.outcome()).isEqualTo("ROLLED_BACK");
    assertRolledBackBefore("web", "billing");
    assertRolledBackBefore("billing", "accounts");
    for (ServiceRelease service : result.services()) {
      assertThat(service.state()).as(service.service()).isEqualTo(ServiceState.ROLLED_BACK);
      assertThat(service.rollbackWorkflowId())
          .isEqualTo(WorkflowIds.rollback("qa", service.service(), "release-shop-r1"));
      assertThat(service.rollback()).startsWith("rolled back by " + service.rollbackWorkflowId());
      assertThat(service.rollbackEndedAt()).isGreaterThanOrEqualTo(service.rollbackStartedAt());
      // Each rollback restored KV and redeployed after its commit.
      assertThat(steps.span(service.service(), "kv-restore").startSeq())
          .isGreaterThan(steps.span(service.service(), "rollback-commit").endSeq());
    }
    assertThat(result.control()).isEqualTo("rollback by alice: error rate up");
    for (ServiceRelease service : result.services()) {
      assertThat(steps.rollbackOf(service.service()))
          .as("%s's rollback undoes the release's own config commit", service.service())
          .isEqualTo(service.configCommit());
    }
  }

  @Test
  void aNewerDeploymentOfADependentStopsTheRollbackBeforeItsDependencies() {
    webBillingAccounts();
    steps.newerAtHead("web");
    StackReleaseWorkflow release = start(request("shop", 600));
    awaitOutcome(release, "BAKING");

    release.rollback(new RollbackRequest("error rate up", "alice"));

    ReleaseResult result =
        failure(
            release,
            StackReleaseWorkflowImpl.RELEASE_ROLLBACK_FAILED,
            "web rollback failed",
            "a newer deployment replaced the version to roll back");
    Map<String, ServiceRelease> services = byService(result.services());
    assertThat(services.get("web").state()).isEqualTo(ServiceState.ROLLBACK_FAILED);
    assertThat(services.get("billing").rollback())
        .isEqualTo("not rolled back: web could not be rolled back and still runs against it");
    assertThat(services.get("accounts").rollback())
        .isEqualTo("not rolled back: billing could not be rolled back and still runs against it");
    assertThat(steps.ran("billing", "rollback-commit")).isFalse();
    assertThat(steps.ran("accounts", "rollback-commit")).isFalse();
  }

  @Test
  void aRollbackWaitsForEveryDependentOfADiamond() {
    steps
        .service("a")
        .service("b", "a")
        .service("c", "a")
        .service("d", "b", "c")
        .stack("diamond", "a", "b", "c", "d");
    for (String s : List.of("a", "b", "c", "d")) {
      steps.previous(s, "localhost:5000/" + s + "@sha256:old");
    }
    StackReleaseWorkflow release = start(request("diamond", 600));
    awaitOutcome(release, "BAKING");

    String answer = release.requestRollback(new RollbackRequest("bad schema", "bob"));

    assertThat(answer).contains("dependents first (d, c, b, a)");
    failure(release, StackReleaseWorkflowImpl.RELEASE_ROLLED_BACK, "rollback by bob: bad schema");
    assertRolledBackBefore("d", "b");
    assertRolledBackBefore("d", "c");
    assertRolledBackBefore("b", "a");
    assertRolledBackBefore("c", "a");
  }

  @Test
  void aRollbackMidFlightStopsTheRunningDeploymentAndCancelsTheOnesNotDeployed() {
    webBillingAccounts();
    steps.hold(headOf("billing"), "health");
    StackReleaseWorkflow release = start(request("shop", 0));
    awaitTrue("billing is in its health gate", () -> steps.ran("billing", "health"));

    release.rollback(new RollbackRequest("wrong config", "alice"));
    awaitOutcome(release, "ROLLING_BACK");
    // The health step was cancelled; its activity is let go only once the rollback is under way
    // (the test server refuses a cancel racing the activity's own completion).
    awaitTrue("billing's deployment rolls back", () -> steps.finished("billing", "kv-restore"));
    steps.release(headOf("billing"), "health");
    ReleaseResult result =
        failure(release, StackReleaseWorkflowImpl.RELEASE_ROLLED_BACK, "web cancelled");
    Map<String, ServiceRelease> services = byService(result.services());
    assertThat(services.get("web").state()).isEqualTo(ServiceState.CANCELLED);
    assertThat(services.get("web").rollback()).startsWith("nothing to roll back: cancelled");
    assertThat(steps.ran("web", "kv")).as("web made no change").isFalse();
    // billing rolled back inside its own deployment, then accounts through a rollback workflow.
    assertThat(services.get("billing").state()).isEqualTo(ServiceState.ROLLED_BACK);
    assertThat(services.get("billing").rollbackWorkflowId()).isNull();
    assertThat(services.get("billing").rollback()).contains("rolled back inside its deployment");
    assertThat(services.get("accounts").state()).isEqualTo(ServiceState.ROLLED_BACK);
    assertThat(services.get("accounts").rollbackWorkflowId())
        .isEqualTo(WorkflowIds.rollback("qa", "accounts", "release-shop-r1"));
    assertRolledBackBefore("billing", "accounts");
  }

  @Test
  void aServiceWithoutAnEarlierVersionIsNotRolledBackAndItsDependenciesStay() {
    steps
        .service("accounts")
        .service("billing", "accounts")
        .stack("pair", "billing", "accounts")
        .previous("accounts", "localhost:5000/accounts@sha256:old");
    StackReleaseWorkflow release = start(request("pair", 600));
    awaitOutcome(release, "BAKING");

    release.rollback(new RollbackRequest("bad", "alice"));

    ReleaseResult result =
        failure(
            release,
            StackReleaseWorkflowImpl.RELEASE_ROLLBACK_FAILED,
            "billing rollback failed (not rolled back: this was the first deployment");
    Map<String, ServiceRelease> services = byService(result.services());
    assertThat(services.get("accounts").state()).isEqualTo(ServiceState.ROLLBACK_FAILED);
    assertThat(services.get("accounts").rollback())
        .isEqualTo("not rolled back: billing could not be rolled back and still runs against it");
    assertThat(steps.ran("accounts", "rollback-commit")).isFalse();
    assertThat(result.outcome()).isEqualTo("ROLLBACK_FAILED");
  }

  @Test
  void aRollbackUpdateWithoutReasonOrAfterTheEndIsRejected() {
    webBillingAccounts();
    StackReleaseWorkflow release = start(request("shop", 600));
    awaitOutcome(release, "BAKING");

    assertThatThrownBy(() -> release.requestRollback(new RollbackRequest(" ", "alice")))
        .isInstanceOf(WorkflowUpdateException.class)
        .rootCause()
        .hasMessageContaining("a rollback needs a reason");

    release.requestRollback(new RollbackRequest("first", "alice"));
    assertThatThrownBy(() -> release.requestRollback(new RollbackRequest("again", "bob")))
        .isInstanceOf(WorkflowUpdateException.class)
        .rootCause()
        .hasMessageContaining("a rollback is already under way (rollback by alice: first)");
    failure(release, StackReleaseWorkflowImpl.RELEASE_ROLLED_BACK);
  }

  @Test
  void withoutABakeWindowTheReleaseEndsAtOnce() {
    webBillingAccounts();
    StackReleaseWorkflow release = start(request("shop", 0));
    ReleaseResult result = WorkflowStub.fromTyped(release).getResult(ReleaseResult.class);
    assertThat(result.outcome()).isEqualTo("SUCCEEDED");
    assertThat(steps.ran("web", "rollback-commit")).isFalse();
  }

  @Test
  void aPausedReleaseOpensNoGateUntilResumed() {
    steps.service("a").service("b", "a").stack("pair", "a", "b").hold(headOf("a"), "health");
    StackReleaseWorkflow release = start(request("pair", 0));
    awaitTrue("a is in its health gate", () -> steps.ran("a", "health"));

    release.pause(ALICE);
    awaitOutcome(release, "PAUSED");
    steps.release(headOf("a"), "health");
    awaitTrue(
        "a succeeded",
        () -> byService(release.status().services()).get("a").state() == ServiceState.SUCCEEDED);
    awaitTrue(
        "b waits, its detail says why",
        () ->
            byService(release.status().services())
                .get("b")
                .detail()
                .equals("release paused by alice: canary errors"));
    assertThat(steps.ran("b", "kv")).as("b made no change while paused").isFalse();
    assertThat(release.status().control()).isEqualTo("paused by alice: canary errors");

    release.resume(new OperatorAction("looked fine", "alice"));

    ReleaseResult result = WorkflowStub.fromTyped(release).getResult(ReleaseResult.class);
    assertThat(result.outcome()).isEqualTo("SUCCEEDED");
    assertThat(steps.span("b", "kv").startSeq()).isGreaterThan(steps.span("a", "health").endSeq());
    assertThat(result.control()).isEqualTo("resumed by alice: looked fine");
  }

  @Test
  void aPausedReleaseStartsNoNewDeployment() {
    steps.service("a").service("b", "a").stack("pair", "a", "b").hold(headOf("a"), "build");
    ReleaseRequest one =
        new ReleaseRequest("/defs", "qa", "pair", List.of(), Map.of(), "alice", false, 1, 0);
    StackReleaseWorkflow release = start(one);
    awaitTrue("a builds", () -> steps.ran("a", "build"));

    release.pause(ALICE);
    awaitOutcome(release, "PAUSED");
    steps.release(headOf("a"), "build");
    // The release passes its pause on: a finishes its build and holds before its push.
    ServiceDeploymentWorkflow a =
        env.getWorkflowClient()
            .newWorkflowStub(
                ServiceDeploymentWorkflow.class, WorkflowIds.deployment("qa", "a", headOf("a")));
    awaitTrue("a is built and paused", () -> "PAUSED".equals(a.status().outcome()));
    assertThat(a.status().waitingFor()).contains("before step push");
    assertThat(steps.ran("a", "push")).as("a pushed nothing while paused").isFalse();
    assertThat(byService(release.status().services()).get("b").state())
        .isEqualTo(ServiceState.PENDING);
    assertThat(steps.ran("b", "resolve")).as("b was not started").isFalse();

    release.resume(ALICE);
    assertThat(WorkflowStub.fromTyped(release).getResult(ReleaseResult.class).outcome())
        .isEqualTo("SUCCEEDED");
  }

  @Test
  void aPauseLongerThanTheLimitAbortsTheRelease() {
    steps.service("a").service("b", "a").stack("pair", "a", "b").hold(headOf("a"), "build");
    StackReleaseWorkflow release = start(request("pair", 0));
    awaitTrue("a builds", () -> steps.ran("a", "build"));
    release.pause(ALICE);
    awaitOutcome(release, "PAUSED");
    steps.release(headOf("a"), "build");

    ReleaseResult result =
        failure(
            release,
            StackReleaseWorkflowImpl.RELEASE_ABORTED,
            "aborted by " + StackReleaseWorkflowImpl.PAUSE_EXPIRED_BY,
            "for longer than 23h");
    // a was paused before its push (the release passed its pause on), so the abort that ends
    // the pause leaves a without a change; b never started.
    Map<String, ServiceRelease> services = byService(result.services());
    assertThat(services.get("a").state()).isEqualTo(ServiceState.ABORTED);
    assertThat(steps.ran("a", "kv")).isFalse();
    assertThat(services.get("b").state()).isEqualTo(ServiceState.CANCELLED);
    assertThat(steps.ran("b", "kv")).isFalse();
  }

  @Test
  void anAbortCancelsWhatMadeNoChangeAndTakesTheDeploymentInItsHealthGateBackToItsOldVersion() {
    webBillingAccounts();
    steps.hold(headOf("accounts"), "health");
    StackReleaseWorkflow release = start(request("shop", 0));
    awaitTrue("accounts is in its health gate", () -> steps.ran("accounts", "health"));

    release.abort(ALICE);
    awaitAbortSeen(release);
    awaitHealthGateStopped(WorkflowIds.deployment("qa", "accounts", headOf("accounts")));
    steps.release(headOf("accounts"), "health");

    ReleaseResult result =
        failure(
            release,
            StackReleaseWorkflowImpl.RELEASE_ABORTED,
            "aborted by alice: canary errors",
            "accounts aborted",
            "back on localhost:5000/accounts@sha256:old",
            "billing cancelled",
            "web cancelled");
    assertThat(result.outcome()).isEqualTo("ABORTED");
    Map<String, ServiceRelease> services = byService(result.services());
    // accounts had deployed but was not proven healthy: the abort it got from the release
    // stopped its health gate and put the old version back (never a mix).
    assertThat(services.get("accounts").state()).isEqualTo(ServiceState.ABORTED);
    assertThat(services.get("billing").state()).isEqualTo(ServiceState.CANCELLED);
    assertThat(steps.ran("billing", "kv")).isFalse();
    assertThat(steps.ran("web", "kv")).isFalse();
    assertThat(steps.ran("accounts", "rollback-commit"))
        .as("accounts went back to its old version")
        .isTrue();
  }

  /**
   * Waits until the deployment has recorded the cancellation of its held health step, so the test
   * lets the fake step end only after that: a step completing in the same moment as its
   * cancellation is requested makes the test server refuse the workflow task (ACTIVITY_UNKNOWN).
   */
  void awaitHealthGateStopped(String workflowId) {
    awaitTrue(
        workflowId + " stops its health gate",
        () ->
            env.getWorkflowClient().fetchHistory(workflowId).getEvents().stream()
                .anyMatch(e -> e.hasActivityTaskCancelRequestedEventAttributes()));
  }

  /** The names of the signals {@code workflowId} received, in order, among {@code names}. */
  List<String> signals(String workflowId, String... names) {
    List<String> wanted = List.of(names);
    return env.getWorkflowClient().fetchHistory(workflowId).getEvents().stream()
        .filter(e -> e.hasWorkflowExecutionSignaledEventAttributes())
        .map(e -> e.getWorkflowExecutionSignaledEventAttributes().getSignalName())
        .filter(wanted::contains)
        .toList();
  }

  @Test
  void pauseAndAbortArePassedOnAndAPausedDeploymentAtItsGateIsResumedToSeeItsSkip() {
    steps
        .service("accounts")
        .service("billing", "accounts")
        .stack("pair", "accounts", "billing")
        .hold(headOf("accounts"), "health");
    StackReleaseWorkflow release = start(request("pair", 0));
    awaitTrue("accounts is in its health gate", () -> steps.ran("accounts", "health"));
    awaitTrue(
        "billing waits at its gate",
        () ->
            byService(release.status().services()).get("billing").state() == ServiceState.WAITING);

    release.pause(ALICE);
    awaitOutcome(release, "PAUSED");
    release.abort(new OperatorAction("give up", "bob"));
    awaitAbortSeen(release);
    awaitHealthGateStopped(WorkflowIds.deployment("qa", "accounts", headOf("accounts")));
    steps.release(headOf("accounts"), "health");

    failure(release, StackReleaseWorkflowImpl.RELEASE_ABORTED, "aborted by bob: give up");
    String accounts = WorkflowIds.deployment("qa", "accounts", headOf("accounts"));
    String billing = WorkflowIds.deployment("qa", "billing", headOf("billing"));
    assertThat(signals(accounts, "pause", "resume", "abort", "skip"))
        .as("the running deployment is paused, then aborted")
        .containsExactly("pause", "abort");
    assertThat(signals(billing, "pause", "resume", "abort", "skip"))
        .as("the gated one is paused, resumed and skipped: it changed nothing")
        .containsExactly("pause", "resume", "skip");
    assertThat(steps.ran("billing", "kv")).isFalse();
  }
}
