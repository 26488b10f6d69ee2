package dev.conveyor.workflows.promotion;

import dev.conveyor.workflows.SearchAttributes;
import dev.conveyor.workflows.TaskQueues;
import dev.conveyor.workflows.WorkflowIds;
import dev.conveyor.workflows.release.ReleaseRequest;
import dev.conveyor.workflows.release.ReleaseResult;
import dev.conveyor.workflows.release.StackReleaseWorkflow;
import dev.conveyor.workflows.steps.PromotionActivities;
import dev.conveyor.workflows.steps.PromotionActivities.LiveService;
import dev.conveyor.workflows.steps.PromotionActivities.LiveStack;
import dev.conveyor.workflows.steps.PromotionActivities.LiveStackRequest;
import dev.conveyor.workflows.steps.StepOptions;
import io.temporal.activity.ActivityOptions;
import io.temporal.api.enums.v1.WorkflowIdReusePolicy;
import io.temporal.failure.ActivityFailure;
import io.temporal.failure.ApplicationFailure;
import io.temporal.failure.ChildWorkflowFailure;
import io.temporal.failure.TemporalFailure;
import io.temporal.workflow.ChildWorkflowOptions;
import io.temporal.workflow.Workflow;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.slf4j.Logger;

/**
 * Reads the source environment once (KV record + target health, one activity), waits for approval
 * where the target environment requires it, then runs one {@link StackReleaseWorkflow} child to the
 * target with every service pinned to its source commit and image, so the deployments skip build
 * and push ({@code DeployRequest.pinnedImage}) and follow the release's dependency order.
 */
public final class PromotionWorkflowImpl implements PromotionWorkflow {
  private static final Logger log = Workflow.getLogger(PromotionWorkflowImpl.class);

  /** Failure type: the source was not live and healthy, or the release failed. */
  public static final String PROMOTION_FAILED = "PromotionFailed";

  static final Duration DEFAULT_APPROVAL_TIMEOUT = Duration.ofHours(24);

  static final ActivityOptions READ = StepOptions.REMOTE_CALL;

  private final PromotionActivities source =
      Workflow.newActivityStub(PromotionActivities.class, READ);

  private PromotionRequest request;
  private String workflowId;
  private PromotionState state = PromotionState.READING;
  private String detail = "reading the source environment";
  private List<PromotedService> services = List.of();
  private String releaseWorkflowId;
  private Approval approval;
  private Rejection rejection;

