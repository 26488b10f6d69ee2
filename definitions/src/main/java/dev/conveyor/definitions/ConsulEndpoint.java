package dev.conveyor.definitions;

import java.util.Objects;

/**
 * The Consul HTTP API that holds an environment's KV records.
 *
 * @param url base URL, e.g. {@code http://consul.prod:8500}; may hold {@code ${env:NAME}}
 *     references, which the worker resolves
 */
public record ConsulEndpoint(String url) {
  public ConsulEndpoint {
    Objects.requireNonNull(url, "url");
  }
}
