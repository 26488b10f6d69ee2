package dev.conveyor.workflows.promotion;

import dev.conveyor.workflows.release.ReleaseResult;
import java.util.List;

/**
 * How a promotion ended when it did not fail.
 *
 * @param state {@link PromotionState#PROMOTED}, {@link PromotionState#REJECTED} or {@link
 *     PromotionState#APPROVAL_TIMED_OUT}
 * @param reason {@code rejected by bob: not before the audit}, {@code approval timed out}; null
 *     when promoted
 * @param approvedBy who approved, when approval was needed and given
 * @param approvalComment the approver's comment, may be null
 * @param release the release to the target environment; null when none ran
 */
public record PromotionResult(
    String workflowId,
    String stack,
    String from,
    String to,
    PromotionState state,
    String reason,
    String approvedBy,
    String approvalComment,
    List<PromotedService> services,
    String releaseWorkflowId,
    ReleaseResult release) {}
