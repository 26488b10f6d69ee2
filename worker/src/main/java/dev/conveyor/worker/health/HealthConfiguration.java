package dev.conveyor.worker.health;

import dev.conveyor.activities.docker.DockerSettings;
import dev.conveyor.worker.WorkerProperties;
import dev.conveyor.worker.queues.ServedQueues;
import io.temporal.serviceclient.WorkflowServiceStubs;
import io.temporal.spring.boot.autoconfigure.properties.TemporalProperties;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import okhttp3.OkHttpClient;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.InitializingBean;
import org.springframework.boot.actuate.health.HealthContributorRegistry;
import org.springframework.boot.web.context.WebServerInitializedEvent;
import org.springframework.context.ApplicationListener;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The components of {@code /actuator/health}: {@code temporal} always, {@code docker} on build
 * workers, and {@code registry}, {@code consul}, {@code marathon} for the endpoints listed under
 * {@code conveyor.worker.health.*} (the registry defaults to 127.0.0.1:5000 on build workers). They
 * are registered at start because which ones exist depends on the served queues.
 */
@Configuration(proxyBeanMethods = false)
class HealthConfiguration {
  private static final Logger log = LoggerFactory.getLogger(HealthConfiguration.class);

  /** The registry a build worker checks when {@code conveyor.worker.health.registries} is unset. */
  static final String DEFAULT_REGISTRY = "127.0.0.1:5000";

  @Bean
  InitializingBean conveyorHealthContributors(
      HealthContributorRegistry registry,
      WorkerProperties properties,
      ServedQueues served,
      TemporalProperties temporal,
      WorkflowServiceStubs service,
      DockerSettings docker) {
    return () -> {
      WorkerProperties.Health health = properties.health();
      Duration timeout = health.timeout();
      registry.registerContributor(
          "temporal",
          new TemporalHealthIndicator(
              service, temporal.getConnection().getTarget(), temporal.getNamespace(), timeout));
      if (served.servesBuild()) {
        registry.registerContributor(
            "docker",
            new DockerHealthIndicator(
                new DockerSettings(docker.dockerHost(), timeout, timeout), dockerHost(docker)));
      }
      OkHttpClient http =
          new OkHttpClient.Builder()
              .connectTimeout(timeout)
              .readTimeout(timeout)
              .callTimeout(timeout)
              .followRedirects(false)
              .build();
      List<String> registries =
          Optional.ofNullable(health.registries())
              .orElse(served.servesBuild() ? List.of(DEFAULT_REGISTRY) : List.of());
      register(
          registry,
          "registry",
          http,
          registries.stream()
              .map(
                  r ->
                      new HttpEndpointsHealthIndicator.Check(
                          Endpoints.registryCheck(r), null, HttpEndpointsHealthIndicator::answers))
              .toList());
      register(
          registry,
          "consul",
          http,
          health.consul().stream()
              .map(
                  c ->
                      new HttpEndpointsHealthIndicator.Check(
                          Endpoints.consulCheck(c), null, HealthConfiguration::consulHasLeader))
              .toList());
      String marathonAuth = marathonAuthorization(properties.marathon());
      register(
          registry,
          "marathon",
          http,
          health.marathon().stream()
              .map(
                  m ->
                      new HttpEndpointsHealthIndicator.Check(
                          Endpoints.marathonCheck(m),
                          marathonAuth,
                          HealthConfiguration::marathonHasLeader))
              .toList());
    };
  }

  /** Says where the endpoints are; with {@code server.port=0} this is how to find the port. */
  @Bean
  ApplicationListener<WebServerInitializedEvent> announceManagementPort() {
    return event ->
        log.info(
            "health and metrics on http://localhost:{}/actuator (health, prometheus)",
            event.getWebServer().getPort());
  }

  private static void register(
      HealthContributorRegistry registry,
      String name,
      OkHttpClient http,
      List<HttpEndpointsHealthIndicator.Check> checks) {
    if (!checks.isEmpty()) {
      registry.registerContributor(name, new HttpEndpointsHealthIndicator(http, checks));
    }
  }

  /** Consul answers 200 with {@code "host:port"} of the leader, or {@code ""} without one. */
  static Optional<String> consulHasLeader(HttpEndpointsHealthIndicator.Answer answer) {
    if (answer.status() != 200) {
      return Optional.of("HTTP " + answer.status());
    }
    String leader = answer.body().trim().replace("\"", "");
    return leader.isEmpty() ? Optional.of("the cluster has no leader") : Optional.empty();
  }

  /** Marathon answers 200 from (or through) the leader; 502/503 mean no leader. */
  static Optional<String> marathonHasLeader(HttpEndpointsHealthIndicator.Answer answer) {
    if (answer.status() == 200) {
      return Optional.empty();
    }
    if (answer.status() == 502 || answer.status() == 503) {
      return Optional.of("HTTP " + answer.status() + " (no leader, or the proxy to it failed)");
    }
    return Optional.of("HTTP " + answer.status());
  }

  /** Same credentials the Marathon target uses: a DC/OS token wins over HTTP Basic. */
  static String marathonAuthorization(WorkerProperties.Marathon marathon) {
    if (marathon.token() != null && !marathon.token().isBlank()) {
      return "token=" + marathon.token();
    }
    if (marathon.username() != null && !marathon.username().isBlank()) {
      String pair =
          marathon.username() + ":" + (marathon.password() == null ? "" : marathon.password());
      return "Basic " + Base64.getEncoder().encodeToString(pair.getBytes(StandardCharsets.UTF_8));
    }
    return null;
  }

  private static String dockerHost(DockerSettings settings) {
    if (settings.dockerHost() != null && !settings.dockerHost().isBlank()) {
      return settings.dockerHost();
    }
    String env = System.getenv("DOCKER_HOST");
    return env == null || env.isBlank() ? "unix:///var/run/docker.sock" : env;
  }
}
