package dev.conveyor.activities.notify;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.conveyor.workflows.steps.FailureTypes;
import dev.conveyor.workflows.steps.NotifierSpec;
import dev.conveyor.workflows.steps.NotifyActivities.Notification;
import dev.conveyor.workflows.steps.NotifyActivities.NotifyResult;
import dev.conveyor.workflows.steps.NotifyActivities.StepTiming;
import io.temporal.failure.ApplicationFailure;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import mockwebserver3.junit5.StartStop;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

class NotifyActivitiesImplTests {
  private static final ObjectMapper MAPPER = new ObjectMapper();
  static final String COMMIT = "3f2a9c1d0b7e5a6b7c8d9e0f1a2b3c4d5e6f7a8b";
  static final String WORKFLOW = "deploy/prod/billing/3f2a9c1d0b7e";
  static final String IMAGE = "localhost:5000/billing@sha256:abcd1234";
  static final List<StepTiming> TIMINGS =
      List.of(
          new StepTiming("resolve", "DONE", 1200),
          new StepTiming("build", "DONE", 65_000),
          new StepTiming("push", "SKIPPED", 0),
          new StepTiming("health", "FAILED", 300_000));

  @StartStop private final MockWebServer server = new MockWebServer();

  private final Map<String, String> env = new HashMap<>();

  private NotifyActivitiesImpl notifier(String uiBaseUrl) {
    return new NotifyActivitiesImpl(
        new NotifySettings(uiBaseUrl, "conveyor", Duration.ofSeconds(5)), env::get);
  }

  static Notification succeeded(NotifierSpec spec) {
    return new Notification(
        spec,
        WORKFLOW + "/succeeded/0",
        WORKFLOW,
        "prod",
        "billing",
        COMMIT,
        IMAGE,
        "SUCCEEDED",
        null,
        null,
        "alice",
        TIMINGS);
  }

  static Notification failed(NotifierSpec spec, String reason) {
    return new Notification(
        spec,
        WORKFLOW + "/failed/0",
        WORKFLOW,
        "prod",
        "billing",
        COMMIT,
        IMAGE,
        "FAILED",
        "health",
        reason,
        "alice",
        TIMINGS);
  }

  private String secretHookUrl() {
    String url = server.url("/hooks/T000/s3cret-token").toString();
    env.put("HOOK_URL", url);
    return url;
  }

  private static NotifierSpec webhook() {
    return new NotifierSpec("webhook", "${env:HOOK_URL}", Map.of());
  }

  private static JsonNode json(RecordedRequest request) throws Exception {
    return MAPPER.readTree(request.getBody().utf8());
  }

  @Test
  void webhookGetsEveryFieldAndTheIdempotencyKey() throws Exception {
    secretHookUrl();
    server.enqueue(new MockResponse.Builder().code(200).build());

    NotifyResult result = notifier("http://temporal-ui:8233/").send(succeeded(webhook()));

    RecordedRequest request = server.takeRequest();
    assertThat(request.getMethod()).isEqualTo("POST");
    assertThat(request.getUrl().encodedPath()).isEqualTo("/hooks/T000/s3cret-token");
    assertThat(request.getHeaders().get("Idempotency-Key")).isEqualTo(WORKFLOW + "/succeeded/0");
    assertThat(request.getHeaders().get("Content-Type")).startsWith("application/json");
    JsonNode body = json(request);
    assertThat(body.path("service").asText()).isEqualTo("billing");
    assertThat(body.path("env").asText()).isEqualTo("prod");
    assertThat(body.path("commit").asText()).isEqualTo(COMMIT);
    assertThat(body.path("commitShort").asText()).isEqualTo("3f2a9c1d0b7e");
    assertThat(body.path("image").asText()).isEqualTo(IMAGE);
    assertThat(body.path("digest").asText()).isEqualTo("sha256:abcd1234");
    assertThat(body.path("outcome").asText()).isEqualTo("SUCCEEDED");
    assertThat(body.path("requestedBy").asText()).isEqualTo("alice");
    assertThat(body.path("workflowId").asText()).isEqualTo(WORKFLOW);
    assertThat(body.path("idempotencyKey").asText()).isEqualTo(WORKFLOW + "/succeeded/0");
    assertThat(body.path("steps").get(1).path("millis").asLong()).isEqualTo(65_000);
    assertThat(body.path("link").asText())
        .isEqualTo(
            "http://temporal-ui:8233/namespaces/conveyor/workflows/deploy%2Fprod%2Fbilling%2F3f2a9c1d0b7e");
    assertThat(body.path("text").asText())
        .contains("billing deployed to prod (3f2a9c1d0b7e)")
        .contains("started by: alice")
        .contains("build 1m05s (done)")
        .contains("resolve 1.2s (done)");
    assertThat(result.channel()).isEqualTo("webhook");
    assertThat(result.summary()).contains("${env:HOOK_URL}").doesNotContain("s3cret-token");
  }

