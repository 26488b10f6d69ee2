package dev.conveyor.workflows.deploy;

/**
 * The gate a release puts between a deployment's push and its first change to the environment (KV,
 * config commit, deploy, health). The deployment tells the release when its image is built ({@link
 * GateHolder#built}) and then waits for {@code proceed} or {@code skip}.
 *
 * @param releaseWorkflowId the release that holds the gate
 * @param stack the stack being released (upserted as {@code ConveyorStack})
 * @param timeoutSeconds how long the deployment waits for the gate; then it ends skipped
 */
public record ReleaseGate(String releaseWorkflowId, String stack, long timeoutSeconds) {}
