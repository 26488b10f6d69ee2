package dev.conveyor.bench;

import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;

/** When each fake step started and ended (wall clock, epoch millis), per workflow id and step. */
final class Recorder {
  record Span(String workflowId, String step, long startedAt, long endedAt) {}

  private final ConcurrentLinkedQueue<Span> spans = new ConcurrentLinkedQueue<>();

  void span(String workflowId, String step, long startedAt, long endedAt) {
    spans.add(new Span(workflowId, step, startedAt, endedAt));
  }

  List<Span> spans() {
    return List.copyOf(spans);
  }
}
