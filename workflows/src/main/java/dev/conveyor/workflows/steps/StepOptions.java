package dev.conveyor.workflows.steps;

import dev.conveyor.workflows.TaskQueues;
import io.temporal.activity.ActivityOptions;
import io.temporal.common.RetryOptions;
import java.time.Duration;

/**
 * Activity options, one per kind of step, shared by every workflow: the same step (a Git read, a
 * build, a question to a target, a notification) gets the same deadlines and retries wherever it
 * runs. Workflows name them in constants of their own (e.g. {@code ServiceDeploymentWorkflowImpl
 * .REMOTE_CALL}). Failure types in {@link #PERMANENT} are never retried.
 */
public final class StepOptions {
  /** Every failure type that retrying cannot fix (see {@link FailureTypes}). */
  public static final String[] PERMANENT = {
    FailureTypes.INVALID_DEFINITIONS,
    FailureTypes.BUILD_FAILED,
    FailureTypes.REJECTED,
    FailureTypes.UNAUTHORIZED,
    FailureTypes.HEALTH_DEADLINE,
    FailureTypes.SMOKE_RUN_FAILED,
    FailureTypes.MISCONFIGURED
  };

  /** Reads and small writes against Git, KV and target APIs: quick, retried with backoff. */
  public static final ActivityOptions REMOTE_CALL =
      ActivityOptions.newBuilder()
          .setTaskQueue(TaskQueues.CONTROL)
          .setStartToCloseTimeout(Duration.ofMinutes(2))
          .setScheduleToCloseTimeout(Duration.ofMinutes(15))
          .setRetryOptions(
              RetryOptions.newBuilder()
                  .setInitialInterval(Duration.ofSeconds(1))
                  .setBackoffCoefficient(2)
                  .setMaximumInterval(Duration.ofSeconds(30))
                  .setDoNotRetry(PERMANENT)
                  .build())
          .build();

  /** docker build and push: long, heartbeating, on hosts with a Docker engine. */
  public static final ActivityOptions BUILD =
      ActivityOptions.newBuilder()
          .setTaskQueue(TaskQueues.BUILD)
          .setStartToCloseTimeout(Duration.ofMinutes(30))
          .setHeartbeatTimeout(Duration.ofMinutes(1))
          .setScheduleToCloseTimeout(Duration.ofHours(1))
          .setRetryOptions(
              RetryOptions.newBuilder()
                  .setInitialInterval(Duration.ofSeconds(2))
                  .setBackoffCoefficient(2)
                  .setMaximumInterval(Duration.ofMinutes(1))
                  .setMaximumAttempts(5)
                  .setDoNotRetry(PERMANENT)
                  .build())
          .build();

  /** One question to a target; a failed try counts as "not healthy yet" for the caller's poll. */
  public static final ActivityOptions LIVE_CHECK =
      ActivityOptions.newBuilder()
          .setTaskQueue(TaskQueues.CONTROL)
          .setStartToCloseTimeout(Duration.ofSeconds(30))
          .setScheduleToCloseTimeout(Duration.ofMinutes(1))
          .setRetryOptions(
              RetryOptions.newBuilder()
                  .setInitialInterval(Duration.ofSeconds(1))
                  .setBackoffCoefficient(2)
                  .setMaximumInterval(Duration.ofSeconds(10))
                  .setDoNotRetry(PERMANENT)
                  .build())
          .build();

  /**
   * A wait that heartbeats while it polls (health gate, smoke run). The caller sets the
   * start-to-close and schedule-to-close from its own deadline; a retry after a worker crash
   * resumes the same deadline from the heartbeat details.
   */
  public static final ActivityOptions HEARTBEAT_WAIT =
      ActivityOptions.newBuilder()
          .setTaskQueue(TaskQueues.CONTROL)
          .setHeartbeatTimeout(Duration.ofSeconds(30))
          .setRetryOptions(
              RetryOptions.newBuilder()
                  .setInitialInterval(Duration.ofSeconds(1))
                  .setBackoffCoefficient(2)
                  .setMaximumInterval(Duration.ofSeconds(10))
                  .setDoNotRetry(PERMANENT)
                  .build())
          .build();

  /** Notifications: a few quick tries, then give up; never blocks or fails the deployment. */
  public static final ActivityOptions NOTIFY =
      ActivityOptions.newBuilder()
          .setTaskQueue(TaskQueues.CONTROL)
          .setStartToCloseTimeout(Duration.ofSeconds(30))
          .setScheduleToCloseTimeout(Duration.ofMinutes(3))
          .setRetryOptions(
              RetryOptions.newBuilder()
                  .setInitialInterval(Duration.ofSeconds(2))
                  .setBackoffCoefficient(2)
                  .setMaximumAttempts(3)
                  .setDoNotRetry(FailureTypes.MISCONFIGURED, FailureTypes.REJECTED)
                  .build())
          .build();

  private StepOptions() {}
}
