package dev.conveyor.workflows.steps;

import io.temporal.activity.ActivityInterface;
import java.util.List;

/** Step 8: tell the team. One call per notifier, so one failing channel cannot block another. */
@ActivityInterface
public interface NotifyActivities {
  /**
   * Sends one notification. Idempotent as far as the receiver allows: every send carries {@code
   * idempotencyKey} (workflow id + outcome + notifier index) as a header so a retried send can be
   * deduplicated.
   */
  NotifyResult send(Notification notification);

  record Notification(
      NotifierSpec notifier,
      String idempotencyKey,
      String workflowId,
      String env,
      String service,
      String commit,
      String image,
      String outcome,
      String failedStep,
      String reason,
      String requestedBy,
      List<StepTiming> timings) {}

  /** How long one step took; {@code state} is the step's final state. */
  record StepTiming(String step, String state, long millis) {}

  record NotifyResult(String channel, String summary) {}
}
