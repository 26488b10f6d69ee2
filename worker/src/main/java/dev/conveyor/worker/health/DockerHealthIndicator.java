package dev.conveyor.worker.health;

import com.github.dockerjava.api.DockerClient;
import dev.conveyor.activities.docker.DockerClients;
import dev.conveyor.activities.docker.DockerSettings;
import org.springframework.boot.actuate.health.Health;
import org.springframework.boot.actuate.health.HealthIndicator;

/** UP when the Docker engine answers a ping (build workers only). Read-only. */
final class DockerHealthIndicator implements HealthIndicator {
  private final DockerSettings settings;
  private final String host;

  /**
   * @param settings the engine, with the check's timeouts as connect and response timeout
   * @param host how to name the engine in the report
   */
  DockerHealthIndicator(DockerSettings settings, String host) {
    this.settings = settings;
    this.host = host;
  }

  @Override
  public Health health() {
    try (DockerClient docker = DockerClients.open(settings)) {
      docker.pingCmd().exec();
      return Health.up().withDetail("host", host).build();
    } catch (Exception e) {
      return Health.down()
          .withDetail("host", host)
          .withDetail("error", host + ": " + Endpoints.rootMessage(e))
          .build();
    }
  }
}
