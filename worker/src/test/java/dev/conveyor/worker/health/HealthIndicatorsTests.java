package dev.conveyor.worker.health;

import static org.assertj.core.api.Assertions.assertThat;

import dev.conveyor.activities.docker.DockerSettings;
import dev.conveyor.activities.testing.RequiresDocker;
import dev.conveyor.worker.WorkerProperties;
import io.temporal.serviceclient.WorkflowServiceStubs;
import io.temporal.serviceclient.WorkflowServiceStubsOptions;
import io.temporal.testing.TestWorkflowEnvironment;
import java.io.IOException;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import mockwebserver3.junit5.StartStop;
import okhttp3.OkHttpClient;
import org.junit.jupiter.api.Test;
import org.springframework.boot.actuate.health.Health;
import org.springframework.boot.actuate.health.Status;

class HealthIndicatorsTests {
  private static final Duration TIMEOUT = Duration.ofSeconds(2);

  @StartStop final MockWebServer server = new MockWebServer();

  private final OkHttpClient http =
      new OkHttpClient.Builder().callTimeout(TIMEOUT).connectTimeout(TIMEOUT).build();

  @Test
  void registryThatAnswersIsUpEvenWhenItWantsCredentials() throws Exception {
    server.enqueue(new MockResponse.Builder().code(200).body("{}").build());
    server.enqueue(
        new MockResponse.Builder()
            .code(401)
            .addHeader("WWW-Authenticate", "Basic realm=\"registry\"")
            .build());
    String url = Endpoints.registryCheck("localhost:" + server.getPort());

    Health first = registryHealth(url);
    Health second = registryHealth(url);

    assertThat(first.getStatus()).isEqualTo(Status.UP);
    assertThat(second.getStatus()).isEqualTo(Status.UP);
    assertThat(first.getDetails()).containsEntry(url, "UP");
    RecordedRequest request = server.takeRequest();
    assertThat(request.getMethod()).isEqualTo("GET");
    assertThat(request.getUrl().encodedPath()).isEqualTo("/v2/");
  }

  @Test
  void registryAnsweringAServerErrorIsDownWithTheStatus() {
    server.enqueue(new MockResponse.Builder().code(503).build());
    String url = Endpoints.registryCheck("127.0.0.1:" + server.getPort());

    Health health = registryHealth(url);

    assertThat(health.getStatus()).isEqualTo(Status.DOWN);
    assertThat(health.getDetails()).containsEntry(url, "DOWN: HTTP 503");
  }

  @Test
  void consulWithoutLeaderIsDownNamingTheAgent() throws Exception {
    server.enqueue(new MockResponse.Builder().code(200).body("\"\"").build());
    String url = Endpoints.consulCheck(server.url("/").toString());

    Health health =
        new HttpEndpointsHealthIndicator(
                http,
                List.of(
                    new HttpEndpointsHealthIndicator.Check(
                        url, null, HealthConfiguration::consulHasLeader)))
            .health();

    assertThat(health.getStatus()).isEqualTo(Status.DOWN);
    assertThat(health.getDetails()).containsEntry(url, "DOWN: the cluster has no leader");
    assertThat(server.takeRequest().getUrl().encodedPath()).isEqualTo("/v1/status/leader");
  }

  @Test
  void consulWithALeaderIsUp() {
    server.enqueue(new MockResponse.Builder().code(200).body("\"10.0.0.7:8300\"").build());
    String url = Endpoints.consulCheck("127.0.0.1:" + server.getPort());

    Health health =
        new HttpEndpointsHealthIndicator(
                http,
                List.of(
                    new HttpEndpointsHealthIndicator.Check(
                        url, null, HealthConfiguration::consulHasLeader)))
            .health();

    assertThat(health.getStatus()).isEqualTo(Status.UP);
  }

  @Test
  void marathonWithoutLeaderIsDownAndTheCheckSendsTheWorkersToken() throws Exception {
    server.enqueue(new MockResponse.Builder().code(503).body("no leader").build());
    String url = Endpoints.marathonCheck(server.url("/marathon/").toString());
    String authorization =
        HealthConfiguration.marathonAuthorization(
            new WorkerProperties.Marathon(null, null, "s3cret", Duration.ofSeconds(5)));

    Health health =
        new HttpEndpointsHealthIndicator(
                http,
                List.of(
                    new HttpEndpointsHealthIndicator.Check(
                        url, authorization, HealthConfiguration::marathonHasLeader)))
            .health();

    assertThat(health.getStatus()).isEqualTo(Status.DOWN);
    assertThat(health.getDetails())
        .containsEntry(url, "DOWN: HTTP 503 (no leader, or the proxy to it failed)");
    RecordedRequest request = server.takeRequest();
    assertThat(request.getUrl().encodedPath()).isEqualTo("/marathon/v2/info");
    assertThat(request.getHeaders().get("Authorization")).isEqualTo("token=s3cret");
    assertThat(health.toString()).doesNotContain("s3cret");
  }

