package dev.conveyor.workflows.rollback;

/**
 * The {@code status} query of a rollback.
 *
 * @param phase {@code WAITING} (for the lane), {@code RESOLVE}, {@code COMMIT}, {@code KV}, {@code
 *     DEPLOY}, {@code HEALTH}, {@code NOTIFY}, then {@code ROLLED_BACK}, {@code SUPERSEDED} or
 *     {@code FAILED}
 * @param detail what the phase is doing or how it ended
 */
public record RollbackStatus(
    String workflowId,
    String env,
    String service,
    String to,
    String requestedBy,
    String reason,
    String phase,
    String detail) {}
