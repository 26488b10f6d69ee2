package dev.conveyor.workflows.promotion;

import static dev.conveyor.workflows.testing.RecordingSteps.awaitTrue;
import static dev.conveyor.workflows.testing.RecordingSteps.headOf;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.conveyor.workflows.SearchAttributes;
import dev.conveyor.workflows.TaskQueues;
import dev.conveyor.workflows.WorkflowIds;
import dev.conveyor.workflows.deploy.ServiceDeploymentWorkflowImpl;
import dev.conveyor.workflows.deploy.Step;
import dev.conveyor.workflows.deploy.StepState;
import dev.conveyor.workflows.deploy.StepStatus;
import dev.conveyor.workflows.lane.ServiceLaneWorkflowImpl;
import dev.conveyor.workflows.release.ServiceRelease;
import dev.conveyor.workflows.release.ServiceState;
import dev.conveyor.workflows.release.StackReleaseWorkflowImpl;
import dev.conveyor.workflows.testing.RecordingSteps;
import dev.conveyor.workflows.testing.RecordingSteps.Span;
import io.temporal.api.enums.v1.IndexedValueType;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowFailedException;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowStub;
import io.temporal.failure.ApplicationFailure;
import io.temporal.testing.TestWorkflowEnvironment;
import io.temporal.worker.Worker;
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
 * Promotions through the real release and deployment workflows, with recording fakes for the steps
 * and {@link LiveSource} for the source environment. "Nothing rebuilt" is read from the recorded
 * activity spans: no build or push activity ran at all.
 */
@Timeout(90)
class PromotionWorkflowTests {
  static final String IMAGE_A = "localhost:5000/a@sha256:" + "a".repeat(64);
  static final String IMAGE_B = "localhost:5000/b@sha256:" + "b".repeat(64);

  TestWorkflowEnvironment env;
  RecordingSteps steps;
  LiveSource source;

  /** The test worker set-up plus the promotion workflow and its source activity. */
  static TestWorkflowEnvironment start(RecordingSteps steps, LiveSource source) {
    TestWorkflowEnvironment env = TestWorkflowEnvironment.newInstance();
    for (var key : SearchAttributes.ALL) {
      env.registerSearchAttribute(key.getName(), IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD);
    }
    Worker control = env.newWorker(TaskQueues.CONTROL);
    control.registerWorkflowImplementationTypes(
        ServiceDeploymentWorkflowImpl.class,
        ServiceLaneWorkflowImpl.class,
        StackReleaseWorkflowImpl.class,
        PromotionWorkflowImpl.class);
    control.registerActivitiesImplementations(steps, source);
    env.newWorker(TaskQueues.BUILD).registerActivitiesImplementations(steps);
    env.start();
    return env;
  }

  @BeforeEach
  void startEnvironment() {
    steps =
        new RecordingSteps()
            .service("a")
            .service("b", "a")
            .stack("chain", "a", "b")
            .takes("health", Duration.ofMillis(50));
    source = new LiveSource().live("a", headOf("a1"), IMAGE_A).live("b", headOf("b1"), IMAGE_B);
    env = start(steps, source);
  }

  @AfterEach
  void stopEnvironment() {
    env.close();
  }

  static PromotionRequest request(long approvalTimeoutSeconds) {
    return new PromotionRequest(
        "/defs", "chain", "qa", "prod", List.of(), "alice", approvalTimeoutSeconds);
  }

  static String id() {
    return WorkflowIds.promotion("chain", "qa", "prod", "p1");
  }

  PromotionWorkflow newPromotion() {
    return env.getWorkflowClient()
        .newWorkflowStub(
            PromotionWorkflow.class,
            WorkflowOptions.newBuilder()
                .setTaskQueue(TaskQueues.CONTROL)
                .setWorkflowId(id())
                .build());
  }

  PromotionWorkflow started(PromotionRequest request) {
    PromotionWorkflow promotion = newPromotion();
    WorkflowClient.start(promotion::promote, request);
    return promotion;
  }

  static PromotionResult result(PromotionWorkflow promotion) {
    return WorkflowStub.fromTyped(promotion).getResult(PromotionResult.class);
  }

  void awaitApprovalWait(PromotionWorkflow promotion) {
    awaitTrue(
        "the promotion waits for approval",
        () -> promotion.status().state() == PromotionState.AWAITING_APPROVAL);
  }

  List<Span> changes() {
    return steps.spans().stream()
        .filter(s -> List.of("kv", "commit", "deploy", "health").contains(s.step()))
        .toList();
  }

  static Map<String, ServiceRelease> byService(List<ServiceRelease> services) {
    return services.stream()
        .collect(Collectors.toMap(ServiceRelease::service, Function.identity()));
  }

