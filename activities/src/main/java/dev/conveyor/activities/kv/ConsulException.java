package dev.conveyor.activities.kv;

/**
 * Consul did not do what was asked. {@link #status()} is the HTTP status, or {@code 0} when no
 * answer came (connection refused, timeout); the message carries Consul's own words.
 */
final class ConsulException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final int status;

  ConsulException(int status, String message) {
    super(message);
    this.status = status;
  }

  ConsulException(String message, Throwable cause) {
    super(message, cause);
    this.status = 0;
  }

  int status() {
    return status;
  }

  /** 401/403: the token is missing or lacks rights; retrying with the same token cannot help. */
  boolean unauthorized() {
    return status == 401 || status == 403;
  }

  /** 400/405/413: the request itself is wrong (e.g. a value over 512 KB). */
  boolean rejected() {
    return status == 400 || status == 405 || status == 413;
  }
}
