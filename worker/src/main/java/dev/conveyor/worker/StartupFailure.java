package dev.conveyor.worker;

/**
 * A start-up check failed for a reason the operator can fix (a missing Docker engine, a bad
 * setting). {@link WorkerApplication#main} prints the message as one line and exits with code 2
 * instead of a stack trace, so the message must say what is wrong and what to do.
 */
public final class StartupFailure extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public StartupFailure(String message) {
    super(message);
  }

  public StartupFailure(String message, Throwable cause) {
    super(message, cause);
  }

  /** The message of the first {@link StartupFailure} in {@code failure}'s cause chain, or null. */
  static String reasonIn(Throwable failure) {
    for (Throwable t = failure; t != null; t = t.getCause()) {
      if (t instanceof StartupFailure startup) {
        return startup.getMessage();
      }
      if (t.getCause() == t) {
        break;
      }
    }
    return null;
  }
}
