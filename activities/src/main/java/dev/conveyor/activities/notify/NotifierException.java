package dev.conveyor.activities.notify;

/**
 * Transient: the channel did not take the message this time (5xx, 408, 429, timeout, connection
 * refused, SMTP 4xx). Temporal retries the send a bounded number of times. The message names the
 * channel by host (or by its unresolved {@code ${env:…}} reference), never by its resolved URL.
 */
final class NotifierException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final int status;

  NotifierException(int status, String message) {
    super(message);
    this.status = status;
  }

  NotifierException(String message, Throwable cause) {
    super(message, cause);
    this.status = 0;
  }

  /** HTTP or SMTP status, or 0 when no answer came. */
  int status() {
    return status;
  }
}
