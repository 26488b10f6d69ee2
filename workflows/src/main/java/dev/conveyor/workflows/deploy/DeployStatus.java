package dev.conveyor.workflows.deploy;

import java.util.List;

/**
 * Answer of the {@code status} query.
 *
 * @param outcome {@code RUNNING}, {@code SUCCEEDED} or {@code FAILED}
 * @param digest the image digest once known
 * @param configCommit the config repo commit that holds the deployed definition, once made
 * @param deploymentId the target's deployment id, once deployed
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
    List<StepStatus> steps) {}
