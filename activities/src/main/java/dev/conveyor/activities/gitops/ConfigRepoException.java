package dev.conveyor.activities.gitops;

/**
 * A transient problem with the config repository (network, timeout, a busy clone, a remote that
 * kept moving): retrying later can succeed, so activities let it propagate for Temporal to retry.
 * Permanent problems are thrown as non-retryable {@link io.temporal.failure.ApplicationFailure}s
 * instead.
 */
public final class ConfigRepoException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  ConfigRepoException(String message, Throwable cause) {
    super(message, cause);
  }

  ConfigRepoException(String message) {
    super(message);
  }
}
