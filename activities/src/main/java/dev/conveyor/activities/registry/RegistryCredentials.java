package dev.conveyor.activities.registry;

import java.util.Objects;

/**
 * A registry login, from the worker's configuration only (never from workflow input). Used for
 * docker-java pushes and pulls and for the registry API (Basic, or Basic at the token endpoint).
 */
public record RegistryCredentials(String username, String password) {
  public RegistryCredentials {
    Objects.requireNonNull(username, "username");
    Objects.requireNonNull(password, "password");
  }

  /** Keeps the password out of logs and exception messages. */
  @Override
  public String toString() {
    return "RegistryCredentials[username=" + username + ", password=***]";
  }
}
