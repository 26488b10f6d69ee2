package dev.conveyor.workflows.steps;

import io.temporal.activity.ActivityInterface;

/** Step 5: the config repo is the single source of truth and the audit trail. */
@ActivityInterface
public interface GitOpsActivities {
  /**
   * Writes {@code marathon/<env>/<service>.json} (the app template with the pinned image) into the
   * config repo and pushes one commit with Conveyor trailers. Idempotent: when the file already
   * holds that image, no commit is made and the existing head is returned ({@code created} false).
   * A non-fast-forward push fetches, re-applies and retries.
   */
  ConfigCommitResult commitAppDefinition(ConfigCommitRequest request);

  record ConfigCommitRequest(
      String definitions,
      String env,
      String service,
      String appFile,
      String appId,
      String pinnedImage,
      String commit,
      String workflowId,
      String requestedBy) {}

  /** {@code path} is the committed file, e.g. {@code marathon/qa/billing.json}. */
  record ConfigCommitResult(String configCommit, String path, boolean created) {}
}
