package dev.conveyor.activities.chronos;

/**
 * Chronos did not do what was asked. Carries the HTTP status ({@code 0} when no answer came:
 * connection refused, timeout) and what Chronos said (its error pages are plain text).
 */
final class ChronosException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final int status;
  private final String said;

  ChronosException(int status, String message, String said) {
    super(message);
    this.status = status;
    this.said = said;
  }

  ChronosException(String message, Throwable cause) {
    super(message, cause);
    this.status = 0;
    this.said = null;
  }

  int status() {
    return status;
  }

  /** Chronos's answer, abbreviated, or null when it said nothing. */
  String said() {
    return said;
  }

  /** 401/403: our credentials are missing or refused. */
  boolean unauthorized() {
    return status == 401 || status == 403;
  }

  /** Retrying the same request cannot help: 4xx other than 408 (timeout) and 429 (throttled). */
  boolean permanent() {
    return status >= 400 && status < 500 && status != 408 && status != 429;
  }
}
