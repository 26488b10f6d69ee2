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
