package dev.conveyor.definitions;

import java.time.Duration;
import java.util.Objects;

/**
 * How Conveyor decides a deployed service is healthy.
 *
 * @param path HTTP path that answers 2xx/3xx when healthy (default {@code /health})
 * @param port container port the path is served on (default 8080)
 * @param timeout how long a deployment may take to turn healthy (default 5m)
 */
public record Health(String path, int port, Duration timeout) {

  public static final String DEFAULT_PATH = "/health";
  public static final int DEFAULT_PORT = 8080;
  public static final Duration DEFAULT_TIMEOUT = Duration.ofMinutes(5);
  public static final Health DEFAULT = new Health(DEFAULT_PATH, DEFAULT_PORT, DEFAULT_TIMEOUT);

  public Health {
    Objects.requireNonNull(path, "path");
    Objects.requireNonNull(timeout, "timeout");
  }
}
