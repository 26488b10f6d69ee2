package dev.conveyor.worker;

import org.springframework.boot.web.server.PortInUseException;

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

  /**
   * The message of the first {@link StartupFailure} in {@code failure}'s cause chain, or what to do
   * about an HTTP port in use (a second worker on one host); null for anything else.
   */
  static String reasonIn(Throwable failure) {
    for (Throwable t = failure; t != null; t = t.getCause()) {
      if (t instanceof StartupFailure startup) {
        return startup.getMessage();
      }
      if (t instanceof PortInUseException inUse) {
        return "port "
            + inUse.getPort()
            + " (health and metrics) is in use, by another worker on this host? Give this one"
            + " another with --server.port=PORT or CONVEYOR_HTTP_PORT (0 picks a free port).";
      }
      if (t.getCause() == t) {
        break;
      }
    }
    return null;
  }
}
