package dev.conveyor.worker.health;

import java.net.URI;
import java.util.Locale;

/** Turns the configured addresses into the URLs the health checks call. */
final class Endpoints {
  private Endpoints() {}

  /**
   * {@code GET /v2/} of a registry given as {@code host:port} or a URL. Without a scheme, loopback
   * hosts are spoken to over HTTP and others over HTTPS, as the Docker engine does for registries
   * not marked insecure.
   */
  static String registryCheck(String address) {
    String base = address.trim();
    if (!base.contains("://")) {
      String host = hostOf(base);
      boolean loopback =
          host.equals("localhost") || host.startsWith("127.") || host.equals("[::1]");
      base = (loopback ? "http://" : "https://") + base;
    }
    return withPath(base, "/v2/");
  }

  /** {@code GET /v1/status/leader} of a Consul agent URL: answers the leader, "" when none. */
  static String consulCheck(String url) {
    return withPath(withScheme(url), "/v1/status/leader");
  }

  /** {@code GET /v2/info} of a Marathon URL: 200 from the leader, 503/502 without one. */
  static String marathonCheck(String url) {
    return withPath(withScheme(url), "/v2/info");
  }

  private static String withScheme(String url) {
    String trimmed = url.trim();
    return trimmed.contains("://") ? trimmed : "http://" + trimmed;
  }

  private static String withPath(String base, String path) {
    String stripped = base.replaceAll("/+$", "");
    return stripped + path;
  }

  private static String hostOf(String hostPort) {
    String host = URI.create("http://" + hostPort).getHost();
    return host == null ? hostPort.toLowerCase(Locale.ROOT) : host.toLowerCase(Locale.ROOT);
  }

  /** The innermost cause as {@code Type: message}: what failed, without the stack. */
  static String rootMessage(Throwable e) {
    Throwable root = e;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    String message = root.getMessage();
    return root.getClass().getSimpleName() + (message == null ? "" : ": " + message);
  }
}
