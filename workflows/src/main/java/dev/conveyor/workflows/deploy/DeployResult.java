package dev.conveyor.workflows.deploy;

import java.util.List;

/**
 * How a deployment ended when it did not fail: {@link #SUCCEEDED} (deployed and healthy), {@link
 * #SKIPPED} (its release closed the gate: nothing in the environment changed) or {@link
 * #SUPERSEDED} (a newer commit took its place in the lane: nothing changed). A failed deployment
 * ends the workflow with an {@code ApplicationFailure} naming the step and reason instead.
 *
 * @param definitionsCommit the config repo commit the definitions were read at
 * @param configCommit the config repo commit that holds the deployed app definition
 * @param previousImage the image that was live before, for a rollback to return to (may be null)
 * @param reused whether the build was skipped because the registry already had the image
 * @param outcome {@link #SUCCEEDED}, {@link #SKIPPED} or {@link #SUPERSEDED}
 * @param reason why it was skipped or superseded ({@code superseded by <commit12>}); null on
 *     success
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
    List<StepStatus> steps,
    String outcome,
    String reason) {

  public static final String SUCCEEDED = "SUCCEEDED";
  public static final String SKIPPED = "SKIPPED";
  public static final String SUPERSEDED = "SUPERSEDED";
}
