package dev.conveyor.workflows.promotion;

import java.util.List;

/**
 * What to promote from where to where, and who asked.
 *
 * @param definitions the config repo: a path on the worker's host or a Git URL
 * @param services an explicit subset of the stack; empty (or null) for the whole stack
 * @param approvalTimeoutSeconds how long to wait for {@code approve} when the target environment
 *     has {@code approval: required}; 0 or less means 24 hours
 */
public record PromotionRequest(
    String definitions,
    String stack,
    String from,
    String to,
    List<String> services,
    String requestedBy,
    long approvalTimeoutSeconds) {}
