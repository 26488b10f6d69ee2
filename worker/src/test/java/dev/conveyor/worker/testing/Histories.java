package dev.conveyor.worker.testing;

import io.temporal.api.enums.v1.EventType;
import io.temporal.api.history.v1.HistoryEvent;
import io.temporal.client.WorkflowClient;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** What a workflow's history says about its activities: how often each type was attempted. */
public final class Histories {
  private Histories() {}

  /**
   * The attempt numbers of every start of {@code activityType} in the history, in order: {@code
   * [1]} when it ran once, {@code [3]} when the third try was the last (Temporal records only the
   * last attempt of a retried activity), {@code [1, 1]} when the workflow scheduled it twice.
   */
  public static List<Integer> attempts(
      WorkflowClient client, String workflowId, String activityType) {
    Map<Long, String> types = new HashMap<>();
    List<Integer> attempts = new ArrayList<>();
    for (HistoryEvent e : client.fetchHistory(workflowId).getEvents()) {
      if (e.getEventType() == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED) {
        types.put(
            e.getEventId(),
            e.getActivityTaskScheduledEventAttributes().getActivityType().getName());
      } else if (e.getEventType() == EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED) {
        var started = e.getActivityTaskStartedEventAttributes();
        if (activityType.equals(types.get(started.getScheduledEventId()))) {
          attempts.add(started.getAttempt());
        }
      }
    }
    return attempts;
  }
}
