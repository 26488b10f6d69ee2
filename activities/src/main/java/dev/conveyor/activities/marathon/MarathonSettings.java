package dev.conveyor.activities.marathon;

import java.time.Duration;
import java.util.Objects;
import okhttp3.Credentials;

/**
 * Worker-side settings of the Marathon target. Credentials come from here (worker config and its
 * environment), never from the definitions or workflow inputs.
 *
 * @param username HTTP Basic user, or null
 * @param password HTTP Basic password, or null
 * @param token DC/OS token, sent as {@code Authorization: token=<token>}; wins over Basic when set
 * @param requestTimeout limit for one HTTP call (connect, read, whole call)
 * @param lockWait how long a deploy waits for another deployment that holds the app (HTTP 409)
 *     before it fails transiently; keep it below the deploy activity's start-to-close timeout
 * @param pollInterval how often {@code /v2/deployments} is polled while waiting
 */
public record MarathonSettings(
    String username,
    String password,
    String token,
    Duration requestTimeout,
    Duration lockWait,
    Duration pollInterval) {

  public static final Duration DEFAULT_REQUEST_TIMEOUT = Duration.ofSeconds(15);
  public static final Duration DEFAULT_LOCK_WAIT = Duration.ofSeconds(90);
  public static final Duration DEFAULT_POLL_INTERVAL = Duration.ofSeconds(2);

  public MarathonSettings {
    Objects.requireNonNull(requestTimeout, "requestTimeout");
    Objects.requireNonNull(lockWait, "lockWait");
    Objects.requireNonNull(pollInterval, "pollInterval");
    if (requestTimeout.isZero() || requestTimeout.isNegative()) {
      throw new IllegalArgumentException("requestTimeout must be positive, got " + requestTimeout);
    }
    if (pollInterval.isZero() || pollInterval.isNegative()) {
      throw new IllegalArgumentException("pollInterval must be positive, got " + pollInterval);
    }
  }

  /** No credentials; default timeouts (15 s per call, 90 s lock wait, 2 s polls). */
  public static MarathonSettings defaults() {
    return new MarathonSettings(
        null, null, null, DEFAULT_REQUEST_TIMEOUT, DEFAULT_LOCK_WAIT, DEFAULT_POLL_INTERVAL);
  }

  /** The {@code Authorization} header value, or null when no credentials are set. */
  String authorization() {
    if (token != null && !token.isBlank()) {
      return "token=" + token;
    }
    if (username != null && !username.isBlank()) {
      return Credentials.basic(username, password == null ? "" : password);
    }
    return null;
  }

  /** Never prints the password or token. */
  @Override
  public String toString() {
    return "MarathonSettings[username="
        + username
        + ", password="
        + (password == null ? "none" : "***")
        + ", token="
        + (token == null ? "none" : "***")
        + ", requestTimeout="
        + requestTimeout
        + ", lockWait="
        + lockWait
        + ", pollInterval="
        + pollInterval
        + "]";
  }
}
