package dev.conveyor.activities.registry;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * How Conveyor talks to registries.
 *
 * @param credentials the login for the registry Conveyor pushes to, when it needs one
 * @param timeout the whole-call timeout of one registry API request
 * @param plainHttpHosts registries ({@code host:port}) spoken to over plain HTTP besides loopback
 *     ones ({@code localhost}, {@code 127.x}, {@code [::1]}), which always are, as with Docker
 */
public record RegistrySettings(
    Optional<RegistryCredentials> credentials, Duration timeout, Set<String> plainHttpHosts) {
  public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(30);

  public RegistrySettings {
    Objects.requireNonNull(credentials, "credentials");
    Objects.requireNonNull(timeout, "timeout");
    plainHttpHosts = Set.copyOf(plainHttpHosts);
  }

  /** No credentials, the default timeout, HTTPS except for loopback registries. */
  public static RegistrySettings defaults() {
    return new RegistrySettings(Optional.empty(), DEFAULT_TIMEOUT, Set.of());
  }

  /** The same settings with a login. */
  public RegistrySettings withCredentials(RegistryCredentials login) {
    return new RegistrySettings(Optional.of(login), timeout, plainHttpHosts);
  }
}
