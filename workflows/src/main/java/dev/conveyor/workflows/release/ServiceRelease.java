package dev.conveyor.workflows.release;

import dev.conveyor.workflows.deploy.StepStatus;
import java.util.List;

/**
 * One node of a release: a service, what it waits for, and how far it got. Times are workflow time
 * in epoch milliseconds, 0 until they happen.
 *
 * @param dependsOn the services of this release it waits for (directly, or through services outside
 *     the release)
 * @param checkedOnTarget the dependencies outside the release that must be healthy on the target
 *     before it deploys
 * @param detail for people: what it waits for, why it failed or was skipped ({@code skipped:
 *     dependency accounts failed})
 * @param workflowId its deployment's workflow id, once started
 * @param startedAt when its deployment started
 * @param builtAt when its image was pushed
 * @param deployStartedAt when its deploy phase began: the gate open and the image pushed
 * @param endedAt when it ended
 * @param steps its deployment's steps, once the deployment returned them
 * @param rollback how the release's rollback went for it ({@code rolled back by
 *     rollback/qa/web/of-release-r1: …}, {@code nothing to roll back: skipped}); null when the
 *     release was not rolled back
 * @param rollbackWorkflowId the rollback workflow the release started for it, null when none (a
 *     deployment still running rolls back inside its own workflow)
 * @param rollbackStartedAt when its rollback began (0 when none)
 * @param rollbackEndedAt when its rollback ended (0 while it runs or when none)
 */
public record ServiceRelease(
    String service,
    String commit,
    List<String> dependsOn,
    List<String> checkedOnTarget,
    ServiceState state,
    String detail,
    String workflowId,
    String image,
    String digest,
    String configCommit,
    long startedAt,
    long builtAt,
    long deployStartedAt,
    long endedAt,
    List<StepStatus> steps,
    String rollback,
    String rollbackWorkflowId,
    long rollbackStartedAt,
    long rollbackEndedAt) {

  /** A service of a release that was not rolled back. */
  public ServiceRelease(
      String service,
      String commit,
      List<String> dependsOn,
      List<String> checkedOnTarget,
      ServiceState state,
      String detail,
      String workflowId,
      String image,
      String digest,
      String configCommit,
      long startedAt,
      long builtAt,
      long deployStartedAt,
      long endedAt,
      List<StepStatus> steps) {
    this(
        service,
        commit,
        dependsOn,
        checkedOnTarget,
        state,
        detail,
        workflowId,
        image,
        digest,
        configCommit,
        startedAt,
        builtAt,
        deployStartedAt,
        endedAt,
        steps,
        null,
        null,
        0,
        0);
  }
}
