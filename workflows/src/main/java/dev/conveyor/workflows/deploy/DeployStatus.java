package dev.conveyor.workflows.deploy;

import java.util.List;

/**
 * Answer of the {@code status} query.
 *
 * @param outcome {@code RUNNING}, {@code SUCCEEDED}, {@code FAILED}, {@code SKIPPED} or {@code
 *     SUPERSEDED}
 * @param digest the image digest once known
 * @param configCommit the config repo commit that holds the deployed definition, once made
 * @param deploymentId the target's deployment id, once deployed
 * @param waitingFor what the deployment waits for right now ({@code lane lane/qa/billing}, {@code
 *     release gate of release/qa/payments/…}), or null
 */
public record DeployStatus(
    String workflowId,
    String env,
    String service,
    String commit,
    String outcome,
    String digest,
    String configCommit,
    String deploymentId,
    List<StepStatus> steps,
    String waitingFor) {}
