package dev.conveyor.worker.secrets;

import static dev.conveyor.activities.testing.GitCli.git;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.jayway.jsonpath.JsonPath;
import dev.conveyor.activities.testing.RequiresDocker;
import dev.conveyor.worker.testing.DeploymentWorld;
import dev.conveyor.worker.testing.TemporalServerProcess;
import dev.conveyor.worker.testing.WorkerProcess;
import dev.conveyor.workflows.deploy.DeployResult;
import dev.conveyor.workflows.deploy.ServiceDeploymentWorkflow;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowFailedException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import mockwebserver3.RecordedRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Secrets reach the peers that need them and nothing else: a worker process whose environment holds
 * recognisable secret values (Consul ACL token, Marathon Basic password, registry password, Git
 * password, and a webhook URL with a token in its path behind a {@code ${env:…}} reference) runs
 * one deployment that succeeds and one that fails; then the workflow histories (exported to JSON,
 * every payload decoded), the status queries, the worker's and the Temporal server's output, the
 * config repo's full history, the KV values, Marathon's request bodies and the notifications are
 * searched for every secret, raw and as the Basic header that carries it. None may appear.
 *
 * <p>The simulators insist on the credentials (Consul answers 403 without the token, Marathon 401
 * without the password) and the notification must arrive at the secret URL, so the secrets were
 * really in use; positive checks show that the scanned texts are the real ones.
 */
@RequiresDocker
class SecretsStayOutOfHistoryAndLogsTests {
  private static final String ENV = "prod";
  private static final String HOOK_VARIABLE = "CONVEYOR_TEST_HOOK_URL";
  private static final ObjectMapper JSON = new ObjectMapper();

  private final String consulToken = secret("consul-token");
  private final String marathonPassword = secret("marathon-password");
  private final String registryPassword = secret("registry-password");
  private final String gitPassword = secret("git-password");
  private final String hookToken = secret("hook-token");

  @TempDir Path dir;
  private final List<AutoCloseable> closeables = new ArrayList<>();

  @AfterEach
  void closeAll() {
    for (int i = closeables.size() - 1; i >= 0; i--) {
      try {
        closeables.get(i).close();
      } catch (Exception e) {
        // cleanup must not hide the test's outcome
      }
    }
  }