  @Override
  public PromotionResult promote(PromotionRequest request) {
    this.request = request;
    this.workflowId = Workflow.getInfo().getWorkflowId();
    Workflow.upsertTypedSearchAttributes(
        SearchAttributes.STACK.valueSet(request.stack()),
        SearchAttributes.ENV.valueSet(request.to()),
        SearchAttributes.STATUS.valueSet("running"));
    LiveStack live;
    try {
      live =
          source.readLive(
              new LiveStackRequest(
                  request.definitions(),
                  request.stack(),
                  request.from(),
                  request.to(),
                  request.services() == null ? List.of() : request.services()));
    } catch (ActivityFailure failure) {
      throw fail("cannot read " + request.from() + ": " + message(failure));
    }
    services =
        live.services().stream()
            .map(s -> new PromotedService(s.service(), s.commit(), s.image()))
            .toList();
    List<LiveService> notLive = live.services().stream().filter(s -> !s.live()).toList();
    if (!notLive.isEmpty()) {
      throw fail(
          "nothing promoted: "
              + notLive.stream()
                  .map(s -> s.service() + ": " + s.summary())
                  .collect(Collectors.joining("; ")));
    }

    if (live.approvalRequired()) {
      Duration timeout =
          request.approvalTimeoutSeconds() > 0
              ? Duration.ofSeconds(request.approvalTimeoutSeconds())
              : DEFAULT_APPROVAL_TIMEOUT;
      state = PromotionState.AWAITING_APPROVAL;
      detail = request.to() + " requires approval: waiting up to " + timeout;
      Workflow.setCurrentDetails(detail);
      boolean decided = Workflow.await(timeout, () -> approval != null || rejection != null);
      if (rejection != null) {
        return end(
            PromotionState.REJECTED,
            "rejected by " + rejection.by() + ": " + rejection.reason(),
            "rejected");
      }
      if (!decided) {
        return end(PromotionState.APPROVAL_TIMED_OUT, "approval timed out", "timed out");
      }
      log.info("{} approved by {}", workflowId, approval.by());
    }

    state = PromotionState.RELEASING;
    String promotionId = workflowId.substring(workflowId.lastIndexOf('/') + 1);
    releaseWorkflowId =
        WorkflowIds.release(request.to(), request.stack(), "promote-" + promotionId);
    detail = "releasing as " + releaseWorkflowId;
    Map<String, String> commits = new LinkedHashMap<>();
    Map<String, String> images = new LinkedHashMap<>();
    for (PromotedService service : services) {
      commits.put(service.service(), service.commit());
      images.put(service.service(), service.image());
    }
    StackReleaseWorkflow release =
        Workflow.newChildWorkflowStub(
            StackReleaseWorkflow.class,
            ChildWorkflowOptions.newBuilder()
                .setWorkflowId(releaseWorkflowId)
                .setTaskQueue(TaskQueues.CONTROL)
                .setWorkflowIdReusePolicy(
                    WorkflowIdReusePolicy.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE_FAILED_ONLY)
                .setStaticSummary(
                    "promote "
                        + request.stack()
                        + " from "
                        + request.from()
                        + " to "
                        + request.to())
                .build());
    ReleaseResult released;
    try {
      released =
          release.release(
              new ReleaseRequest(
                  request.definitions(),
                  request.to(),
                  request.stack(),
                  services.stream().map(PromotedService::service).toList(),
                  commits,
                  approval != null ? approval.by() : request.requestedBy(),
                  false,
                  0,
                  0,
                  images));
    } catch (ChildWorkflowFailure failure) {
      throw fail("release " + releaseWorkflowId + " failed: " + message(failure));
    }
    state = PromotionState.PROMOTED;
    detail = "promoted " + services.size() + " service(s) to " + request.to();
    Workflow.upsertTypedSearchAttributes(SearchAttributes.STATUS.valueSet("succeeded"));
    Workflow.setCurrentDetails(detail);
    return result(null, released);
  }

  @Override
  public void approve(Approval approval) {
    if (state == PromotionState.READING || state == PromotionState.AWAITING_APPROVAL) {
      if (this.approval == null && rejection == null) {
        this.approval = approval;
      }
    }
  }

  @Override
  public void reject(Rejection rejection) {
    if (state == PromotionState.READING || state == PromotionState.AWAITING_APPROVAL) {
      if (approval == null && this.rejection == null) {
        this.rejection = rejection;
      }
    }
  }

  @Override
  public PromotionStatus status() {
    return new PromotionStatus(
        workflowId,
        request == null ? null : request.stack(),
        request == null ? null : request.from(),
        request == null ? null : request.to(),
        state,
        detail,
        services,
        releaseWorkflowId);
  }

  private PromotionResult end(PromotionState ended, String reason, String status) {
    state = ended;
    detail = reason;
    Workflow.upsertTypedSearchAttributes(SearchAttributes.STATUS.valueSet(status));
    Workflow.setCurrentDetails(reason);
    log.info("{}: {}", workflowId, reason);
    return result(reason, null);
  }

  private PromotionResult result(String reason, ReleaseResult release) {
    return new PromotionResult(
        workflowId,
        request.stack(),
        request.from(),
        request.to(),
        state,
        reason,
        approval == null ? null : approval.by(),
        approval == null ? null : approval.comment(),
        services,
        releaseWorkflowId,
        release);
  }

  private ApplicationFailure fail(String message) {
    state = PromotionState.FAILED;
    detail = message;
    Workflow.upsertTypedSearchAttributes(SearchAttributes.STATUS.valueSet("failed"));
    Workflow.setCurrentDetails(message);
    return ApplicationFailure.newNonRetryableFailure(
        "promotion " + workflowId + " failed: " + message, PROMOTION_FAILED);
  }

  private static String message(TemporalFailure failure) {
    Throwable cause = failure;
    while ((cause instanceof ActivityFailure || cause instanceof ChildWorkflowFailure)
        && cause.getCause() != null) {
      cause = cause.getCause();
    }
    return cause instanceof TemporalFailure t ? t.getOriginalMessage() : cause.getMessage();
  }
}
