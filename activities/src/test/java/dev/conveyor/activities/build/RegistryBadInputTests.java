package dev.conveyor.activities.build;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.conveyor.activities.docker.DockerClients;
import dev.conveyor.activities.docker.DockerSettings;
import dev.conveyor.activities.registry.RegistryClient;
import dev.conveyor.activities.registry.RegistryException;
import dev.conveyor.activities.registry.RegistrySettings;
import dev.conveyor.workflows.steps.BuildActivities.BuildRequest;
import dev.conveyor.workflows.steps.FailureTypes;
import io.temporal.failure.ApplicationFailure;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.junit5.StartStop;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a "registry" may answer the build step's first question (is the tag there?) that is not a
 * registry's answer: each fails permanently or transiently as it should, with a message naming the
 * registry and the image, and no build starts (the source is never fetched, the engine never asked,
 * the registry sees nothing but HEAD). Listed in docs/bad-inputs.md.
 */
class RegistryBadInputTests {
  private static final String COMMIT = "0123456789abcdef0123456789abcdef01234567";

  @StartStop private final MockWebServer registry = new MockWebServer();
  @TempDir Path dir;

  private BuildActivitiesImpl builder;

  @BeforeEach
  void builder() {
    BuildSettings settings = BuildSettings.defaults(dir.resolve("data"));
    builder =
        new BuildActivitiesImpl(
            settings,
            DockerClients.open(DockerSettings.defaults()),
            new RegistryClient(
                new RegistrySettings(Optional.empty(), Duration.ofSeconds(5), Set.of())));
  }

  @AfterEach
  void nothingWasBuilt() throws Exception {
    builder.close();
    assertThat(dir.resolve("data/source-cache")).as("the source was never fetched").doesNotExist();
    assertThat(dir.resolve("data/build-contexts")).doesNotExist();
    for (int i = 0; i < registry.getRequestCount(); i++) {
      assertThat(registry.takeRequest().getMethod()).isEqualTo("HEAD");
    }
  }

  private String tag() {
    return "127.0.0.1:" + registry.getPort() + "/billing:" + COMMIT;
  }

  private void build() {
    builder.build(
        new BuildRequest(
            dir.resolve("billing.git").toString(),
            COMMIT,
            "Dockerfile",
            ".",
            tag(),
            "deploy/qa/billing/0123456789ab"));
  }

  private static MockResponse html(int code) {
    return new MockResponse.Builder()
        .code(code)
        .addHeader("Content-Type", "text/html; charset=utf-8")
        .body("<html><body><h1>Welcome to nginx!</h1></body></html>")
        .build();
  }

  @Test
  void anHtmlPageWithStatus200IsRejectedForGood() {
    registry.enqueue(html(200));

    assertThatThrownBy(this::build)
        .isInstanceOfSatisfying(
            ApplicationFailure.class,
            f -> {
              assertThat(f.getType()).isEqualTo(FailureTypes.REJECTED);
              assertThat(f.isNonRetryable()).isTrue();
              assertThat(f.getOriginalMessage())
                  .isEqualTo(
                      "registry 127.0.0.1:"
                          + registry.getPort()
                          + " answered HEAD "
                          + tag()
                          + " with an HTML page (HTTP 200), not a registry API answer: does the"
                          + " definitions' registry name a Docker registry (host:port, no path to"
                          + " a web page)?");
            });
  }

  @Test
  void anHtml404IsNotReadAsTagAbsentAndNothingIsBuilt() {
    registry.enqueue(html(404));

    assertThatThrownBy(this::build)
        .isInstanceOfSatisfying(
            ApplicationFailure.class,
            f -> {
              assertThat(f.getType()).isEqualTo(FailureTypes.REJECTED);
              assertThat(f.getOriginalMessage()).contains("with an HTML page (HTTP 404)");
            });
  }

  @Test
  void aProxysHtml502StaysTransient() {
    registry.enqueue(html(502));

    assertThatThrownBy(this::build)
        .isInstanceOfSatisfying(
            RegistryException.class,
            e -> {
              assertThat(e.isTransient()).isTrue();
              assertThat(e.getMessage()).endsWith("with HTTP 502");
            });
  }

  @Test
  void aLoginChallengeWithoutAConfiguredLoginIsUnauthorizedForGood() {
    registry.enqueue(
        new MockResponse.Builder()
            .code(401)
            .addHeader("WWW-Authenticate", "Basic realm=\"registry\"")
            .build());

    assertThatThrownBy(this::build)
        .isInstanceOfSatisfying(
            ApplicationFailure.class,
            f -> {
              assertThat(f.getType()).isEqualTo(FailureTypes.UNAUTHORIZED);
              assertThat(f.isNonRetryable()).isTrue();
              assertThat(f.getOriginalMessage())
                  .contains("asks for a login and none is configured");
            });
  }

  @Test
  void a200WithoutADigestHeaderIsRejectedForGood() {
    registry.enqueue(new MockResponse.Builder().code(200).build());

    assertThatThrownBy(this::build)
        .isInstanceOfSatisfying(
            ApplicationFailure.class,
            f -> {
              assertThat(f.getType()).isEqualTo(FailureTypes.REJECTED);
              assertThat(f.getOriginalMessage()).endsWith("without Docker-Content-Digest");
            });
  }
}
