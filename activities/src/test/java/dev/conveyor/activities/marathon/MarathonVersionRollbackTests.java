package dev.conveyor.activities.marathon;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.conveyor.activities.simulators.MarathonSimulator;
import dev.conveyor.activities.simulators.SimClock;
import dev.conveyor.workflows.steps.DeployActivities.TargetDeployment;
import dev.conveyor.workflows.steps.DeployActivities.TargetRequest;
import dev.conveyor.workflows.steps.HealthSpec;
import java.time.Duration;
import java.util.List;
import mockwebserver3.RecordedRequest;
import okhttp3.HttpUrl;
import okhttp3.OkHttpClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A rollback on Marathon redeploys the app version that ran before with {@code {"version": v}} when
 * that version is known and still holds the restored image; otherwise it PUTs the restored
 * definition. Never a {@code DELETE /v2/deployments}.
 */
class MarathonVersionRollbackTests {
  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final String GOOD = "localhost:5000/billing@sha256:1111";
  private static final String BROKEN = "localhost:5000/billing@sha256:2222";

  private final SimClock clock = new SimClock();
  private final MarathonSimulator marathon = MarathonSimulator.start(clock);
  private final MarathonTarget target =
      new MarathonTarget(
          new MarathonSettings(
              null,
              null,
              null,
              Duration.ofSeconds(5),
              Duration.ofSeconds(10),
              Duration.ofMillis(20)));

  @AfterEach
  void stop() {
    marathon.close();
  }

  private TargetRequest request(String image, boolean force) {
    return new TargetRequest(
        "marathon",
        "prod",
        "billing",
        "/billing",
        marathon.url(),
        "/defs",
        "cfg0001",
        "marathon/prod/billing.json",
        image,
        "abc123",
        new HealthSpec("/health", 8080, 300),
        "deploy/prod/billing/abc123",
        force);
  }

  private static ObjectNode app(String image) {
    ObjectNode app = MAPPER.createObjectNode();
    app.put("id", "/billing").put("instances", 2).put("cpus", 0.1).put("mem", 32);
    app.putObject("container").put("type", "DOCKER").putObject("docker").put("image", image);
    app.putArray("healthChecks").addObject().put("protocol", "MESOS_HTTP").put("path", "/health");
    return app;
  }

  private List<RecordedRequest> puts() {
    return marathon.requests().stream().filter(r -> r.getMethod().equals("PUT")).toList();
  }

  private void noDeploymentWasDeleted() {
    assertThat(marathon.requests())
        .noneMatch(r -> r.getMethod().equals("DELETE"))
        .as("never DELETE /v2/deployments");
  }

  @Test
  void aDeployRecordsTheVersionItReplaces() {
    String before = marathon.seed(app(GOOD));
    clock.advance(Duration.ofSeconds(1));

    TargetDeployment deployed = target.deploy(request(BROKEN, false), app(BROKEN));

    assertThat(deployed.previousVersion()).isEqualTo(before);
    assertThat(deployed.version()).isNotEqualTo(before);
  }

  @Test
  void aRollbackWithTheKnownVersionPutsTheVersionFormAndBecomesHealthy() {
    marathon.imageNeverHealthy("sha256:2222", "HTTP 500 from /health");
    String before = marathon.seed(app(GOOD));
    clock.advance(Duration.ofSeconds(1));
    TargetDeployment broken = target.deploy(request(BROKEN, false), app(BROKEN));
    clock.advance(Duration.ofSeconds(30));
    assertThat(target.check(request(BROKEN, false), broken).done()).isFalse();

    TargetRequest back = request(GOOD, true).withRestoreVersion(broken.previousVersion());
    TargetDeployment restored = target.deploy(back, app(GOOD));
    clock.advance(Duration.ofSeconds(1));

    RecordedRequest put = puts().get(puts().size() - 1);
    assertThat(put.getBody().utf8()).isEqualTo("{\"version\":\"" + before + "\"}");
    assertThat(put.getUrl().queryParameter("force")).isEqualTo("true");
    assertThat(put.getUrl().queryParameter("partialUpdate")).isNull();
    assertThat(restored.alreadyLive()).isFalse();
    assertThat(restored.version()).isNotIn(before, broken.version());
    assertThat(target.check(back, restored).done()).isTrue();
    assertThat(marathon.definition("/billing").orElseThrow().at("/container/docker/image").asText())
        .isEqualTo(GOOD);
    assertThat(marathon.activeDeployments()).isEmpty();
    noDeploymentWasDeleted();
  }

  @Test
  void anUnknownVersionFallsBackToTheRestoredDefinition() {
    marathon.seed(app(GOOD));
    clock.advance(Duration.ofSeconds(1));
    target.deploy(request(BROKEN, false), app(BROKEN));
    clock.advance(Duration.ofSeconds(1));

    target.deploy(request(GOOD, true).withRestoreVersion("1999-01-01T00:00:00.000Z"), app(GOOD));

    assertThat(marathon.putBodies("/billing")).last().isEqualTo(app(GOOD));
    assertThat(marathon.definition("/billing").orElseThrow().at("/container/docker/image").asText())
        .isEqualTo(GOOD);
    noDeploymentWasDeleted();
  }

  @Test
  void aVersionThatRunsAnotherImageFallsBackToTheRestoredDefinition() {
    marathon.seed(app(BROKEN));
    clock.advance(Duration.ofSeconds(1));
    TargetDeployment deployed = target.deploy(request(GOOD, false), app(GOOD));
    clock.advance(Duration.ofSeconds(1));
    String olderImage = "localhost:5000/billing@sha256:3333";

    target.deploy(
        request(olderImage, true).withRestoreVersion(deployed.previousVersion()), app(olderImage));

    assertThat(marathon.putBodies("/billing")).last().isEqualTo(app(olderImage));
  }

  @Test
  void withoutAVersionTheRestoredDefinitionIsPut() {
    marathon.seed(app(BROKEN));
    clock.advance(Duration.ofSeconds(1));

    target.deploy(request(GOOD, true), app(GOOD));

    assertThat(marathon.putBodies("/billing")).last().isEqualTo(app(GOOD));
    assertThat(marathon.requests()).noneMatch(r -> r.getUrl().encodedPath().contains("/versions/"));
  }

  @Test
  void theClientReadsStoredVersionsAndGets404ForAnUnknownOne() {
    String before = marathon.seed(app(GOOD));
    MarathonClient client =
        new MarathonClient(HttpUrl.get(marathon.url()), new OkHttpClient(), null);

    assertThat(
            client
                .appVersion("/billing", before)
                .orElseThrow()
                .at("/container/docker/image")
                .asText())
        .isEqualTo(GOOD);
    assertThat(client.appVersion("/billing", "1999-01-01T00:00:00.000Z")).isEmpty();
    MarathonException unknown =
        catchThrowableOfType(
            MarathonException.class,
            () -> client.putVersion("/billing", "1999-01-01T00:00:00.000Z", false));
    assertThat(unknown.status()).isEqualTo(404);
    assertThat(unknown.getMessage()).contains("does not exist in version");
  }
}
