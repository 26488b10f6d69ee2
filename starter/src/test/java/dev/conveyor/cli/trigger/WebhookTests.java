package dev.conveyor.cli.trigger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.conveyor.cli.ConveyorCli;
import dev.conveyor.cli.ConveyorCliTests;
import dev.conveyor.cli.DeploymentStarter;
import dev.conveyor.cli.StartOutcome;
import dev.conveyor.cli.TemporalOptions;
import dev.conveyor.cli.TemporalTestServer;
import dev.conveyor.workflows.WorkflowIds;
import dev.conveyor.workflows.deploy.DeployRequest;
import io.temporal.api.enums.v1.WorkflowExecutionStatus;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The webhook endpoint over real HTTP (the JDK server on a free port), starting workflows on the
 * Temporal test server running as its own process. Every refused request is checked for its status
 * and for starting nothing: no workflow exists for its commit.
 */
class WebhookTests {
  static final String DEFINITIONS =
      ConveyorCliTests.ROOT.resolve("examples/definitions").toString();
  static final Map<String, String> ENV =
      Map.of(
          "GITHUB_SECRET", "It's a Secret to Everybody",
          "GITEA_SECRET", "gitea-secret",
          "GITLAB_SECRET", "gitlab-token",
          "WEB_SECRET", "web-only-secret");
  static final long MAX_BODY = 64 * 1024;

  static TemporalTestServer temporal;

