package dev.conveyor.workflows.deploy;

import java.util.List;

/**
 * A successful deployment. (A failed one ends the workflow with an {@code ApplicationFailure}
 * naming the step and reason.)
 *
 * @param definitionsCommit the config repo commit the definitions were read at
 * @param configCommit the config repo commit that holds the deployed app definition
 * @param previousImage the image that was live before, for a rollback to return to (may be null)
 * @param reused whether the build was skipped because the registry already had the image
 */
public record DeployResult(
    String workflowId,
    String env,
    String service,
    String commit,
    String image,
    String digest,
    boolean reused,
    String definitionsCommit,
    String configCommit,
    String deploymentId,
    String appVersion,
    String previousImage,
    List<StepStatus> steps) {}
