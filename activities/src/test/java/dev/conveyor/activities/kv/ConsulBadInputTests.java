package dev.conveyor.activities.kv;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.conveyor.workflows.steps.KvActivities.KvRequest;
import io.temporal.failure.ApplicationFailure;
import java.nio.file.Path;
import java.time.Duration;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.junit5.StartStop;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What answers at consul.url when it is not Consul's KV API: the KV step fails (transiently: it may
 * be a proxy's page) with a message naming Consul and the key, and never writes (only the read was
 * sent). Listed in docs/bad-inputs.md.
 */
class ConsulBadInputTests {
  private static final String IMAGE = "localhost:5000/billing@sha256:" + "1".repeat(64);
  private static final String COMMIT = "0123456789abcdef0123456789abcdef01234567";

  @StartStop private final MockWebServer consul = new MockWebServer();
  @TempDir Path dir;

  @AfterEach
  void onlyTheReadWasSent() throws Exception {
    assertThat(consul.getRequestCount()).isEqualTo(1);
    assertThat(consul.takeRequest().getMethod()).isEqualTo("GET");
  }

  private void record() {
    new KvActivitiesImpl(new KvSettings(dir, null, Duration.ofSeconds(5), 3))
        .recordImage(new KvRequest(consul.url("/").toString(), "qa", "billing", IMAGE, COMMIT));
  }

  @Test
  void anHtmlPageInsteadOfTheKeyIsTransientAndNothingIsWritten() {
    consul.enqueue(
        new MockResponse.Builder()
            .code(200)
            .addHeader("Content-Type", "text/html")
            .body("<html>Consul UI</html>")
            .build());

    assertThatThrownBy(this::record)
        .isInstanceOf(ConsulException.class)
        .isNotInstanceOf(ApplicationFailure.class)
        .hasMessageStartingWith(
            "Consul at "
                + consul.url("/")
                + " did not answer reading conveyor/qa/billing/image: Unexpected character ('<'");
  }

  @Test
  void aValueThatIsNotBase64IsNamedAndNothingIsWritten() {
    consul.enqueue(
        new MockResponse.Builder()
            .code(200)
            .addHeader("Content-Type", "application/json")
            .body(
                "[{\"Key\":\"conveyor/qa/billing/image\",\"Value\":\"%%not base64%%\",\"ModifyIndex\":7}]")
            .build());

    assertThatThrownBy(this::record)
        .isInstanceOf(ConsulException.class)
        .hasMessage(
            "Consul at "
                + consul.url("/")
                + " answered reading conveyor/qa/billing/image with a Value that is not base64 (is"
                + " consul.url Consul's HTTP API?)");
  }
}