  @TempDir Path dir;
  WebhookServer server;
  StringWriter log = new StringWriter();
  HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

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
    server = serve(new TriggerStarter(new DeploymentStarter(temporal.client())));
  }

  @AfterEach
  void stopServer() {
    server.close();
  }

  WebhookServer serve(TriggerStarter starter) throws IOException {
    WebhookConfig config = WebhookConfig.load(writeConfig(), ENV::get);
    WebhookHandler handler =
        new WebhookHandler(
            config,
            new Deliveries(dir.resolve("webhook-deliveries.log"), 100),
            new Spool(dir.resolve("webhook-spool.jsonl")),
            starter);
    return WebhookServer.start(
        new InetSocketAddress("127.0.0.1", 0),
        handler,
        new PrintWriter(log, true),
        Duration.ofHours(1));
  }

  Path writeConfig() throws IOException {
    Path file = dir.resolve("webhooks.conf");
    Files.writeString(
        file,
        "[webhook]\n"
            + "\tmaxBodyBytes = "
            + MAX_BODY
            + "\n"
            + "[webhook \"github\"]\n\tsecretEnv = GITHUB_SECRET\n"
            + "[webhook \"gitea\"]\n\tsecretEnv = GITEA_SECRET\n"
            + "[webhook \"gitlab\"]\n\tsecretEnv = GITLAB_SECRET\n"
            + "[repo \"acme/billing\"]\n"
            + "\tservice = billing\n"
            + "\tbranch = main=qa\n"
            + "\tbranch = release/*=prod\n"
            + "\tdefinitions = "
            + DEFINITIONS
            + "\n"
            + "[repo \"acme/web\"]\n"
            + "\tservice = web\n"
            + "\tbranch = main=qa\n"
            + "\tdefinitions = "
            + DEFINITIONS
            + "\n"
            + "\tsecretEnv = WEB_SECRET\n");
    return file;
  }

  // ---- payloads as each server sends them (the fields Conveyor reads, and a few it does not) ----

  static String commitId() {
    byte[] bytes = new byte[20];
    ThreadLocalRandom.current().nextBytes(bytes);
    return HexFormat.of().formatHex(bytes);
  }

  static String githubPush(String repo, String ref, String after) {
    return "{\"ref\":\""
        + ref
        + "\",\"before\":\""
        + commitId()
        + "\",\"after\":\""
        + after
        + "\",\"created\":false,\"deleted\":false,\"repository\":{\"id\":1,\"full_name\":\""
        + repo
        + "\"},\"pusher\":{\"name\":\"alice\",\"email\":\"alice@example.com\"},\"commits\":[]}";
  }

  static String giteaPush(String repo, String ref, String after) {
    return "{\"ref\":\""
        + ref
        + "\",\"before\":\""
        + commitId()
        + "\",\"after\":\""
        + after
        + "\",\"repository\":{\"id\":140,\"full_name\":\""
        + repo
        + "\"},\"pusher\":{\"id\":1,\"login\":\"bob\",\"username\":\"bob\"},\"commits\":[]}";
  }

  static String gitlabPush(String repo, String ref, String after) {
    return "{\"object_kind\":\"push\",\"event_name\":\"push\",\"ref\":\""
        + ref
        + "\",\"before\":\""
        + commitId()
        + "\",\"after\":\""
        + after
        + "\",\"checkout_sha\":\""
        + after
        + "\",\"user_username\":\"carol\",\"project\":{\"id\":15,\"path_with_namespace\":\""
        + repo
        + "\"},\"commits\":[]}";
  }

  static String sign(String secret, byte[] body) {
    return HexFormat.of()
        .formatHex(GitServer.hmacSha256(secret.getBytes(StandardCharsets.UTF_8), body));
  }

  HttpRequest.Builder post(String path) {
    return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
        .timeout(Duration.ofSeconds(30));
  }

  HttpRequest.Builder github(String body, String secret) {
    return post("/hooks/github")
        .header("Content-Type", "application/json")
        .header("X-GitHub-Event", "push")
        .header("X-GitHub-Delivery", UUID.randomUUID().toString())
        .header("X-Hub-Signature-256", "sha256=" + sign(secret, bytes(body)))
        .POST(HttpRequest.BodyPublishers.ofString(body));
  }

  HttpResponse<String> send(HttpRequest.Builder request) throws Exception {
    return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  static byte[] bytes(String body) {
    return body.getBytes(StandardCharsets.UTF_8);
  }

  static String qa(String service, String commit) {
    return WorkflowIds.deployment("qa", service, commit);
  }

  // ---- valid pushes ----

  @Test
  void githubPushWithAValidSignatureStartsOneDeployment() throws Exception {
    String commit = commitId();

    HttpResponse<String> response =
        send(
            github(
                githubPush("acme/billing", "refs/heads/main", commit), ENV.get("GITHUB_SECRET")));

    assertThat(response.statusCode()).as(response.body()).isEqualTo(202);
    assertThat(response.body())
        .isEqualTo("refs/heads/main -> " + qa("billing", commit) + " started\n");
    DeployRequest input = temporal.input(qa("billing", commit));
    assertThat(input)
        .isEqualTo(
            new DeployRequest(DEFINITIONS, "qa", "billing", commit, "webhook:github:alice", false));
  }

  @Test
  void giteaPushWithAValidSignatureStartsOneDeployment() throws Exception {
    String commit = commitId();
    String body = giteaPush("acme/billing", "refs/heads/release/7", commit);

    HttpResponse<String> response =
        send(
            post("/hooks/gitea")
                .header("Content-Type", "application/json")
                .header("X-Gitea-Event", "push")
                .header("X-Gitea-Delivery", UUID.randomUUID().toString())
                .header("X-Gitea-Signature", sign(ENV.get("GITEA_SECRET"), bytes(body)))
                .POST(HttpRequest.BodyPublishers.ofString(body)));

    String id = WorkflowIds.deployment("prod", "billing", commit);
    assertThat(response.statusCode()).as(response.body()).isEqualTo(202);
    assertThat(response.body()).isEqualTo("refs/heads/release/7 -> " + id + " started\n");
    assertThat(temporal.input(id).requestedBy()).isEqualTo("webhook:gitea:bob");
  }

  @Test
  void gitlabPushWithTheRightTokenStartsOneDeployment() throws Exception {
    String commit = commitId();

    HttpResponse<String> response =
        send(gitlab(gitlabPush("acme/billing", "refs/heads/main", commit), "gitlab-token"));

    assertThat(response.statusCode()).as(response.body()).isEqualTo(202);
    assertThat(temporal.input(qa("billing", commit)).requestedBy())
        .isEqualTo("webhook:gitlab:carol");
  }

  HttpRequest.Builder gitlab(String body, String token) {
    return post("/hooks/gitlab")
        .header("Content-Type", "application/json")
        .header("X-Gitlab-Event", "Push Hook")
        .header("X-Gitlab-Event-UUID", UUID.randomUUID().toString())
        .header("X-Gitlab-Token", token)
        .POST(HttpRequest.BodyPublishers.ofString(body));
  }

  @Test
  void aRepositoryWithItsOwnSecretIsVerifiedWithIt() throws Exception {
    String commit = commitId();

    HttpResponse<String> response =
        send(github(githubPush("acme/web", "refs/heads/main", commit), ENV.get("WEB_SECRET")));

    assertThat(response.statusCode()).as(response.body()).isEqualTo(202);
    assertThat(temporal.exists(qa("web", commit))).isTrue();
  }

  // ---- refused: each gets its status and starts nothing ----

  @Test
  void noSignatureIs401() throws Exception {
    String commit = commitId();
    String body = githubPush("acme/billing", "refs/heads/main", commit);

    HttpResponse<String> response =
        send(
            post("/hooks/github")
                .header("Content-Type", "application/json")
                .header("X-GitHub-Event", "push")
                .POST(HttpRequest.BodyPublishers.ofString(body)));

    assertThat(response.statusCode()).isEqualTo(401);
    assertThat(response.body()).startsWith("missing X-Hub-Signature-256");
    assertThat(temporal.exists(qa("billing", commit))).isFalse();
  }

  @Test
  void aSignatureOfAnotherBodyIs401() throws Exception {
    String commit = commitId();
    String body = githubPush("acme/billing", "refs/heads/main", commit);
    String other = githubPush("acme/billing", "refs/heads/main", commitId());

    HttpResponse<String> response =
        send(
            github(body, ENV.get("GITHUB_SECRET"))
                .setHeader(
                    "X-Hub-Signature-256",
                    "sha256=" + sign(ENV.get("GITHUB_SECRET"), bytes(other))));

    assertThat(response.statusCode()).isEqualTo(401);
    assertThat(temporal.exists(qa("billing", commit))).isFalse();
  }

  @Test
  void aMalformedSignatureIs401() throws Exception {
    String commit = commitId();

    HttpResponse<String> response =
        send(
            github(githubPush("acme/billing", "refs/heads/main", commit), "x")
                .setHeader("X-Hub-Signature-256", "sha1=not-hex"));

    assertThat(response.statusCode()).isEqualTo(401);
    assertThat(temporal.exists(qa("billing", commit))).isFalse();
  }

  @Test
  void aSignatureMadeWithTheWrongSecretIs401() throws Exception {
    String commit = commitId();

    HttpResponse<String> response =
        send(github(githubPush("acme/billing", "refs/heads/main", commit), "not the secret"));

    assertThat(response.statusCode()).isEqualTo(401);
    assertThat(response.body()).contains("does not match the body with any configured secret");
    assertThat(temporal.exists(qa("billing", commit))).isFalse();
  }

  @Test
  void aPushSignedWithAnotherRepositorysSecretIs401() throws Exception {
    String commit = commitId();

    HttpResponse<String> response =
        send(github(githubPush("acme/billing", "refs/heads/main", commit), ENV.get("WEB_SECRET")));

    assertThat(response.statusCode()).isEqualTo(401);
    assertThat(response.body()).contains("does not match the secret configured for acme/billing");
    assertThat(temporal.exists(qa("billing", commit))).isFalse();
  }

  @Test
  void aWrongGitlabTokenIs401() throws Exception {
    String commit = commitId();

    HttpResponse<String> response =
        send(gitlab(gitlabPush("acme/billing", "refs/heads/main", commit), "gitlab-token-2"));

    assertThat(response.statusCode()).isEqualTo(401);
    assertThat(temporal.exists(qa("billing", commit))).isFalse();
  }

  @Test
  void aTruncatedBodyNoLongerMatchesItsSignatureAndIs401() throws Exception {
    String commit = commitId();
    String body = githubPush("acme/billing", "refs/heads/main", commit);
    String signature = "sha256=" + sign(ENV.get("GITHUB_SECRET"), bytes(body));

    HttpResponse<String> response =
        send(
            post("/hooks/github")
                .header("Content-Type", "application/json")
                .header("X-GitHub-Event", "push")
                .header("X-Hub-Signature-256", signature)
                .POST(HttpRequest.BodyPublishers.ofString(body.substring(0, body.length() / 2))));

    assertThat(response.statusCode()).isEqualTo(401);
    assertThat(temporal.exists(qa("billing", commit))).isFalse();
  }

  @Test
  void aTruncatedGitlabBodyIsMalformedJsonAnd400() throws Exception {
    String commit = commitId();
    String body = gitlabPush("acme/billing", "refs/heads/main", commit);

    HttpResponse<String> response =
        send(gitlab(body.substring(0, body.length() - 20), "gitlab-token"));

    assertThat(response.statusCode()).isEqualTo(400);
    assertThat(response.body()).startsWith("malformed push payload: body is not JSON");
    assertThat(temporal.exists(qa("billing", commit))).isFalse();
  }

  @Test
  void aBodyShorterThanItsContentLengthIs400() throws Exception {
    String commit = commitId();
    byte[] body = bytes(githubPush("acme/billing", "refs/heads/main", commit));
    byte[] half = Arrays.copyOf(body, body.length / 2);

    String response;
    try (Socket socket = new Socket("127.0.0.1", server.port())) {
      socket.setSoTimeout(30_000);
      OutputStream out = socket.getOutputStream();
      out.write(
          bytes(
              "POST /hooks/github HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                  + "X-GitHub-Event: push\r\nX-Hub-Signature-256: sha256="
                  + sign(ENV.get("GITHUB_SECRET"), body)
                  + "\r\nContent-Length: "
                  + body.length
                  + "\r\nConnection: close\r\n\r\n"));
      out.write(half);
      out.flush();
      socket.shutdownOutput();
      response = new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    }

    assertThat(response).startsWith("HTTP/1.1 400");
    assertThat(temporal.exists(qa("billing", commit))).isFalse();
  }

  @Test
  void aContentTypeOtherThanJsonIs415() throws Exception {
    String commit = commitId();

    HttpResponse<String> response =
        send(
            github(githubPush("acme/billing", "refs/heads/main", commit), ENV.get("GITHUB_SECRET"))
                .setHeader("Content-Type", "application/x-www-form-urlencoded"));

    assertThat(response.statusCode()).isEqualTo(415);
    assertThat(response.body()).contains("application/json");
    assertThat(temporal.exists(qa("billing", commit))).isFalse();
  }

  @Test
  void aBodyOverTheLimitIs413() throws Exception {
    String commit = commitId();
    String body = padded(githubPush("acme/billing", "refs/heads/main", commit), MAX_BODY + 1);

    HttpResponse<String> response = send(github(body, ENV.get("GITHUB_SECRET")));

    assertThat(response.statusCode()).isEqualTo(413);
    assertThat(response.body()).contains("larger than " + MAX_BODY + " bytes");
    assertThat(temporal.exists(qa("billing", commit))).isFalse();
  }

  @Test
  void aChunkedBodyOverTheLimitIs413() throws Exception {
    String commit = commitId();
    String body = padded(githubPush("acme/billing", "refs/heads/main", commit), 4 * MAX_BODY);

    HttpResponse<String> response =
        send(
            github(body, ENV.get("GITHUB_SECRET"))
                .POST(
                    HttpRequest.BodyPublishers.ofInputStream(
                        () -> new ByteArrayInputStream(bytes(body)))));

    assertThat(response.statusCode()).isEqualTo(413);
    assertThat(temporal.exists(qa("billing", commit))).isFalse();
  }

  /** Valid JSON of exactly {@code size} bytes: the payload with a long extra field. */
  static String padded(String json, long size) {
    String open = json.substring(0, json.length() - 1) + ",\"padding\":\"";
    String close = "\"}";
    return open + "x".repeat((int) (size - open.length() - close.length())) + close;
  }

  @Test
  void anUnknownRepositoryIs404() throws Exception {
    String commit = commitId();

    HttpResponse<String> response =
        send(
            github(
                githubPush("acme/unknown", "refs/heads/main", commit), ENV.get("GITHUB_SECRET")));

    assertThat(response.statusCode()).isEqualTo(404);
    assertThat(response.body()).contains("repository acme/unknown is not configured");
    assertThat(temporal.exists(qa("unknown", commit))).isFalse();
  }

  @Test
  void malformedJsonWithAValidSignatureIs400() throws Exception {
    HttpResponse<String> response = send(github("{\"ref\": [", ENV.get("GITHUB_SECRET")));

    assertThat(response.statusCode()).isEqualTo(400);
    assertThat(response.body()).startsWith("malformed push payload");
  }

  @Test
  void aPayloadWithoutCommitIdsIs400() throws Exception {
    String body = githubPush("acme/billing", "refs/heads/main", "main");

    HttpResponse<String> response = send(github(body, ENV.get("GITHUB_SECRET")));

    assertThat(response.statusCode()).isEqualTo(400);
    assertThat(response.body()).contains("not commit ids");
  }

  @Test
  void aNonPushEventIsAnsweredAndStartsNothing() throws Exception {
    String commit = commitId();

    HttpResponse<String> issues =
        send(
            github(githubPush("acme/billing", "refs/heads/main", commit), ENV.get("GITHUB_SECRET"))
                .setHeader("X-GitHub-Event", "issues"));
    HttpResponse<String> ping =
        send(
            github("{\"zen\":\"Keep it logically awesome.\"}", ENV.get("GITHUB_SECRET"))
                .setHeader("X-GitHub-Event", "ping"));

    assertThat(issues.statusCode()).isEqualTo(200);
    assertThat(issues.body()).isEqualTo("ignored: event 'issues' is not a push\n");
    assertThat(ping.statusCode()).isEqualTo(200);
    assertThat(ping.body()).isEqualTo("pong\n");
    assertThat(temporal.exists(qa("billing", commit))).isFalse();
  }

  @Test
  void tagPushesBranchDeletionsAndUnmappedBranchesAreIgnored() throws Exception {
    String commit = commitId();
    String zeros = "0".repeat(40);

    HttpResponse<String> tag =
        send(
            gitlab(gitlabPush("acme/billing", "refs/tags/v1", commit), "gitlab-token")
                .setHeader("X-Gitlab-Event", "Tag Push Hook"));
    HttpResponse<String> deleted =
        send(
            github(githubPush("acme/billing", "refs/heads/main", zeros), ENV.get("GITHUB_SECRET")));
    HttpResponse<String> unmapped =
        send(
            github(
                githubPush("acme/billing", "refs/heads/feature", commit),
                ENV.get("GITHUB_SECRET")));

    assertThat(tag.statusCode()).isEqualTo(200);
    assertThat(tag.body()).isEqualTo("refs/tags/v1 ignored (tag)\n");
    assertThat(deleted.statusCode()).isEqualTo(200);
    assertThat(deleted.body()).isEqualTo("refs/heads/main ignored (branch deleted)\n");
    assertThat(unmapped.statusCode()).isEqualTo(200);
    assertThat(unmapped.body()).startsWith("refs/heads/feature ignored (branch not mapped");
    assertThat(temporal.exists(qa("billing", commit))).isFalse();
  }

  @Test
  void aRedeliveryStartsNothingEvenAfterTheFirstRunFailed() throws Exception {
    String commit = commitId();
    HttpRequest request =
        github(githubPush("acme/billing", "refs/heads/main", commit), ENV.get("GITHUB_SECRET"))
            .build();
    String id = qa("billing", commit);

    HttpResponse<String> first = http.send(request, HttpResponse.BodyHandlers.ofString());
    String runId = temporal.runId(id);
    // A terminated run may be started again under its id: only the delivery log stops it.
    temporal.terminate(id);
    HttpResponse<String> again = http.send(request, HttpResponse.BodyHandlers.ofString());

    assertThat(first.statusCode()).isEqualTo(202);
    assertThat(again.statusCode()).isEqualTo(200);
    assertThat(again.body()).contains("already handled; nothing started");
    assertThat(temporal.runId(id)).isEqualTo(runId);
    assertThat(temporal.status(id))
        .isEqualTo(WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_TERMINATED);
  }

  @Test
  void aGitlabRetryWithANewEventIdButTheSameBodyIsARedelivery() throws Exception {
    String commit = commitId();
    String body = gitlabPush("acme/billing", "refs/heads/main", commit);
    String id = qa("billing", commit);

    HttpResponse<String> first = send(gitlab(body, "gitlab-token"));
    temporal.terminate(id);
    HttpResponse<String> retry = send(gitlab(body, "gitlab-token"));

    assertThat(first.statusCode()).isEqualTo(202);
    assertThat(retry.statusCode()).isEqualTo(200);
    assertThat(retry.body()).contains("already handled");
    assertThat(temporal.status(id))
        .isEqualTo(WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_TERMINATED);
  }

  @Test
  void deliveriesAreRememberedAcrossARestart() throws Exception {
    String commit = commitId();
    HttpRequest.Builder request =
        github(githubPush("acme/billing", "refs/heads/main", commit), ENV.get("GITHUB_SECRET"));
    assertThat(send(request).statusCode()).isEqualTo(202);
    temporal.terminate(qa("billing", commit));

    server.close();
    server = serve(new TriggerStarter(new DeploymentStarter(temporal.client())));
    HttpResponse<String> again =
        send(request.uri(URI.create("http://127.0.0.1:" + server.port() + "/hooks/github")));

    assertThat(again.statusCode()).isEqualTo(200);
    assertThat(again.body()).contains("already handled");
  }

  @Test
  void anUnknownEndpointIs404AndAGetIs405() throws Exception {
    HttpResponse<String> unknown =
        send(post("/hooks/bitbucket").POST(HttpRequest.BodyPublishers.ofString("{}")));
    HttpResponse<String> get = send(post("/hooks/github").GET());

    assertThat(unknown.statusCode()).isEqualTo(404);
    assertThat(get.statusCode()).isEqualTo(405);
    assertThat(get.headers().firstValue("Allow")).hasValue("POST");
  }

  // ---- Temporal unreachable: spooled, started once when it is back ----

  @Test
  void whenTemporalIsDownThePushIsSpooledAndStartedOnceWhenItIsBack() throws Exception {
    int port = TemporalTestServer.freePort();
    server.close();
    try (TemporalOptions.Connection down =
        TemporalOptions.lazy(TemporalTestServer.address(port), "default", Duration.ofSeconds(2))) {
      WebhookHandler handler =
          new WebhookHandler(
              WebhookConfig.load(writeConfig(), ENV::get),
              new Deliveries(dir.resolve("d.log"), 100),
              new Spool(dir.resolve("spool.jsonl")),
              new TriggerStarter(new DeploymentStarter(down.client())));
      server =
          WebhookServer.start(
              new InetSocketAddress("127.0.0.1", 0),
              handler,
              new PrintWriter(log, true),
              Duration.ofHours(1));
      String commit = commitId();

      HttpResponse<String> response =
          send(
              github(
                  githubPush("acme/billing", "refs/heads/main", commit), ENV.get("GITHUB_SECRET")));

      assertThat(response.statusCode()).as(response.body()).isEqualTo(202);
      assertThat(response.body())
          .contains("spooled service billing " + WorkflowIds.shortCommit(commit) + " to qa");
      assertThat(Files.readAllLines(dir.resolve("spool.jsonl"))).hasSize(1);

      try (TemporalTestServer later = TemporalTestServer.start(port)) {
        // The client's channel may still be in its reconnect backoff when the server is back; a
        // flush that cannot reach Temporal keeps the entry, as the periodic flush would retry it.
        Spool.FlushResult flushed = handler.flushSpool();
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (flushed.started().isEmpty() && System.nanoTime() < deadline) {
          assertThat(flushed.kept()).hasSize(1);
          Thread.sleep(500);
          flushed = handler.flushSpool();
        }
        Spool.FlushResult again = handler.flushSpool();

        assertThat(flushed.started())
            .extracting(StartOutcome::describe)
            .containsExactly(qa("billing", commit) + " started");
        assertThat(flushed.kept()).isEmpty();
        assertThat(again.started()).isEmpty();
        assertThat(later.input(qa("billing", commit)).requestedBy())
            .isEqualTo("webhook:github:alice");
      }
    }
  }

  // ---- configuration ----

  @Test
  void aConfigWithAMissingSecretOrABadBranchNamesEveryProblem() throws IOException {
    Path file = dir.resolve("bad.conf");
    Files.writeString(
        file,
        "[repo \"acme/billing\"]\n\tservice = billing\n\tbranch = main=qa\n\tdefinitions = ../defs\n"
            + "\tsecretEnv = NOT_SET\n"
            + "[repo \"acme/payments\"]\n\tstack = payments\n\tbranch = main\n\tdefinitions = x\n");

    assertThatThrownBy(() -> WebhookConfig.load(file, ENV::get))
        .isInstanceOf(ConveyorCli.EnvironmentException.class)
        .hasMessageContaining("2 problems")
        .hasMessageContaining(
            "[repo \"acme/billing\"] secretEnv: environment variable NOT_SET is not set")
        .hasMessageNotContaining("stack:")
        .hasMessageContaining("[repo \"acme/payments\"] branch: branch mapping 'main' is")
        .hasMessageNotContaining(ENV.get("GITHUB_SECRET"));
  }

  @Test
  void webhookServeRunsTheEndpointWithSecretsFromTheEnvironment() throws Exception {
    Path config = writeConfig();
    int port = TemporalTestServer.freePort();
    List<String> command = new ArrayList<>(CliLauncher.current().command());
    command.addAll(
        List.of(
            "webhook",
            "serve",
            "--config",
            config.toString(),
            "--port",
            Integer.toString(port),
            "--temporal",
            temporal.address()));
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
    builder.environment().putAll(ENV);
    Process process = builder.start();
    try {
      InputStream out = process.getInputStream();
      String banner = readLine(out);
      assertThat(banner).startsWith("conveyor webhook: listening on http://127.0.0.1:" + port);
      String commit = commitId();
      String body = githubPush("acme/billing", "refs/heads/main", commit);

      HttpResponse<String> response =
          http.send(
              HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/hooks/github"))
                  .header("Content-Type", "application/json")
                  .header("X-GitHub-Event", "push")
                  .header("X-GitHub-Delivery", UUID.randomUUID().toString())
                  .header(
                      "X-Hub-Signature-256",
                      "sha256=" + sign(ENV.get("GITHUB_SECRET"), bytes(body)))
                  .POST(HttpRequest.BodyPublishers.ofString(body))
                  .build(),
              HttpResponse.BodyHandlers.ofString());

      assertThat(response.statusCode()).as(response.body()).isEqualTo(202);
      assertThat(temporal.exists(qa("billing", commit))).isTrue();
      assertThat(Files.exists(dir.resolve("webhook-deliveries.log"))).isTrue();
    } finally {
      process.destroy();
      process.waitFor();
    }
  }

  private static String readLine(InputStream in) throws IOException {
    StringBuilder line = new StringBuilder();
    for (int c = in.read(); c >= 0 && c != '\n'; c = in.read()) {
      line.append((char) c);
    }
    return line.toString();
  }
}
