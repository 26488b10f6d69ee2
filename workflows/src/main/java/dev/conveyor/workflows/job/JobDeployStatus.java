package dev.conveyor.workflows.job;

import java.util.List;

/**
 * Answer of the {@code status} query.
 *
 * @param outcome {@code RUNNING}, {@code SUCCEEDED}, {@code FAILED}, {@code ROLLING_BACK} or {@code
 *     ROLLED_BACK}
 * @param digest the image digest once known
 * @param configCommit the config repo commit that holds the job definition, once made
 * @param rollback what a requested rollback does or did; null when none was asked for
 */
public record JobDeployStatus(
    String workflowId,
    String env,
    String job,
    String commit,
    String outcome,
    String digest,
    String configCommit,
    List<JobStepStatus> steps,
    String rollback) {}
