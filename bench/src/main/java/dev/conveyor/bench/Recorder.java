package dev.conveyor.bench;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/** When each fake step started and ended (wall clock, epoch millis), per workflow id and step. */
final class Recorder {
  record Span(String workflowId, String step, long startedAt, long endedAt) {}

  private final List<Span> spans = new CopyOnWriteArrayList<>();
  private final Map<String, Long> marks = new ConcurrentHashMap<>();

  void span(String workflowId, String step, long startedAt, long endedAt) {
    spans.add(new Span(workflowId, step, startedAt, endedAt));
  }

  void mark(String key, long at) {
    marks.putIfAbsent(key, at);
  }

  Long mark(String key) {
    return marks.get(key);
  }

  List<Span> spans() {
    return List.copyOf(spans);
  }

  int count(String step) {
    return (int) spans.stream().filter(s -> s.step().equals(step)).count();
  }
}
