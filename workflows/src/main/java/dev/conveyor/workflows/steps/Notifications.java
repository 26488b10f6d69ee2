package dev.conveyor.workflows.steps;

import dev.conveyor.workflows.steps.NotifyActivities.Notification;
import dev.conveyor.workflows.steps.NotifyActivities.NotifyResult;
import io.temporal.failure.ActivityFailure;
import io.temporal.workflow.Async;
import io.temporal.workflow.Promise;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * The notify step shared by the workflows: every notifier at once, then wait for all. A channel
 * that keeps failing is reported in the summary, never thrown: a notification never fails or blocks
 * a deployment. Workflow code (Async and Promise only).
 */
public final class Notifications {
  private Notifications() {}

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
