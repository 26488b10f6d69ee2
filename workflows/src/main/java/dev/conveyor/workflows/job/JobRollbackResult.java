package dev.conveyor.workflows.job;

/**
 * A job rollback that made the earlier definition current. (One that did not ends the workflow with
 * an {@code ApplicationFailure} of type {@code RollbackFailed}.)
 *
 * @param configCommit the rollback commit (or the head when the file already held that version)
 * @param restoredFrom the config commit whose job definition is current again
 * @param image the image Chronos runs again
 * @param rolledBackImage the image that was left
 * @param chronosName the job's name in Chronos
 * @param detail one line for people: how Chronos took it
 */
public record JobRollbackResult(
    String workflowId,
    String env,
    String job,
    String configCommit,
    String restoredFrom,
    String image,
    String rolledBackImage,
    String chronosName,
    String detail) {}
