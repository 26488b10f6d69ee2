package dev.conveyor.worker.queues;

import dev.conveyor.workflows.TaskQueues;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Which of Conveyor's two task queues one worker process serves ({@code conveyor.worker.queues}).
 * The queue names themselves are fixed ({@link TaskQueues}): the workflow schedules build and push
 * on {@link TaskQueues#BUILD} by name, that name is recorded in every running workflow's history,
 * and the CLI starts workflows on {@link TaskQueues#CONTROL}; installations that must not share
 * work use separate Temporal namespaces instead of renamed queues.
 */
public record ServedQueues(Set<Queue> queues) {
  /** A queue a worker can serve, by the short name used in {@code conveyor.worker.queues}. */
  public enum Queue {
    /** Build and push; needs a Docker engine. */
    BUILD(TaskQueues.BUILD),
    /** Workflow tasks and every other activity: KV, Git, targets, health gate, notify. */
    CONTROL(TaskQueues.CONTROL);

    private final String taskQueue;

    Queue(String taskQueue) {
      this.taskQueue = taskQueue;
    }

    /** The Temporal task queue name. */
    public String taskQueue() {
      return taskQueue;
    }

    /** The name in {@code conveyor.worker.queues}. */
    public String shortName() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  public ServedQueues {
    queues = Set.copyOf(queues);
  }

  /**
   * Parses {@code conveyor.worker.queues}: {@code build}, {@code control} or both, in any case and
   * order; the full task queue names are accepted too.
   *
   * @throws IllegalArgumentException naming the property and the accepted values, for an unknown
   *     name or an empty list
   */
  public static ServedQueues parse(List<String> names) {
    Set<Queue> queues = EnumSet.noneOf(Queue.class);
    for (String raw : names) {
      String name = raw == null ? "" : raw.trim().toLowerCase(Locale.ROOT);
      if (name.isEmpty()) {
        continue;
      }
      queues.add(
          switch (name) {
            case "build", TaskQueues.BUILD -> Queue.BUILD;
            case "control", TaskQueues.CONTROL -> Queue.CONTROL;
            default ->
                throw new IllegalArgumentException(
                    "conveyor.worker.queues: unknown queue '"
                        + raw.trim()
                        + "'; use build, control or build,control");
          });
    }
    if (queues.isEmpty()) {
      throw new IllegalArgumentException(
          "conveyor.worker.queues is empty: a worker must serve build, control or both");
    }
    return new ServedQueues(queues);
  }

  public boolean servesBuild() {
    return queues.contains(Queue.BUILD);
  }

  public boolean servesControl() {
    return queues.contains(Queue.CONTROL);
  }

  /** Whether {@code taskQueue} is one of Conveyor's queues that this process does not serve. */
  public boolean excludes(String taskQueue) {
    for (Queue queue : Queue.values()) {
      if (queue.taskQueue().equals(taskQueue)) {
        return !queues.contains(queue);
      }
    }
    return false;
  }

  /** E.g. {@code build,control}, in a stable order. */
  @Override
  public String toString() {
    return Arrays.stream(Queue.values())
        .filter(queues::contains)
        .map(Queue::shortName)
        .collect(Collectors.joining(","));
  }
}
