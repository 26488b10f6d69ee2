package dev.conveyor.workflows.job;

import java.util.List;

/**
 * A successful job deployment. (A failed one ends the workflow with an {@code ApplicationFailure}
 * naming the step and reason.)
 *
 * @param definitionsCommit the config repo commit the definitions were read at
 * @param configCommit the config repo commit that holds the registered job definition
 * @param chronosName the job's name in Chronos
 * @param registeredVia {@code iso8601} or {@code dependency}
 * @param smokeRun what the smoke run reported, or null when none was asked for
 * @param previousImage the image the job had before (KV {@code previous}), for a rollback to return
 *     to; null on a first deployment
 */
public record JobDeployResult(
    String workflowId,
    String env,
    String job,
    String commit,
    String image,
    String digest,
    boolean reused,
    String definitionsCommit,
    String configCommit,
    String chronosName,
    String registeredVia,
    String smokeRun,
    String previousImage,
    List<JobStepStatus> steps) {}