  @Test
  void oneUnreachableEndpointMakesTheComponentDownAndNamesIt() throws Exception {
    server.enqueue(new MockResponse.Builder().code(200).build());
    String up = Endpoints.registryCheck("127.0.0.1:" + server.getPort());
    String down = Endpoints.registryCheck("127.0.0.1:" + closedPort());

    Health health =
        new HttpEndpointsHealthIndicator(
                http,
                List.of(
                    new HttpEndpointsHealthIndicator.Check(
                        up, null, HttpEndpointsHealthIndicator::answers),
                    new HttpEndpointsHealthIndicator.Check(
                        down, null, HttpEndpointsHealthIndicator::answers)))
            .health();

    assertThat(health.getStatus()).isEqualTo(Status.DOWN);
    assertThat(health.getDetails()).containsEntry(up, "UP");
    assertThat((String) health.getDetails().get(down)).startsWith("DOWN: ConnectException");
  }

  @Test
  void registryAddressesWithoutSchemeUseHttpOnlyForLoopback() {
    assertThat(Endpoints.registryCheck("127.0.0.1:5000")).isEqualTo("http://127.0.0.1:5000/v2/");
    assertThat(Endpoints.registryCheck("localhost:5000")).isEqualTo("http://localhost:5000/v2/");
    assertThat(Endpoints.registryCheck("registry.example.com"))
        .isEqualTo("https://registry.example.com/v2/");
    assertThat(Endpoints.registryCheck("http://registry:5000/"))
        .isEqualTo("http://registry:5000/v2/");
    assertThat(Endpoints.consulCheck("consul:8500"))
        .isEqualTo("http://consul:8500/v1/status/leader");
  }

  @Test
  void temporalThatDoesNotAnswerIsDownWithTargetAndStatus() throws Exception {
    String target = "127.0.0.1:" + closedPort();
    WorkflowServiceStubs stubs =
        WorkflowServiceStubs.newServiceStubs(
            WorkflowServiceStubsOptions.newBuilder().setTarget(target).build());
    try {
      Health health = new TemporalHealthIndicator(stubs, target, "default", TIMEOUT).health();

      assertThat(health.getStatus()).isEqualTo(Status.DOWN);
      assertThat((String) health.getDetails().get("error")).startsWith(target + ": UNAVAILABLE");
    } finally {
      stubs.shutdownNow();
    }
  }

  @Test
  void temporalThatAnswersIsUp() {
    try (TestWorkflowEnvironment temporal = TestWorkflowEnvironment.newInstance()) {
      Health health =
          new TemporalHealthIndicator(
                  temporal.getWorkflowServiceStubs(), "in-process", "default", TIMEOUT)
              .health();

      assertThat(health.getStatus()).isEqualTo(Status.UP);
      assertThat(health.getDetails()).containsEntry("target", "in-process");
    }
  }

  @Test
  void dockerEngineThatDoesNotAnswerIsDownNamingTheHost() throws Exception {
    String host = "tcp://127.0.0.1:" + closedPort();

    Health health =
        new DockerHealthIndicator(new DockerSettings(host, TIMEOUT, TIMEOUT), host).health();

    assertThat(health.getStatus()).isEqualTo(Status.DOWN);
    assertThat((String) health.getDetails().get("error")).startsWith(host + ": ");
  }

  @Test
  @RequiresDocker
  void dockerEngineThatAnswersIsUp() {
    Health health =
        new DockerHealthIndicator(new DockerSettings(null, TIMEOUT, TIMEOUT), "local").health();

    assertThat(health.getStatus()).isEqualTo(Status.UP);
  }

  private Health registryHealth(String url) {
    return new HttpEndpointsHealthIndicator(
            http,
            List.of(
                new HttpEndpointsHealthIndicator.Check(
                    url, null, HttpEndpointsHealthIndicator::answers)))
        .health();
  }

  private static int closedPort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }
}
