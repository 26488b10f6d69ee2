package dev.conveyor.workflows.steps;

import dev.conveyor.workflows.steps.NotifyActivities.Notification;
import dev.conveyor.workflows.steps.NotifyActivities.NotifyResult;
import dev.conveyor.workflows.steps.NotifyActivities.StepTiming;
import io.temporal.failure.ActivityFailure;
import io.temporal.workflow.Async;
import io.temporal.workflow.Promise;
import io.temporal.workflow.Workflow;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;
import org.slf4j.Logger;

/**
 * The notify step shared by the workflows: every notifier at once, then wait for all. A channel
 * that keeps failing is reported in the summary, never thrown: a notification never fails or blocks
 * a deployment. Workflow code (Async and Promise only).
 */
public final class Notifications {
  private static final Logger log = Workflow.getLogger(Notifications.class);

  private Notifications() {}

  /**
   * What every notification of one outcome says; {@link #notifyEach} makes one per notifier.
   *
   * @param name the service or job
   * @param requestedBy who asked for the deployment or rollback
   */
  public record Event(
      String workflowId,
      String env,
      String name,
      String commit,
      String image,
      String outcome,
      String failedStep,
      String reason,
      String requestedBy,
      List<StepTiming> timings) {}

  /**
   * Sends {@code event} to each of {@code notifiers} at once, each with its own idempotency key
   * ({@code <workflow id>/<outcome>/<index>}, so a retried send is one message); a channel that
   * keeps failing is logged, not thrown.
   *
   * @return the summary of {@link #sendAll}
   */
  public static String notifyEach(
      NotifyActivities notifier,
      List<NotifierSpec> notifiers,
      Event event,
      Function<ActivityFailure, String> describe) {
    List<Notification> notifications = new ArrayList<>();
    for (int i = 0; i < notifiers.size(); i++) {
      notifications.add(
          new Notification(
              notifiers.get(i),
              event.workflowId() + "/" + event.outcome().toLowerCase(Locale.ROOT) + "/" + i,
              event.workflowId(),
              event.env(),
              event.name(),
              event.commit(),
              event.image(),
              event.outcome(),
              event.failedStep(),
              event.reason(),
              event.requestedBy(),
              event.timings()));
    }
    String sent = sendAll(notifier, notifications, describe);
    if (sent.contains("; failed: ")) {
      log.warn("{}: notifications: {}", event.workflowId(), sent);
    }
    return sent;
  }

  /**
   * @param describe turns a failed send into one line
   * @return {@code "<sent>/<all> sent"}, plus {@code "; failed: …"} for the channels that failed
   */
  public static String sendAll(
      NotifyActivities notifier,
      List<Notification> notifications,
      Function<ActivityFailure, String> describe) {
    List<Promise<NotifyResult>> sends = new ArrayList<>();
    for (Notification notification : notifications) {
      sends.add(Async.function(notifier::send, notification));
    }
    int delivered = 0;
    List<String> problems = new ArrayList<>();
    for (Promise<NotifyResult> send : sends) {
      try {
        send.get();
        delivered++;
      } catch (ActivityFailure failure) {
        problems.add(describe.apply(failure));
      }
    }
    String summary = delivered + "/" + notifications.size() + " sent";
    return problems.isEmpty() ? summary : summary + "; failed: " + String.join("; ", problems);
  }
}
