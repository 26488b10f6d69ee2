package dev.conveyor.workflows.steps;

import io.temporal.activity.ActivityInterface;

/** Step 5: the config repo is the single source of truth and the audit trail. */
@ActivityInterface
public interface GitOpsActivities {
  /**
   * Writes {@code marathon/<env>/<service>.json} (the app template with the pinned image) into the
   * config repo and pushes one commit with Conveyor trailers; for a job ({@link WorkloadKind#JOB})
   * {@code chronos/<env>/<job>.json}, the Chronos job template with {@code name} and {@code
   * container.image}. Idempotent: when the file already holds that image, no commit is made and the
   * existing head is returned ({@code created} false). A non-fast-forward push fetches, re-applies
   * and retries.
   */
  ConfigCommitResult commitAppDefinition(ConfigCommitRequest request);

  /**
   * Restores an earlier app definition of {@code marathon/<env>/<service>.json} (for a job, {@link
   * WorkloadKind#JOB}: its job definition {@code chronos/<env>/<job>.json}) and pushes one commit,
   * subject {@code rollback <service> to <commit12> in <env>} with the trailers of a deploy commit
   * plus {@code Conveyor-Rollback-Of} (the config commit whose version is undone), {@code
   * Conveyor-Restored-From} (the config commit whose definition comes back) and {@code
   * Conveyor-Reason}.
   *
   * <p>The version restored is the file at {@code to} when given; otherwise the newest earlier
   * version of the file that differs from the one being left and was not itself rolled back (a
   * commit named by some later {@code Conveyor-Rollback-Of}).
   *
   * <p>Idempotent: when one of the recent commits carries this workflow run's trailers and a {@code
   * Conveyor-Rollback-Of}, it is returned ({@code created} false) without looking further; when the
   * file already holds the restored version, the head is returned ({@code created} false).
   *
   * @throws io.temporal.failure.ApplicationFailure of type {@link
   *     FailureTypes#NOTHING_TO_ROLL_BACK} when there is no earlier version (or {@code to} has
   *     none), {@link FailureTypes#CONFLICT} when {@code rollbackOf} is given and the file changed
   *     since then (a newer deployment)
   */
  RollbackCommitResult commitRollback(RollbackCommitRequest request);

  /**
   * @param service the service's name, or the job's when {@code kind} is {@link WorkloadKind#JOB}
   *     (then the file is {@code chronos/<env>/<job>.json} and the image its {@code
   *     container.image})
   * @param rollbackOf the config commit holding the version to undo (a deployment's commit), or
   *     null for whatever the head holds
   * @param to the config commit whose definition to restore (full or abbreviated), or null for the
   *     previous version
   * @param kind what is rolled back; null (requests recorded before jobs rolled back) means {@link
   *     WorkloadKind#SERVICE}
   */
  record RollbackCommitRequest(
      String definitions,
      String env,
      String service,
      String rollbackOf,
      String to,
      String workflowId,
      String requestedBy,
      String reason,
      WorkloadKind kind) {
    public RollbackCommitRequest {
      kind = kind == null ? WorkloadKind.SERVICE : kind;
    }

    /** A service's rollback. */
    public RollbackCommitRequest(
        String definitions,
        String env,
        String service,
        String rollbackOf,
        String to,
        String workflowId,
        String requestedBy,
        String reason) {
      this(
          definitions,
          env,
          service,
          rollbackOf,
          to,
          workflowId,
          requestedBy,
          reason,
          WorkloadKind.SERVICE);
    }
  }

  /**
   * @param configCommit the rollback commit (or the head when nothing needed committing)
   * @param restoredFrom the config commit whose definition was restored
   * @param image the image of the restored definition
   * @param commit the source commit of the restored version when its commit says, else null
   * @param rolledBackImage the image of the definition that was left
   */
  record RollbackCommitResult(
      String configCommit,
      String path,
      boolean created,
      String restoredFrom,
      String image,
      String commit,
      String rolledBackImage) {}

  /**
   * @param service the service's name, or the job's when {@code kind} is {@link WorkloadKind#JOB}
   * @param appFile the template in the config repo: the Marathon app template, or the Chronos job
   *     template
   * @param appId the Marathon app id, or the Chronos job name
   * @param kind what is committed; null (requests recorded before jobs existed) means {@link
   *     WorkloadKind#SERVICE}
   */
  record ConfigCommitRequest(
      String definitions,
      String env,
      String service,
      String appFile,
      String appId,
      String pinnedImage,
      String commit,
      String workflowId,
      String requestedBy,
      WorkloadKind kind) {
    public ConfigCommitRequest {
      kind = kind == null ? WorkloadKind.SERVICE : kind;
    }

    /** A service's app definition. */
    public ConfigCommitRequest(
        String definitions,
        String env,
        String service,
        String appFile,
        String appId,
        String pinnedImage,
        String commit,
        String workflowId,
        String requestedBy) {
      this(
          definitions,
          env,
          service,
          appFile,
          appId,
          pinnedImage,
          commit,
          workflowId,
          requestedBy,
          WorkloadKind.SERVICE);
    }
  }

  /**
   * {@code path} is the committed file, e.g. {@code marathon/qa/billing.json} or {@code
   * chronos/qa/report.json}.
   */
  record ConfigCommitResult(String configCommit, String path, boolean created) {}
}
