package dev.conveyor.workflows.steps;

import io.temporal.activity.ActivityInterface;

/** Step 1 of a job deployment: read and validate the definitions at the config repo's head. */
@ActivityInterface
public interface JobResolveActivities {
  /**
   * Reads {@code conveyor.yaml} and the job's Chronos template at the config repo's current head,
   * validates them and resolves the environment's Chronos. Read-only, so safe to repeat.
   *
   * @throws io.temporal.failure.ApplicationFailure of type {@link FailureTypes#INVALID_DEFINITIONS}
   *     with every problem when the definitions are invalid, the job or environment is unknown, or
   *     the environment has no Chronos
   */
  ResolvedJob resolveJob(JobResolveRequest request);

  /** Where the definitions live and what to deploy. */
  record JobResolveRequest(String definitions, String env, String job, String commit) {}
}
