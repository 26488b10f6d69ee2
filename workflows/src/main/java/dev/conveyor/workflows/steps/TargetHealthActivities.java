package dev.conveyor.workflows.steps;

import io.temporal.activity.ActivityInterface;

/** What the environment's target says about a service that is already deployed. */
@ActivityInterface
public interface TargetHealthActivities {
  /**
   * Asks the environment's target (Marathon, or the local Docker engine) once, right now, whether
   * the service's live version is healthy: every expected instance up and passing its health check.
   * Answers at once and never waits for a change; the caller polls. Read-only.
   *
   * <p>Not deployed at all is an answer ({@code healthy} false, summary saying so), not a failure.
   * A target that cannot be reached is a transient failure (thrown, retried); unknown environment
   * or service in the definitions is {@link FailureTypes#INVALID_DEFINITIONS}.
   */
  LiveReport checkLive(LiveCheck check);

  /**
   * @param configCommit the config repo commit to read the definitions at (the release's plan)
   */
  record LiveCheck(String definitions, String configCommit, String env, String service) {}

  /**
   * @param image the image the target runs, when it runs one
   * @param summary what the target reports, for people: {@code 1/2 healthy; task billing.2: GET
   *     /health -> 503}, {@code not deployed on qa (no app /billing)}
   */
  record LiveReport(
      boolean healthy, int healthyInstances, int expectedInstances, String image, String summary) {}
}
