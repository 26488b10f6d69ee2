package dev.conveyor.activities.build;

import io.temporal.activity.ActivityExecutionContext;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;

/**
 * The latest progress line of a build or push, heartbeated from the activity thread. Lines arrive
 * on docker-java's thread; only the last one is sent (heartbeat details stay small), and only as
 * often as the caller beats.
 */
final class Progress {
  private static final int MAX_DETAIL = 200;
  private static final int KEPT_LINES = 5;

  private final ActivityExecutionContext context;
  private final Deque<String> recent = new ArrayDeque<>();
  private String latest;

  Progress(ActivityExecutionContext context, String first) {
    this.context = context;
    this.latest = first;
  }

  /** Records a line of output; blank lines and bare arrows are ignored. */
  synchronized void line(String text) {
    if (text == null) {
      return;
    }
    String trimmed = text.strip();
    if (trimmed.isEmpty() || trimmed.equals("--->")) {
      return;
    }
    latest = trimmed.length() > MAX_DETAIL ? trimmed.substring(0, MAX_DETAIL) + "…" : trimmed;
    recent.addLast(latest);
    while (recent.size() > KEPT_LINES) {
      recent.removeFirst();
    }
  }

  /** Sends the latest line as heartbeat details; throws if the activity was cancelled. */
  void beat() {
    String detail;
    synchronized (this) {
      detail = latest;
    }
    context.heartbeat(detail);
  }

  /** The last few lines, oldest first, for failure messages. */
  synchronized List<String> recentLines() {
    return List.copyOf(recent);
  }
}
