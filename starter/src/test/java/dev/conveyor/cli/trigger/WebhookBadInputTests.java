package dev.conveyor.cli.trigger;

import static dev.conveyor.cli.trigger.WebhookTests.ENV;
import static dev.conveyor.cli.trigger.WebhookTests.bytes;
import static dev.conveyor.cli.trigger.WebhookTests.commitId;
import static dev.conveyor.cli.trigger.WebhookTests.githubPush;
import static dev.conveyor.cli.trigger.WebhookTests.sign;
import static org.assertj.core.api.Assertions.assertThat;

import dev.conveyor.cli.DeploymentStarter;
import dev.conveyor.cli.TemporalTestServer;
import dev.conveyor.cli.Workflows;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Webhook requests that are signed correctly but say something Conveyor cannot act on, and requests
 * to the wrong place: each gets its status and a body that says why, and the Temporal server holds
 * exactly the workflows it held before, nothing is spooled and no delivery is remembered (a fixed
 * redelivery still starts). Listed in docs/bad-inputs.md.
 */
class WebhookBadInputTests {
  static TemporalTestServer temporal;

  @TempDir Path dir;
  private WebhookServer server;
  private final HttpClient http =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  private long workflowsBefore;

  @BeforeAll
  static void startTemporal() throws Exception {
    temporal = TemporalTestServer.start(TemporalTestServer.freePort());
  }

  @AfterAll
  static void stopTemporal() {
    if (temporal != null) {
      temporal.close();
    }
  }

  @BeforeEach
  void startServer() throws IOException {
    Path config = dir.resolve("webhooks.conf");
    Files.writeString(
        config,
        "[webhook \"github\"]\n\tsecretEnv = GITHUB_SECRET\n"
            + "[repo \"acme/billing\"]\n\tservice = billing\n\tbranch = main=qa\n\tdefinitions = "
            + WebhookTests.DEFINITIONS
            + "\n");
    WebhookHandler handler =
        new WebhookHandler(
            WebhookConfig.load(config, ENV::get),
            new Deliveries(dir.resolve("deliveries.log"), 100),
            new Spool(dir.resolve("spool.jsonl")),
            new TriggerStarter(new DeploymentStarter(temporal.client())));
    server =
        WebhookServer.start(
            new InetSocketAddress("127.0.0.1", 0),
            handler,
            new PrintWriter(new StringWriter(), true),
            Duration.ofHours(1));
    workflowsBefore = Workflows.count(temporal);
  }

  @AfterEach
  void nothingWasStartedOrSpooled() {
    server.close();
    assertThat(Workflows.count(temporal)).as("workflows on the server").isEqualTo(workflowsBefore);
    assertThat(dir.resolve("spool.jsonl")).doesNotExist();
  }

  private HttpRequest.Builder request(String path) {
    return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
        .timeout(Duration.ofSeconds(30));
  }

  private HttpResponse<String> github(String body, String delivery) throws Exception {
    return http.send(
        request("/hooks/github")
            .header("Content-Type", "application/json")
            .header("X-GitHub-Event", "push")
            .header("X-GitHub-Delivery", delivery)
            .header("X-Hub-Signature-256", "sha256=" + sign(ENV.get("GITHUB_SECRET"), bytes(body)))
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void signedMalformedJsonIs400AndItsDeliveryIsNotRemembered() throws Exception {
    String delivery = UUID.randomUUID().toString();

    HttpResponse<String> response = github("{\"ref\": [", delivery);

    assertThat(response.statusCode()).isEqualTo(400);
    assertThat(response.body()).startsWith("malformed push payload: body is not JSON");
    assertThat(
            Files.exists(dir.resolve("deliveries.log"))
                && Files.readString(dir.resolve("deliveries.log")).contains(delivery))
        .as("a refused delivery may be sent again once fixed")
        .isFalse();
  }

  @Test
  void signedJsonThatIsNotAnObjectIs400() throws Exception {
    HttpResponse<String> response = github("[1, 2, 3]", UUID.randomUUID().toString());

    assertThat(response.statusCode()).isEqualTo(400);
    assertThat(response.body()).startsWith("malformed push payload");
  }

  @Test
  void aPushWhoseAfterIsABranchNameNotACommitIdIs400() throws Exception {
    HttpResponse<String> response =
        github(githubPush("acme/billing", "refs/heads/main", "main"), UUID.randomUUID().toString());

    assertThat(response.statusCode()).isEqualTo(400);
    assertThat(response.body()).contains("not commit ids");
  }

  @Test
  void aPushWithoutRefIs400() throws Exception {
    String body =
        "{\"after\":\""
            + commitId()
            + "\",\"before\":\""
            + commitId()
            + "\",\"repository\":{\"full_name\":\"acme/billing\"}}";

    HttpResponse<String> response = github(body, UUID.randomUUID().toString());

    assertThat(response.statusCode()).isEqualTo(400);
    assertThat(response.body()).startsWith("malformed push payload");
  }

  @Test
  void anUnknownForgeIs404AndAGetIs405() throws Exception {
    HttpResponse<String> unknown =
        http.send(
            request("/hooks/bitbucket").POST(HttpRequest.BodyPublishers.ofString("{}")).build(),
            HttpResponse.BodyHandlers.ofString());
    HttpResponse<String> get =
        http.send(request("/hooks/github").GET().build(), HttpResponse.BodyHandlers.ofString());

    assertThat(unknown.statusCode()).isEqualTo(404);
    assertThat(get.statusCode()).isEqualTo(405);
    assertThat(get.headers().firstValue("Allow")).hasValue("POST");
  }
}