  void assertPromotedWithoutRebuild(PromotionResult result) {
    assertThat(result.state()).isEqualTo(PromotionState.PROMOTED);
    assertThat(result.releaseWorkflowId())
        .isEqualTo(WorkflowIds.release("prod", "chain", "promote-p1"));
    Map<String, ServiceRelease> released = byService(result.release().services());
    assertThat(released.get("a").state()).isEqualTo(ServiceState.SUCCEEDED);
    assertThat(released.get("b").state()).isEqualTo(ServiceState.SUCCEEDED);
    assertThat(released.get("a").image()).as("the digest live on qa").isEqualTo(IMAGE_A);
    assertThat(released.get("b").image()).isEqualTo(IMAGE_B);
    assertThat(released.get("a").commit()).isEqualTo(headOf("a1"));
    assertThat(released.get("b").commit()).isEqualTo(headOf("b1"));
    assertThat(steps.spans())
        .as("no build or push activity ran")
        .noneMatch(s -> s.step().equals("build") || s.step().equals("push"));
    for (ServiceRelease service : result.release().services()) {
      Map<Step, StepStatus> byStep =
          service.steps().stream().collect(Collectors.toMap(StepStatus::step, s -> s));
      assertThat(byStep.get(Step.BUILD).state()).isEqualTo(StepState.SKIPPED);
      assertThat(byStep.get(Step.BUILD).detail()).startsWith("promoted sha256:");
      assertThat(byStep.get(Step.PUSH).state()).isEqualTo(StepState.SKIPPED);
    }
    assertThat(steps.span("b", "kv").startSeq())
        .as("b changes prod only after a passed its health gate there")
        .isGreaterThan(steps.span("a", "health").endSeq());
  }

  @Test
  void withoutApprovalTheLiveDigestsAreDeployedInDependencyOrderAndNothingIsRebuilt() {
    PromotionResult result = newPromotion().promote(request(0));

    assertPromotedWithoutRebuild(result);
    assertThat(result.approvedBy()).isNull();
    assertThat(result.services())
        .containsExactly(
            new PromotedService("a", headOf("a1"), IMAGE_A),
            new PromotedService("b", headOf("b1"), IMAGE_B));
  }

  @Test
  void anApprovalLetsItGoOnAndNothingChangesBefore() {
    source.approvalRequired();
    PromotionWorkflow promotion = started(request(0));
    awaitApprovalWait(promotion);
    assertThat(promotion.status().detail())
        .isEqualTo("prod requires approval: waiting up to PT24H");
    assertThat(changes()).as("nothing changed while waiting").isEmpty();

    promotion.approve(new Approval("bob", "checked on qa"));
    PromotionResult result = result(promotion);

    assertPromotedWithoutRebuild(result);
    assertThat(result.approvedBy()).isEqualTo("bob");
    assertThat(result.approvalComment()).isEqualTo("checked on qa");
  }

  @Test
  void aRejectionEndsItWithoutChanges() {
    source.approvalRequired();
    PromotionWorkflow promotion = started(request(0));
    awaitApprovalWait(promotion);

    promotion.reject(new Rejection("carol", "not before the audit"));
    PromotionResult result = result(promotion);

    assertThat(result.state()).isEqualTo(PromotionState.REJECTED);
    assertThat(result.reason()).isEqualTo("rejected by carol: not before the audit");
    assertThat(result.release()).isNull();
    assertThat(result.releaseWorkflowId()).isNull();
    assertThat(changes()).isEmpty();
  }

  @Test
  void withoutAnAnswerItEndsApprovalTimedOutAtTheDeadline() {
    source.approvalRequired();
    PromotionWorkflow promotion = started(request(Duration.ofHours(2).toSeconds()));
    awaitApprovalWait(promotion);
    long before = env.currentTimeMillis();

    PromotionResult result = result(promotion);

    assertThat(result.state()).isEqualTo(PromotionState.APPROVAL_TIMED_OUT);
    assertThat(result.reason()).isEqualTo("approval timed out");
    assertThat(env.currentTimeMillis() - before)
        .isGreaterThanOrEqualTo(Duration.ofHours(2).toMillis() - 1_000);
    assertThat(changes()).isEmpty();
  }

  @Test
  void aServiceThatIsNotLiveAndHealthyInTheSourceStopsItBeforeAnyChange() {
    source.unhealthy("b", headOf("b1"), IMAGE_B, "not healthy on qa: 0/2 healthy");

    WorkflowFailedException failed =
        catchThrowableOfType(
            WorkflowFailedException.class, () -> newPromotion().promote(request(0)));

    ApplicationFailure failure = (ApplicationFailure) failed.getCause();
    assertThat(failure.getType()).isEqualTo(PromotionWorkflowImpl.PROMOTION_FAILED);
    assertThat(failure.getOriginalMessage())
        .isEqualTo(
            "promotion " + id() + " failed: nothing promoted: b: not healthy on qa: 0/2 healthy");
    assertThat(steps.spans()).isEmpty();
  }
}
