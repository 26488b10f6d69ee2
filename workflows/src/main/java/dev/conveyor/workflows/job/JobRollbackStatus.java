package dev.conveyor.workflows.job;

/**
 * The {@code status} query of a job rollback.
 *
 * @param phase {@code RESOLVE}, {@code COMMIT}, {@code KV}, {@code REGISTER}, {@code NOTIFY}, then
 *     {@code ROLLED_BACK} or {@code FAILED}
 * @param detail what the phase is doing or how it ended
 */
public record JobRollbackStatus(
    String workflowId,
    String env,
    String job,
    String to,
    String requestedBy,
    String reason,
    String phase,
    String detail) {}
