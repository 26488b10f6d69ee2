package dev.conveyor.cli.demo;

/** Something the demo needs is missing or did not happen; the message says what to do. */
final class DemoException extends RuntimeException {
  private final int exitCode;

  DemoException(String message) {
    this(message, 1);
  }

  DemoException(String message, int exitCode) {
    super(message);
    this.exitCode = exitCode;
  }

  int exitCode() {
    return exitCode;
  }
}
