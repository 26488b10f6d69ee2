package dev.conveyor.workflows.promotion;

import io.temporal.workflow.QueryMethod;
import io.temporal.workflow.SignalMethod;
import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;

/**
 * Deploys to one environment the exact images that are live and healthy in another, in dependency
 * order and without rebuilding. Id: {@code promote/<stack>/<from>-to-<to>/<promotionId>} (see
 * {@link dev.conveyor.workflows.WorkflowIds#promotion}). Rules: docs/releases.md.
 */
@WorkflowInterface
public interface PromotionWorkflow {
  /**
   * Returns {@link PromotionState#PROMOTED}, {@link PromotionState#REJECTED} or {@link
   * PromotionState#APPROVAL_TIMED_OUT}. Fails with type {@link
   * PromotionWorkflowImpl#PROMOTION_FAILED} when a service is not live and healthy in the source
   * environment (nothing changed) or the release to the target failed.
   */
  @WorkflowMethod
  PromotionResult promote(PromotionRequest request);

  /** Lets a promotion that waits for approval go on; ignored at any other time. */
  @SignalMethod
  void approve(Approval approval);

  /** Ends a promotion that waits for approval without changes; ignored at any other time. */
  @SignalMethod
  void reject(Rejection rejection);

  @QueryMethod
  PromotionStatus status();
}
