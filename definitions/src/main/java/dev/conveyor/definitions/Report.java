package dev.conveyor.definitions;

import java.util.ArrayList;
import java.util.List;

/** Collects the problems found in one file, so that checks never stop at the first one. */
final class Report {

  private final String file;
  private final List<Problem> sink;

  private Report(String file, List<Problem> sink) {
    this.file = file;
    this.sink = sink;
  }

  /** A report for {@code file} that adds to the same list as this one. */
  Report forFile(String otherFile) {
    return new Report(otherFile, sink);
  }

  static Report forFile(String file, List<Problem> sink) {
    return new Report(file, sink);
  }

  static Report standalone(String file) {
    return new Report(file, new ArrayList<>());
  }

  String file() {
    return file;
  }

  void error(Position at, String message) {
    sink.add(new Problem(file, at.line(), at.column(), Problem.Severity.ERROR, message));
  }

  void warning(Position at, String message) {
    sink.add(new Problem(file, at.line(), at.column(), Problem.Severity.WARNING, message));
  }

  List<Problem> problems() {
    return List.copyOf(sink);
  }

  boolean hasErrors() {
    return sink.stream().anyMatch(Problem::isError);
  }
}
