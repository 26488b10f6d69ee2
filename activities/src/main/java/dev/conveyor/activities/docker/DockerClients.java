package dev.conveyor.activities.docker;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.core.DefaultDockerClientConfig;
import com.github.dockerjava.core.DockerClientImpl;
import com.github.dockerjava.httpclient5.ApacheDockerHttpClient;

/**
 * Opens docker-java clients from {@link DockerSettings}. The API version is left to the engine
 * (Debian's dockerd 20.10 speaks 1.41 and rejects newer clients that pin a higher version).
 */
public final class DockerClients {
  private static final int MAX_CONNECTIONS = 32;

  private DockerClients() {}

  /** A client for the engine in {@code settings}; the caller closes it. */
  public static DockerClient open(DockerSettings settings) {
    DefaultDockerClientConfig.Builder config =
        DefaultDockerClientConfig.createDefaultConfigBuilder();
    if (settings.dockerHost() != null && !settings.dockerHost().isBlank()) {
      config.withDockerHost(settings.dockerHost());
    }
    DefaultDockerClientConfig resolved = config.build();
    ApacheDockerHttpClient http =
        new ApacheDockerHttpClient.Builder()
            .dockerHost(resolved.getDockerHost())
            .sslConfig(resolved.getSSLConfig())
            .maxConnections(MAX_CONNECTIONS)
            .connectionTimeout(settings.connectTimeout())
            .responseTimeout(settings.responseTimeout())
            .build();
    return DockerClientImpl.getInstance(resolved, http);
  }
}
