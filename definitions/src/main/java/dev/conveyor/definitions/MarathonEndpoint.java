package dev.conveyor.definitions;

import java.util.Objects;

/**
 * The Marathon API of an environment.
 *
 * @param url base URL, e.g. {@code http://marathon.prod:8080}; may hold {@code ${env:NAME}}
 *     references, which the worker resolves
 */
public record MarathonEndpoint(String url) {
  public MarathonEndpoint {
    Objects.requireNonNull(url, "url");
  }
}