  @Test
  @Timeout(180)
  void noSecretAppearsInHistoryQueriesLogsOrWhatPeersStore() throws Exception {
    Path logs = Files.createDirectories(dir.resolve("logs"));
    TemporalServerProcess server = TemporalServerProcess.start(logs);
    closeables.add(server);
    DeploymentWorld healthy = world("secret-ok");
    DeploymentWorld refused = world("secret-refused");
    refused.marathon().forbidden(true);
    Map<String, String> env = new LinkedHashMap<>();
    env.put("CONVEYOR_WORKER_CONSUL_TOKEN", consulToken);
    env.put("CONVEYOR_WORKER_MARATHON_USERNAME", "conveyor");
    env.put("CONVEYOR_WORKER_MARATHON_PASSWORD", marathonPassword);
    env.put("CONVEYOR_WORKER_REGISTRY_USERNAME", "conveyor");
    env.put("CONVEYOR_WORKER_REGISTRY_PASSWORD", registryPassword);
    env.put("CONVEYOR_WORKER_GIT_HOST", "git.example.invalid");
    env.put("CONVEYOR_WORKER_GIT_USERNAME", "conveyor");
    env.put("CONVEYOR_WORKER_GIT_PASSWORD", gitPassword);
    env.put(HOOK_VARIABLE, healthy.sink().url("/hooks/" + hookToken));
    WorkerProcess worker =
        WorkerProcess.start("worker", server.target(), dir.resolve("data"), logs, List.of(), env);
    closeables.add(worker);
    WorkflowClient client = server.client();

    String okCommit = healthy.head();
    DeployResult result =
        healthy.start(client, ENV, okCommit, Duration.ofSeconds(120)).getResult(DeployResult.class);
    String refusedCommit = refused.head();
    WorkflowFailedException failure = null;
    try {
      refused.start(client, ENV, refusedCommit, Duration.ofSeconds(120)).getResult(Object.class);
    } catch (WorkflowFailedException e) {
      failure = e;
    }

    // the secrets were in use: every peer got what it insists on
    assertThat(result.image()).startsWith(healthy.imageRepository() + "@sha256:");
    assertThat(failure).as("the deployment Marathon refused").isNotNull();
    assertThat(healthy.consul().requests())
        .extracting(r -> r.getHeaders().get("X-Consul-Token"))
        .containsOnly(consulToken);
    assertThat(healthy.marathon().requests())
        .extracting(r -> r.getHeaders().get("Authorization"))
        .containsOnly(basic("conveyor", marathonPassword));
    // both deployments notify through the one secret URL in the worker's environment
    assertThat(healthy.sink().deliveries())
        .extracting(d -> d.path(), d -> d.outcome())
        .containsExactlyInAnyOrder(
            org.assertj.core.groups.Tuple.tuple("/hooks/" + hookToken, "SUCCEEDED"),
            org.assertj.core.groups.Tuple.tuple("/hooks/" + hookToken, "FAILED"));

    Map<String, String> scanned = new LinkedHashMap<>();
    for (DeploymentWorld world : List.of(healthy, refused)) {
      String id = world.workflowId(ENV, world.head());
      String history = client.fetchHistory(id).toJson(true);
      scanned.put("history of " + id + " (JSON)", history);
      scanned.put("history of " + id + " (payloads decoded)", decodedPayloads(history));
      scanned.put(
          "status query of " + id,
          JSON.writeValueAsString(
              client.newWorkflowStub(ServiceDeploymentWorkflow.class, id).status()));
      scanned.put(
          "config repo of " + world.service(), git(world.configRepo(), "log", "-p", "--all"));
      scanned.put(
          "Consul values of " + world.service(),
          String.join(
              "\n",
              world.consul().value(world.imageKey(ENV)).orElse(""),
              world.consul().value(world.previousKey(ENV)).orElse(""),
              world
                  .consul()
                  .value("conveyor/" + ENV + "/" + world.service() + "/commit")
                  .orElse("")));
      scanned.put(
          "Marathon request bodies of " + world.service(),
          String.join(
              "\n",
              world.marathon().requests().stream()
                  .map(SecretsStayOutOfHistoryAndLogsTests::body)
                  .toList()));
      scanned.put(
          "notifications of " + world.service(),
          String.join("\n", world.sink().deliveries().stream().map(d -> d.body()).toList()));
    }
    scanned.put("worker output", String.join("\n", worker.jvm().lines()));
    scanned.put("Temporal server output", String.join("\n", server.jvm().lines()));

    // the scanned texts are the real ones: they hold what they should
    String okId = healthy.workflowId(ENV, okCommit);
    assertThat(scanned.get("history of " + okId + " (payloads decoded)"))
        .contains("${env:" + HOOK_VARIABLE + "}")
        .contains(result.image())
        .contains(healthy.consul().url());
    assertThat(scanned.get("worker output")).contains(okId).contains("notified of SUCCEEDED");
    assertThat(scanned.get("notifications of " + healthy.service())).contains(result.image());

    Map<String, String> secrets = new LinkedHashMap<>();
    secrets.put("Consul token", consulToken);
    secrets.put("Marathon password", marathonPassword);
    secrets.put("Marathon Basic header", basic("conveyor", marathonPassword));
    secrets.put("registry password", registryPassword);
    secrets.put("registry Basic header", basic("conveyor", registryPassword));
    secrets.put("Git password", gitPassword);
    secrets.put("webhook token", hookToken);
    List<String> leaks = new ArrayList<>();
    scanned.forEach(
        (where, text) ->
            secrets.forEach(
                (what, value) -> {
                  if (text.contains(value) || text.contains(stripBasic(value))) {
                    leaks.add(what + " in " + where);
                  }
                }));
    assertThat(leaks).as("secrets found").isEmpty();
  }

  private DeploymentWorld world(String prefix) {
    DeploymentWorld.Builder builder =
        DeploymentWorld.builder(dir.resolve(prefix), prefix)
            .withPreviousImage()
            .notifyTarget("${env:" + HOOK_VARIABLE + "}");
    DeploymentWorld world = builder.build();
    closeables.add(world);
    world.consul().requireToken(consulToken);
    world.marathon().requireBasicAuth("conveyor", marathonPassword);
    return world;
  }

  /** Every {@code data} field of the history JSON (payloads are base64), decoded as UTF-8. */
  private static String decodedPayloads(String historyJson) {
    List<String> data = JsonPath.read(historyJson, "$..data");
    StringBuilder out = new StringBuilder();
    for (String encoded : data) {
      try {
        out.append(new String(Base64.getDecoder().decode(encoded), StandardCharsets.UTF_8));
      } catch (IllegalArgumentException notBase64) {
        out.append(encoded);
      }
      out.append('\n');
    }
    return out.toString();
  }

  private static String body(RecordedRequest request) {
    return request.getBody() == null ? "" : request.getBody().utf8();
  }

  private static String basic(String user, String password) {
    return "Basic "
        + Base64.getEncoder()
            .encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
  }

  /** The base64 part of a Basic header, the value itself otherwise. */
  private static String stripBasic(String value) {
    return value.startsWith("Basic ") ? value.substring("Basic ".length()) : value;
  }

  /** A recognisable secret that cannot occur by chance. */
  private static String secret(String what) {
    return "S3CRET-" + what + "-" + UUID.randomUUID().toString().replace("-", "");
  }
}
