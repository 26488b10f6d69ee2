package dev.conveyor.activities.marathon;

import java.util.List;

/**
 * Marathon did not do what was asked. Carries the HTTP status ({@code 0} when no answer came:
 * connection refused, timeout), Marathon's {@code message}, its validation {@code details} as
 * {@code /path: error} lines, and for 409 the ids of the deployments that hold the app.
 */
final class MarathonException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final int status;
  private final String marathonMessage;
  private final List<String> details;
  private final List<String> deploymentIds;

  MarathonException(
      int status,
      String message,
      String marathonMessage,
      List<String> details,
      List<String> deploymentIds) {
    super(message);
    this.status = status;
    this.marathonMessage = marathonMessage;
    this.details = List.copyOf(details);
    this.deploymentIds = List.copyOf(deploymentIds);
  }

  MarathonException(String message, Throwable cause) {
    super(message, cause);
    this.status = 0;
    this.marathonMessage = null;
    this.details = List.of();
    this.deploymentIds = List.of();
  }

  int status() {
    return status;
  }

  /** What Marathon said ({@code message}), or null when it said nothing readable. */
  String marathonMessage() {
    return marathonMessage;
  }

  /** Validation errors as {@code /path: error} lines (400/422), else empty. */
  List<String> details() {
    return details;
  }

  /** For 409: the deployments that hold the app. */
  List<String> deploymentIds() {
    return deploymentIds;
  }

  /** 401/403: our credentials are missing or refused. */
  boolean unauthorized() {
    return status == 401 || status == 403;
  }

  /**
   * Retrying the same request cannot help: 4xx other than 408 (timeout), 409 (locked: wait) and 429
   * (throttled: wait).
   */
  boolean permanent() {
    return status >= 400 && status < 500 && status != 408 && status != 409 && status != 429;
  }
}
