package dev.conveyor.activities.notify;

import java.time.Duration;
import java.util.Objects;

/**
 * Worker-side settings of the notify step.
 *
 * @param uiBaseUrl the Temporal UI's base URL ({@code conveyor.ui.base-url}), e.g. {@code
 *     http://localhost:8233}; null or blank: messages carry no link
 * @param namespace the Temporal namespace the workflows run in, for the link
 * @param timeout limit for one send: HTTP connect/read/call, SMTP connect/read/write
 */
public record NotifySettings(String uiBaseUrl, String namespace, Duration timeout) {
  public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);

  public NotifySettings {
    Objects.requireNonNull(timeout, "timeout");
    if (timeout.isZero() || timeout.isNegative()) {
      throw new IllegalArgumentException("timeout must be positive, got " + timeout);
    }
    if (namespace == null || namespace.isBlank()) {
      namespace = "default";
    }
  }

  /** No UI link, namespace {@code default}, 10 s timeout. */
  public static NotifySettings defaults() {
    return new NotifySettings(null, "default", DEFAULT_TIMEOUT);
  }
}
