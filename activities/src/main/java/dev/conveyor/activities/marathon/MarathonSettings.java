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
 * @param events whether health gates wait on Marathon's event stream ({@code /v2/events}) and look
 *     again as soon as an event about their app arrives, instead of only at the poll interval; they
 *     poll as before while the stream is unavailable
 */
public record MarathonSettings(
    String username,
    String password,
    String token,
    Duration requestTimeout,
    Duration lockWait,
    Duration pollInterval,
    boolean events) {

  public static final Duration DEFAULT_REQUEST_TIMEOUT = Duration.ofSeconds(15);
  public static final Duration DEFAULT_LOCK_WAIT = Duration.ofSeconds(90);
  public static final Duration DEFAULT_POLL_INTERVAL = Duration.ofSeconds(2);

  /**
   * How long a gate on a connected event stream waits between looks when no event comes: the safety
   * net for a missed event.
   */
  public static final Duration EVENTS_SAFETY_POLL = Duration.ofSeconds(5);

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

  /** With the event-driven health gate on (the default). */
  public MarathonSettings(
      String username,
      String password,
      String token,
      Duration requestTimeout,
      Duration lockWait,
      Duration pollInterval) {
    this(username, password, token, requestTimeout, lockWait, pollInterval, true);
  }

  /** No credentials; default timeouts (15 s per call, 90 s lock wait, 2 s polls); events on. */
  public static MarathonSettings defaults() {
    return new MarathonSettings(
        null, null, null, DEFAULT_REQUEST_TIMEOUT, DEFAULT_LOCK_WAIT, DEFAULT_POLL_INTERVAL);
  }

  /** The same settings with the event-driven health gate on or off. */
  public MarathonSettings withEvents(boolean on) {
    return new MarathonSettings(
        username, password, token, requestTimeout, lockWait, pollInterval, on);
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
        + ", events="
        + events
        + "]";
  }
}
