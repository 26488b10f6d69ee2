package dev.conveyor.activities.kv;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * Worker-side settings of the KV step.
 *
 * @param dataDir the worker's data dir; the file KV store lives in {@code <dataDir>/kv}
 * @param consulToken ACL token sent as {@code X-Consul-Token}; null or blank for none
 * @param timeout limit for one Consul call (connect, read and whole call) and for waiting on the
 *     file store's lock
 * @param casAttempts how many times a lost compare-and-set is re-read and tried again inside one
 *     activity attempt before it gives up with a transient failure
 */
public record KvSettings(Path dataDir, String consulToken, Duration timeout, int casAttempts) {
  public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);
  public static final int DEFAULT_CAS_ATTEMPTS = 5;

  public KvSettings {
    Objects.requireNonNull(dataDir, "dataDir");
    Objects.requireNonNull(timeout, "timeout");
    if (timeout.isNegative() || timeout.isZero()) {
      throw new IllegalArgumentException("timeout must be positive, got " + timeout);
    }
    if (casAttempts < 1) {
      throw new IllegalArgumentException("casAttempts must be at least 1, got " + casAttempts);
    }
  }

  /** Defaults: 10 s timeout, 5 compare-and-set attempts. */
  public static KvSettings of(Path dataDir, String consulToken) {
    return new KvSettings(dataDir, consulToken, DEFAULT_TIMEOUT, DEFAULT_CAS_ATTEMPTS);
  }

  /** Never prints the token. */
  @Override
  public String toString() {
    return "KvSettings[dataDir="
        + dataDir
        + ", consulToken="
        + (consulToken == null || consulToken.isBlank() ? "none" : "***")
        + ", timeout="
        + timeout
        + ", casAttempts="
        + casAttempts
        + "]";
  }
}
