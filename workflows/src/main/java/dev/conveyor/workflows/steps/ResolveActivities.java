package dev.conveyor.workflows.steps;

import io.temporal.activity.ActivityInterface;

/** Step 1: read and validate the definitions at the config repo's head. */
@ActivityInterface
public interface ResolveActivities {
  /**
   * Reads {@code conveyor.yaml} and the service's app template at the config repo's current head,
   * validates them and resolves the environment. Read-only, so safe to repeat.
   *
   * @throws io.temporal.failure.ApplicationFailure of type {@link FailureTypes#INVALID_DEFINITIONS}
   *     with every problem when the definitions are invalid
   */
  ResolvedDeployment resolve(ResolveRequest request);

  /** Where the definitions live and what to deploy. */
  record ResolveRequest(String definitions, String env, String service, String commit) {}
}
