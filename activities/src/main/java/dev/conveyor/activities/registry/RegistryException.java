package dev.conveyor.activities.registry;

/**
 * A registry API call that did not give an answer Conveyor can use. Carries the HTTP status (0 when
 * the registry could not be reached) so callers can tell transient problems from permanent ones.
 */
public final class RegistryException extends RuntimeException {
  private final int status;

  RegistryException(int status, String message) {
    super(message);
    this.status = status;
  }

  RegistryException(int status, String message, Throwable cause) {
    super(message, cause);
    this.status = status;
  }

  /** The HTTP status, or 0 when no response arrived (connection refused, timeout). */
  public int status() {
    return status;
  }

  /** Whether trying again later may succeed: no response, 429, or a 5xx. */
  public boolean isTransient() {
    return status == 0 || status == 429 || status >= 500;
  }

  /** Whether the registry refused the credentials (or their absence): 401 or 403. */
  public boolean isUnauthorized() {
    return status == 401 || status == 403;
  }
}