  @Test
  void aFailureNamesTheStepAndItsReason() throws Exception {
    secretHookUrl();
    server.enqueue(new MockResponse.Builder().code(204).build());

    notifier(null).send(failed(webhook(), "0/2 healthy; task billing.1: HTTP 503"));

    JsonNode body = json(server.takeRequest());
    assertThat(body.path("outcome").asText()).isEqualTo("FAILED");
    assertThat(body.path("failedStep").asText()).isEqualTo("health");
    assertThat(body.path("reason").asText()).isEqualTo("0/2 healthy; task billing.1: HTTP 503");
    assertThat(body.path("text").asText())
        .contains("billing failed at health deploying to prod")
        .contains("failed step: health: 0/2 healthy; task billing.1: HTTP 503");
    assertThat(body.path("link").isNull()).as("no UI base URL, no link").isTrue();
  }

  @Test
  void aServerErrorIsTransientAndTheRetryCarriesTheSameKey() throws Exception {
    secretHookUrl();
    server.enqueue(new MockResponse.Builder().code(500).body("upstream down").build());
    server.enqueue(new MockResponse.Builder().code(200).build());
    NotifyActivitiesImpl notifier = notifier(null);

    assertThatThrownBy(() -> notifier.send(succeeded(webhook())))
        .isInstanceOfSatisfying(NotifierException.class, e -> assertThat(e.status()).isEqualTo(500))
        .isNotInstanceOf(ApplicationFailure.class)
        .hasMessageContaining("HTTP 500")
        .hasMessageNotContaining("s3cret-token");
    notifier.send(succeeded(webhook()));

    String first = server.takeRequest().getHeaders().get("Idempotency-Key");
    String retry = server.takeRequest().getHeaders().get("Idempotency-Key");
    assertThat(retry).isEqualTo(first);
  }

  @Test
  void throttlingIsTransientToo() {
    secretHookUrl();
    server.enqueue(new MockResponse.Builder().code(429).build());

    assertThatThrownBy(() -> notifier(null).send(succeeded(webhook())))
        .isInstanceOf(NotifierException.class);
  }

  @Test
  void aBadRequestIsRejectedForGood() {
    secretHookUrl();
    server.enqueue(new MockResponse.Builder().code(400).body("invalid_payload").build());

    assertThatThrownBy(() -> notifier(null).send(succeeded(webhook())))
        .isInstanceOfSatisfying(
            ApplicationFailure.class,
            f -> {
              assertThat(f.getType()).isEqualTo(FailureTypes.REJECTED);
              assertThat(f.isNonRetryable()).isTrue();
              assertThat(f.getOriginalMessage())
                  .contains("HTTP 400")
                  .contains("invalid_payload")
                  .doesNotContain("s3cret-token");
            });
  }

  @Test
  void anUnsetVariableIsMisconfiguredAndNamesOnlyTheVariable() {
    env.put("OTHER_SECRET", "do-not-show-me");
    NotifierSpec spec =
        new NotifierSpec(
            "webhook", "https://hooks.example.org/${env:MISSING_HOOK_TOKEN}", Map.of());

    assertThatThrownBy(() -> notifier(null).send(succeeded(spec)))
        .isInstanceOfSatisfying(
            ApplicationFailure.class,
            f -> {
              assertThat(f.getType()).isEqualTo(FailureTypes.MISCONFIGURED);
              assertThat(f.isNonRetryable()).isTrue();
              assertThat(f.getOriginalMessage())
                  .contains("MISSING_HOOK_TOKEN")
                  .doesNotContain("do-not-show-me");
            });
    assertThat(server.getRequestCount()).isZero();
  }

