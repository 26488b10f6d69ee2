package dev.conveyor.workflows.deploy;

/**
 * Ends a gated deployment without changing anything in the environment.
 *
 * @param reason why, e.g. {@code dependency accounts failed}; the deployment ends {@code skipped:
 *     <reason>}
 */
public record GateSkip(String reason) {}
