package dev.conveyor.activities.chronos;

import java.time.Duration;
import java.util.Objects;
import okhttp3.Credentials;

/**
 * Worker-side settings of the Chronos steps. Credentials come from here (worker config and its
 * environment), never from the definitions or workflow inputs.
 *
 * @param username HTTP Basic user (Chronos's {@code --http_credentials}), or null
 * @param password HTTP Basic password, or null
 * @param requestTimeout limit for one HTTP call (connect, read, whole call)
 * @param pollInterval how often the job listing is read while verifying or waiting for a run
 * @param listingWait how long verify looks for the job with the new image before it gives up
 */
public record ChronosSettings(
    String username,
    String password,
    Duration requestTimeout,
    Duration pollInterval,
    Duration listingWait) {

  public static final Duration DEFAULT_REQUEST_TIMEOUT = Duration.ofSeconds(15);
  public static final Duration DEFAULT_POLL_INTERVAL = Duration.ofSeconds(2);
  public static final Duration DEFAULT_LISTING_WAIT = Duration.ofSeconds(30);

  public ChronosSettings {
    Objects.requireNonNull(requestTimeout, "requestTimeout");
    Objects.requireNonNull(pollInterval, "pollInterval");
    Objects.requireNonNull(listingWait, "listingWait");
    if (requestTimeout.isZero() || requestTimeout.isNegative()) {
      throw new IllegalArgumentException("requestTimeout must be positive, got " + requestTimeout);
    }
    if (pollInterval.isZero() || pollInterval.isNegative()) {
      throw new IllegalArgumentException("pollInterval must be positive, got " + pollInterval);
    }
    if (listingWait.isNegative()) {
      throw new IllegalArgumentException("listingWait must not be negative, got " + listingWait);
    }
  }

  /** No credentials; 15 s per call, 2 s polls, 30 s for a job to be listed. */
  public static ChronosSettings defaults() {
    return new ChronosSettings(
        null, null, DEFAULT_REQUEST_TIMEOUT, DEFAULT_POLL_INTERVAL, DEFAULT_LISTING_WAIT);
  }

  /** The {@code Authorization} header value, or null when no credentials are set. */
  String authorization() {
    if (username != null && !username.isBlank()) {
      return Credentials.basic(username, password == null ? "" : password);
    }
    return null;
  }

  /** Never prints the password. */
  @Override
  public String toString() {
    return "ChronosSettings[username="
        + username
        + ", password="
        + (password == null ? "none" : "***")
        + ", requestTimeout="
        + requestTimeout
        + ", pollInterval="
        + pollInterval
        + ", listingWait="
        + listingWait
        + "]";
  }
}
