package dev.conveyor.activities.marathon;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.conveyor.activities.simulators.MarathonSimulator;
import dev.conveyor.activities.simulators.SimClock;
import dev.conveyor.workflows.steps.DeployActivities.TargetRequest;
import dev.conveyor.workflows.steps.FailureTypes;
import dev.conveyor.workflows.steps.HealthSpec;
import io.temporal.failure.ApplicationFailure;
import java.time.Duration;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.junit5.StartStop;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * What Marathon (or whatever answers at marathon.url) says that Conveyor cannot use, and images it
 * must not send: each fails with a message naming it, as transient or permanent, and no PUT leaves
 * the worker or no app version is created. Listed in docs/bad-inputs.md.
 */
class MarathonBadInputTests {
  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final String IMAGE = "localhost:5000/billing@sha256:" + "1".repeat(64);

  @StartStop private final MockWebServer server = new MockWebServer();
  private final SimClock clock = new SimClock();
  private MarathonSimulator simulator;

  @AfterEach
  void stopSimulator() {
    if (simulator != null) {
      simulator.close();
    }
  }

  private static MarathonTarget target() {
    return new MarathonTarget(
        new MarathonSettings(
            null, null, null, Duration.ofSeconds(5), Duration.ofSeconds(5), Duration.ofMillis(20)));
  }

  private static TargetRequest request(String url, String image) {
    return new TargetRequest(
        "marathon",
        "prod",
        "billing",
        "/billing",
        url,
        "/defs",
        "cfg0001",
        "marathon/prod/billing.json",
        image,
        "abc123",
        new HealthSpec("/health", 8080, 300),
        "deploy/prod/billing/abc123",
        false);
  }

  private static ObjectNode app(String image, int instances) {
    ObjectNode app = MAPPER.createObjectNode();
    app.put("id", "/billing").put("instances", instances).put("cpus", 0.1).put("mem", 32);
    app.putObject("container").put("type", "DOCKER").putObject("docker").put("image", image);
    return app;
  }

  private String url() {
    return server.url("/").toString();
  }

  private long puts() {
    long puts = 0;
    for (int i = 0; i < server.getRequestCount(); i++) {
      try {
        if ("PUT".equals(server.takeRequest().getMethod())) {
          puts++;
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
    }
    return puts;
  }

  @Test
  void anHtmlPageWithStatus200IsTransientAndNothingIsPut() {
    server.enqueue(
        new MockResponse.Builder()
            .code(200)
            .addHeader("Content-Type", "text/html")
            .body("<html><body>Maintenance</body></html>")
            .build());

    assertThatThrownBy(() -> target().deploy(request(url(), IMAGE), app(IMAGE, 1)))
        .isInstanceOf(MarathonException.class)
        .isNotInstanceOf(ApplicationFailure.class)
        .hasMessageStartingWith("Marathon at " + url() + " did not answer GET /v2/apps/billing:")
        .hasMessageContaining("Unexpected character ('<'");
    assertThat(puts()).isZero();
  }

  @Test
  void truncatedJsonIsTransientAndNothingIsPut() {
    server.enqueue(
        new MockResponse.Builder()
            .code(200)
            .addHeader("Content-Type", "application/json")
            .body("{\"app\": {\"id\": \"/billing\", \"instances\": 2")
            .build());

    assertThatThrownBy(() -> target().deploy(request(url(), IMAGE), app(IMAGE, 1)))
        .isInstanceOf(MarathonException.class)
        .hasMessageStartingWith("Marathon at " + url() + " did not answer GET /v2/apps/billing:");
    assertThat(puts()).isZero();
  }

  @Test
  void jsonWithoutAnAppObjectIsNotReadAsAnEmptyAppAndNothingIsPut() {
    server.enqueue(
        new MockResponse.Builder()
            .code(200)
            .addHeader("Content-Type", "application/json")
            .body("{\"status\": \"UP\"}")
            .build());

    assertThatThrownBy(() -> target().deploy(request(url(), IMAGE), app(IMAGE, 1)))
        .isInstanceOf(MarathonException.class)
        .hasMessage(
            "Marathon at "
                + url()
                + " answered GET /v2/apps/billing with JSON that has no 'app' object (is"
                + " marathon.url Marathon's REST API?)");
    assertThat(puts()).isZero();
  }

  @Test
  void a422WithValidationDetailsIsPermanentAndNoVersionIsCreated() {
    simulator = MarathonSimulator.start(clock);

    assertThatThrownBy(() -> target().deploy(request(simulator.url(), IMAGE), app(IMAGE, -1)))
        .isInstanceOfSatisfying(
            ApplicationFailure.class,
            f -> {
              assertThat(f.getType()).isEqualTo(FailureTypes.REJECTED);
              assertThat(f.isNonRetryable()).isTrue();
              assertThat(f.getOriginalMessage())
                  .contains("HTTP 422")
                  .contains("/instances: got -1, expected 0 or more");
            });
    assertThat(simulator.version("/billing")).isEmpty();
  }

  @Test
  void aLocalImageIsRefusedBeforeMarathonIsAsked() {
    String local = "local/billing@sha256:" + "2".repeat(64);

    assertThatThrownBy(() -> target().deploy(request(url(), local), app(local, 1)))
        .isInstanceOfSatisfying(
            ApplicationFailure.class,
            f -> {
              assertThat(f.getType()).isEqualTo(FailureTypes.REJECTED);
              assertThat(f.isNonRetryable()).isTrue();
              assertThat(f.getOriginalMessage())
                  .isEqualTo(
                      "marathon/prod/billing.json: image "
                          + local
                          + " is a local image (registry: local), which Marathon cannot run;"
                          + " build it for an environment that pushes to a registry");
            });
    assertThat(server.getRequestCount()).isZero();
  }
}
