package dev.conveyor.workflows.rollback;

/**
 * How a rollback ended when it did not fail.
 *
 * @param outcome {@link #ROLLED_BACK} or {@link #SUPERSEDED} (a newer deployment took the lane
 *     first: nothing changed)
 * @param configCommit the rollback commit (or the head when the file already held that version)
 * @param restoredFrom the config commit whose definition is live again
 * @param image the image live again
 * @param rolledBackImage the image that was left
 * @param deploymentId the target's deployment of the restored version
 * @param detail one line for people: the health reading, or why nothing changed
 */
public record RollbackResult(
    String workflowId,
    String env,
    String service,
    String outcome,
    String configCommit,
    String restoredFrom,
    String image,
    String rolledBackImage,
    String deploymentId,
    String detail) {
  public static final String ROLLED_BACK = "ROLLED_BACK";
  public static final String SUPERSEDED = "SUPERSEDED";
}