  @Test
  void slackGetsTextAndBlocksWithTheIdempotencyKey() throws Exception {
    env.put("SLACK_HOOK", server.url("/services/T0/B0/xoxb-secret").toString());
    server.enqueue(new MockResponse.Builder().code(200).body("ok").build());
    NotifierSpec slack =
        new NotifierSpec("slack", "${env:SLACK_HOOK}", Map.of("channel", "#deploys"));

    NotifyResult result =
        notifier("http://ui:8233").send(failed(slack, "probe said <html>503 & down</html>"));

    RecordedRequest request = server.takeRequest();
    assertThat(request.getHeaders().get("Idempotency-Key")).isEqualTo(WORKFLOW + "/failed/0");
    JsonNode body = json(request);
    assertThat(body.path("text").asText())
        .contains("billing failed at health deploying to prod (3f2a9c1d0b7e)")
        .contains("digest: sha256:abcd1234")
        .contains("workflow: " + WORKFLOW);
    assertThat(body.path("channel").asText()).isEqualTo("#deploys");
    JsonNode section = body.path("blocks").get(0);
    assertThat(section.path("type").asText()).isEqualTo("section");
    assertThat(section.path("text").path("type").asText()).isEqualTo("mrkdwn");
    assertThat(section.path("text").path("text").asText())
        .contains(
            "<http://ui:8233/namespaces/conveyor/workflows/deploy%2Fprod%2Fbilling%2F3f2a9c1d0b7e|")
        .contains("&lt;html&gt;503 &amp; down&lt;/html&gt;")
        .contains("*started by:* alice");
    assertThat(result.channel()).isEqualTo("slack");
    assertThat(result.summary()).doesNotContain("xoxb-secret");
  }

  @Test
  void theResolvedUrlNeverReachesTheLog() {
    secretHookUrl();
    server.enqueue(new MockResponse.Builder().code(200).build());
    server.enqueue(new MockResponse.Builder().code(503).build());
    Logger logger = (Logger) LoggerFactory.getLogger(NotifyActivitiesImpl.class);
    ListAppender<ILoggingEvent> captured = new ListAppender<>();
    captured.start();
    logger.addAppender(captured);
    try {
      NotifyActivitiesImpl notifier = notifier(null);
      notifier.send(succeeded(webhook()));
      assertThatThrownBy(() -> notifier.send(succeeded(webhook())))
          .isInstanceOf(NotifierException.class);
    } finally {
      logger.detachAppender(captured);
    }

    assertThat(captured.list).isNotEmpty();
    assertThat(captured.list)
        .extracting(ILoggingEvent::getFormattedMessage)
        .noneMatch(line -> line.contains("s3cret-token"));
  }

  @Test
  void aLiteralUrlIsShownByItsHostOnly() {
    server.enqueue(new MockResponse.Builder().code(200).build());
    NotifierSpec spec =
        new NotifierSpec("webhook", server.url("/hook?token=literal-secret").toString(), Map.of());

    NotifyResult result = notifier(null).send(succeeded(spec));

    assertThat(result.summary()).contains(server.getHostName()).doesNotContain("literal-secret");
  }

  @Test
  void anUnknownNotifierTypeIsMisconfigured() {
    assertThatThrownBy(
            () -> notifier(null).send(succeeded(new NotifierSpec("pager", "x", Map.of()))))
        .isInstanceOfSatisfying(
            ApplicationFailure.class,
            f -> {
              assertThat(f.getType()).isEqualTo(FailureTypes.MISCONFIGURED);
              assertThat(f.getOriginalMessage()).contains("pager");
            });
  }

  @Test
  void aReceiverThatDoesNotAnswerInTimeIsTransient() {
    secretHookUrl();
    server.enqueue(new MockResponse.Builder().code(200).headersDelay(3, TimeUnit.SECONDS).build());
    NotifyActivitiesImpl quick =
        new NotifyActivitiesImpl(new NotifySettings(null, null, Duration.ofMillis(300)), env::get);

    assertThatThrownBy(() -> quick.send(succeeded(webhook())))
        .isInstanceOfSatisfying(NotifierException.class, e -> assertThat(e.status()).isZero())
        .hasMessageContaining("did not answer")
        .hasMessageNotContaining("s3cret-token");
  }
}
