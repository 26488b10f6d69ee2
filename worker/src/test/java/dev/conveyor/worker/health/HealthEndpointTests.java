package dev.conveyor.worker.health;

import static org.assertj.core.api.Assertions.assertThat;

import dev.conveyor.worker.WorkerApplication;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.autoconfigure.actuate.observability.AutoConfigureObservability;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;

/**
 * The worker's HTTP side as a control worker sees it: Temporal (in-process test server) answers, a
 * configured Consul agent does not. Overall DOWN naming the agent; liveness and readiness stay UP,
 * because a dead Consul is not a reason to restart or unroute a worker.
 */
@AutoConfigureObservability(tracing = false) // Boot tests switch metrics export off by default
@SpringBootTest(
    classes = WorkerApplication.class,
    webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    properties = {
      "spring.temporal.test-server.enabled=true",
      "conveyor.worker.queues=control",
      "conveyor.worker.health.consul=http://127.0.0.1:9",
      "conveyor.worker.health.timeout=1s",
      "conveyor.worker.data-dir=${java.io.tmpdir}/conveyor-health-endpoint-tests"
    })
class HealthEndpointTests {
  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  @LocalServerPort int port;

  @Test
  void healthIsDownNamingTheConsulAgentWhileProbesStayUp() throws Exception {
    HttpResponse<String> health = get("/actuator/health");

    assertThat(health.statusCode()).isEqualTo(503);
    assertThat(health.body())
        .contains("\"temporal\":{\"status\":\"UP\"")
        .contains("\"consul\":{\"status\":\"DOWN\"")
        .contains("http://127.0.0.1:9/v1/status/leader\":\"DOWN: ConnectException")
        .doesNotContain("\"docker\"")
        .doesNotContain("\"registry\"");
    assertThat(get("/actuator/health/liveness").statusCode()).isEqualTo(200);
    HttpResponse<String> readiness = get("/actuator/health/readiness");
    assertThat(readiness.statusCode()).isEqualTo(200);
    assertThat(readiness.body()).contains("\"temporal\"").doesNotContain("consul");
  }

  @Test
  void prometheusEndpointServesTheWorkersMetrics() throws Exception {
    HttpResponse<String> metrics = get("/actuator/prometheus");

    assertThat(metrics.statusCode()).isEqualTo(200);
    assertThat(metrics.body()).contains("application=\"conveyor-worker\"");
  }

  @Test
  void onlyHealthMetricsAndInfoAreExposed() throws Exception {
    assertThat(get("/actuator/env").statusCode()).isEqualTo(404);
    assertThat(get("/actuator/configprops").statusCode()).isEqualTo(404);
  }

  private HttpResponse<String> get(String path) throws Exception {
    return HTTP.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
            .timeout(Duration.ofSeconds(10))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }
}
