package dev.conveyor.workflows.promotion;

import java.util.List;

/**
 * Answer of the {@code status} query.
 *
 * @param detail for people: what it waits for, who approved, why it ended
 * @param services what is promoted, once read
 * @param releaseWorkflowId the release to the target environment, once started
 */
public record PromotionStatus(
    String workflowId,
    String stack,
    String from,
    String to,
    PromotionState state,
    String detail,
    List<PromotedService> services,
    String releaseWorkflowId) {}
