package dev.conveyor.worker.faults;

import static dev.conveyor.activities.testing.GitCli.git;
import static dev.conveyor.worker.testing.HttpFaultProxy.fromWorker;
import static dev.conveyor.worker.testing.HttpFaultProxy.request;
import static org.assertj.core.api.Assertions.assertThat;

import dev.conveyor.activities.testing.DockerRequired;
import dev.conveyor.activities.testing.RequiresDocker;
import dev.conveyor.worker.testing.DeploymentWorld;
import dev.conveyor.worker.testing.GitDaemon;
import dev.conveyor.worker.testing.Histories;
import dev.conveyor.worker.testing.HttpFaultProxy;
import dev.conveyor.worker.testing.RunningWorker;
import dev.conveyor.workflows.deploy.DeployResult;
import dev.conveyor.workflows.deploy.ServiceDeploymentWorkflowImpl;
import dev.conveyor.workflows.deploy.Step;
import dev.conveyor.workflows.deploy.StepState;
import dev.conveyor.workflows.deploy.StepStatus;
import io.temporal.client.WorkflowFailedException;
import io.temporal.failure.ApplicationFailure;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import okhttp3.Headers;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * One fault in one peer per test, during a full deployment through the real worker (in this JVM, on
 * Temporal's test server in real time): a transient fault ends in a successful deployment, a
 * permanent one fails it at the right step with a precise message and is not retried (the history's
 * attempt count, and the peer's own request count where it has one).
 *
 * <p>Peers: the Marathon and Consul simulators' fault hooks, an HTTP proxy in front of the registry
 * and of Marathon ({@link HttpFaultProxy}), {@code git daemon} with hooks for the config repo, a
 * webhook sink or a closed port for the notifier.
 */
@RequiresDocker
@Timeout(120)
class PeerFaultTests {
  /** The worker's Marathon call timeout here, so a slow Marathon is slow within seconds. */
  private static final Duration MARATHON_TIMEOUT = Duration.ofSeconds(2);

  private static final String ENV = "prod";
  private static final String UNAUTHORIZED =
      "{\"errors\":[{\"code\":\"UNAUTHORIZED\",\"message\":\"authentication required\"}]}";

  @TempDir static Path dataDir;
  private static RunningWorker worker;

  @TempDir Path dir;
  private final List<AutoCloseable> closeables = new ArrayList<>();

  @BeforeAll
  static void startWorker() {
    worker =
        RunningWorker.start(
            dataDir, "--conveyor.worker.marathon.timeout=" + MARATHON_TIMEOUT.toSeconds() + "s");
  }

  @AfterAll
  static void stopWorker() {
    if (worker != null) {
      worker.close();
    }
  }

  @AfterEach
  void closeWhatTheTestMade() {
    for (int i = closeables.size() - 1; i >= 0; i--) {
      try {
        closeables.get(i).close();
      } catch (Exception e) {
        // cleanup must not hide the test's outcome
      }
    }
  }

  // ---- Marathon --------------------------------------------------------------------------------

  @Test
  void marathon503BurstIsRetriedAndTheDeploymentSucceeds() {
    DeploymentWorld world = world(b -> {});
    world.marathon().failNext(2, 503);

    Outcome outcome = deploy(world);

    assertSucceeded(outcome);
    assertThat(attempts(outcome, "Deploy")).as("two 503s, then the third try").containsExactly(3);
    assertMarathonRuns(world, outcome.result().image());
  }

  @Test
  void marathon502FromItsProxyIsRetriedAndTheDeploymentSucceeds() {
    DeploymentWorld world = world(b -> {});
    world.marathon().failNext(2, 502);

    Outcome outcome = deploy(world);

    assertSucceeded(outcome);
    assertThat(attempts(outcome, "Deploy")).containsExactly(3);
    assertMarathonRuns(world, outcome.result().image());
  }

  @Test
  void marathon409WhileAnotherDeploymentHoldsTheAppIsWaitedOut() {
    String other = DockerRequired.registry() + "/conveyor-test/other@sha256:" + "ab".repeat(32);
    HttpFaultProxy[] proxy = new HttpFaultProxy[1];
    DeploymentWorld world =
        world(
            b ->
                b.withPreviousImage()
                    .deploymentDuration(Duration.ofSeconds(3))
                    .marathonUrl(marathon -> (proxy[0] = proxy(marathon.url())).url()));
    // Just before the worker's first look at the app, another deployment of it starts.
    proxy[0].beforeForwarding(
        fromWorker(request("GET", "/v2/apps/")),
        () -> putDirectly(world, "/" + world.service(), other));

    Outcome outcome = deploy(world);

    assertSucceeded(outcome);
    assertThat(attempts(outcome, "Deploy"))
        .as("the deploy waited for the lock inside one attempt")
        .containsExactly(1);
    assertThat(proxy[0].seen())
        .filteredOn(s -> s.is("PUT", "/v2/apps/"))
        .as("our PUT was refused while the other deployment ran, then accepted")
        .hasSize(2);
    assertThat(
            world.marathon().putBodies("/" + world.service()).stream()
                .map(b -> b.path("container").path("docker").path("image").asText()))
        .containsExactly(other, outcome.result().image(), outcome.result().image());
    assertMarathonRuns(world, outcome.result().image());
  }

  @Test
  void marathonSlowerThanTheClientTimeoutIsRetriedWithoutASecondPut() {
    HttpFaultProxy[] proxy = new HttpFaultProxy[1];
    DeploymentWorld world =
        world(b -> b.marathonUrl(marathon -> (proxy[0] = proxy(marathon.url())).url()));
    // Marathon applies the PUT; its answer comes after the worker stopped waiting.
    proxy[0].delay(request("PUT", "/v2/apps/"), 1, MARATHON_TIMEOUT.multipliedBy(2));

    Outcome outcome = deploy(world);

    assertSucceeded(outcome);
    assertThat(attempts(outcome, "Deploy")).containsExactly(2);
    assertThat(world.marathon().putBodies("/" + world.service()))
        .as("the retry found the app already at the digest and sent no second PUT")
        .hasSize(1);
    assertMarathonRuns(world, outcome.result().image());
  }

  @Test
  void marathonRefusingTheWorkersCredentialsFailsAtDeployWithoutRetrying() {
    DeploymentWorld world = world(b -> {});
    world.marathon().requireBasicAuth("ops", "not-the-workers");

    Outcome outcome = deploy(world);

    assertFailedAt(
        outcome,
        Step.DEPLOY,
        "Marathon at "
            + world.marathon().url()
            + "/ answered HTTP 401 to GET /v2/apps/"
            + world.service()
            + ": Invalid username or password. (check the worker's Marathon credentials:"
            + " username/password or token)");
    assertThat(attempts(outcome, "Deploy")).containsExactly(1);
    assertThat(world.marathon().requests()).hasSize(1);
  }

  // ---- registry --------------------------------------------------------------------------------

  @Test
  void registry5xxDuringPushIsRetriedAndTheDeploymentSucceeds() {
    HttpFaultProxy registry = proxy("http://" + DockerRequired.registry());
    DeploymentWorld world = world(b -> b.registry(registry.address()));
    registry.answer(request("POST", "/blobs/uploads/"), 1, 503, "{\"errors\":[]}");

    Outcome outcome = deploy(world);

    assertSucceeded(outcome);
    assertThat(registry.seen()).filteredOn(s -> s.outcome().equals("503")).hasSize(1);
    assertThat(world.registryDigest(outcome.commit())).contains(outcome.result().digest());
  }

  @Test
  void registryUnreachableDuringTheDigestLookupIsRetriedAndTheDeploymentSucceeds() {
    HttpFaultProxy registry = proxy("http://" + DockerRequired.registry());
    DeploymentWorld world = world(b -> b.registry(registry.address()));
    // The worker's lookups after the engine pushed the manifest lose their connection twice.
    registry.drop(
        fromWorker(request("HEAD", "/manifests/"))
            .and(s -> registry.count(request("PUT", "/manifests/")) > 0),
        2);

    Outcome outcome = deploy(world);

    assertSucceeded(outcome);
    assertThat(registry.seen()).filteredOn(s -> s.outcome().equals("dropped")).hasSize(2);
    // OkHttp retries a dropped connection on a fresh one by itself, sometimes both drops;
    // what it does not absorb fails the push step, which Temporal retries.
    assertThat(attempts(outcome, "Push")).singleElement().isIn(1, 2, 3);
  }

  @Test
  void registry503DuringTheDigestLookupRetriesThePushStepAndTheDeploymentSucceeds() {
    HttpFaultProxy registry = proxy("http://" + DockerRequired.registry());
    DeploymentWorld world = world(b -> b.registry(registry.address()));
    registry.answer(
        fromWorker(request("HEAD", "/manifests/"))
            .and(s -> registry.count(request("PUT", "/manifests/")) > 0),
        1,
        503,
        "");

    Outcome outcome = deploy(world);

    assertSucceeded(outcome);
    assertThat(attempts(outcome, "Push"))
        .as("the second push uploads nothing and the lookup answers")
        .containsExactly(2);
    assertThat(world.registryDigest(outcome.commit())).contains(outcome.result().digest());
    assertThat(world.registryDigest(outcome.commit())).contains(outcome.result().digest());
  }

  @Test
  void registryAskingForALoginTheWorkerDoesNotHaveFailsWithoutRetrying() {
    HttpFaultProxy registry = proxy("http://" + DockerRequired.registry());
    DeploymentWorld world = world(b -> b.registry(registry.address()));
    registry.answer(
        fromWorker(request("HEAD", "/manifests/")),
        100,
        401,
        UNAUTHORIZED,
        Headers.of("WWW-Authenticate", "Basic realm=\"conveyor-test\""));

    Outcome outcome = deploy(world);

    assertFailedAt(
        outcome,
        Step.BUILD,
        "registry "
            + registry.address()
            + " asks for a login and none is configured (set the worker's registry username and"
            + " password)");
    assertThat(attempts(outcome, "Build")).containsExactly(1);
    assertThat(registry.seen()).hasSize(1);
    assertThat(world.registryDigest(outcome.commit())).isEmpty();
  }

  // ---- Consul ----------------------------------------------------------------------------------

  @Test
  void consul500IsRetriedAndTheDeploymentSucceeds() {
    DeploymentWorld world = world(b -> {});
    world.consul().failNext(2);

    Outcome outcome = deploy(world);

    assertSucceeded(outcome);
    assertThat(attempts(outcome, "RecordImage")).containsExactly(3);
    assertThat(world.consul().value(world.imageKey(ENV))).contains(outcome.result().image());
  }

  @Test
  void consulCasRaceLostToAConcurrentWriterIsReadAgainAndTheWinnerBecomesPrevious() {
    DeploymentWorld world = world(DeploymentWorld.Builder::withPreviousImage);
    String racer = world.imageRepository() + "@sha256:" + "cd".repeat(32);
    world.consul().beforeNextWrite(() -> world.consul().put(world.imageKey(ENV), racer));

    Outcome outcome = deploy(world);

    assertSucceeded(outcome);
    assertThat(attempts(outcome, "RecordImage"))
        .as("the lost compare-and-set was handled inside one attempt")
        .containsExactly(1);
    assertThat(world.consul().count("PUT", "/v1/txn")).isEqualTo(2);
    assertThat(world.consul().value(world.imageKey(ENV))).contains(outcome.result().image());
    assertThat(world.consul().value(world.previousKey(ENV))).contains(racer);
    assertThat(outcome.result().previousImage()).isEqualTo(racer);
  }

  @Test
  void consulRefusingTheWorkersTokenFailsAtKvWithoutRetrying() {
    DeploymentWorld world = world(b -> {});
    world.consul().requireToken("a-token-the-worker-does-not-have");

    Outcome outcome = deploy(world);

    assertFailedAt(
        outcome,
        Step.KV,
        "Consul at "
            + world.consul().url()
            + " refused the worker's ACL token for conveyor/prod/"
            + world.service()
            + " (HTTP 403): give the worker's Consul token write access to the key prefix"
            + " 'conveyor/'");
    assertThat(attempts(outcome, "RecordImage")).containsExactly(1);
    assertThat(world.consul().requests()).hasSize(1);
    assertThat(world.consul().value(world.imageKey(ENV))).isEmpty();
  }

  // ---- config repo -----------------------------------------------------------------------------

  @Test
  void configRepoPushRejectedBecauseAnotherWriterPushedFirstIsAppliedOnTopOfIt() throws Exception {
    Path served = Files.createDirectories(dir.resolve("served"));
    Path repo = served.resolve("config.git");
    Path firstPush = dir.resolve("other-writer-done");
    // When the worker connects to push, another writer's commit lands first.
    Path hook =
        GitDaemon.executable(
            dir.resolve("access-hook"),
            String.join(
                "\n",
                "#!/bin/sh",
                "[ \"$1\" = receive-pack ] || exit 0",
                "[ -e '" + firstPush + "' ] && exit 0",
                "touch '" + firstPush + "'",
                "export GIT_DIR='" + repo + "'",
                "export GIT_AUTHOR_NAME=other GIT_AUTHOR_EMAIL=other@example.invalid",
                "export GIT_COMMITTER_NAME=other GIT_COMMITTER_EMAIL=other@example.invalid",
                "blob=$(echo 'written by another writer' | git hash-object -w --stdin)",
                "tree=$( (git ls-tree main; printf '100644 blob %s\\tOTHER\\n' \"$blob\")"
                    + " | git mktree)",
                "commit=$(echo 'another writer was first' | git commit-tree \"$tree\" -p main)",
                "git update-ref refs/heads/main \"$commit\"",
                ""));
    GitDaemon daemon = GitDaemon.serve(served, dir.resolve("git-daemon.log"), hook);
    closeables.add(daemon);
    DeploymentWorld world = world(b -> b.configRepo(repo, daemon.url("config.git")));

    Outcome outcome = deploy(world);

    assertSucceeded(outcome);
    assertThat(Files.exists(firstPush)).isTrue();
    assertThat(attempts(outcome, "CommitAppDefinition"))
        .as("fetched and re-applied inside one attempt")
        .containsExactly(1);
    assertThat(world.configCommitsOf(outcome.workflowId()))
        .containsExactly(outcome.result().configCommit());
    assertThat(git(repo, "log", "--format=%s", "main").lines().toList())
        .containsExactly(
            "deploy " + world.service() + " " + outcome.commit().substring(0, 12) + " to prod",
            "another writer was first",
            "initial commit");
    assertThat(git(repo, "show", "main:OTHER")).isEqualTo("written by another writer\n");
  }

  @Test
  void configRepoRefusingThePushFailsAtCommitWithoutRetrying() throws Exception {
    Path served = Files.createDirectories(dir.resolve("served"));
    Path repo = served.resolve("config.git");
    Path pushes = dir.resolve("pushes");
    GitDaemon daemon = GitDaemon.serve(served, dir.resolve("git-daemon.log"), null);
    closeables.add(daemon);
    DeploymentWorld world = world(b -> b.configRepo(repo, daemon.url("config.git")));
    GitDaemon.installHook(
        repo,
        "pre-receive",
        String.join(
            "\n",
            "#!/bin/sh",
            "cat >/dev/null",
            "echo push >> '" + pushes + "'",
            "echo 'main is protected: changes need a review' >&2",
            "exit 1",
            ""));

    Outcome outcome = deploy(world);

    assertFailedAt(
        outcome,
        Step.COMMIT,
        daemon.url("config.git")
            + " refused the push to main: pre-receive hook declined (a server-side hook or branch"
            + " protection must allow Conveyor's commits)");
    assertThat(attempts(outcome, "CommitAppDefinition")).containsExactly(1);
    assertThat(Files.readAllLines(pushes)).hasSize(1);
    assertThat(world.configCommitCount()).isEqualTo(1);
  }

  // ---- notifier --------------------------------------------------------------------------------

  @Test
  void notifierDownForTheWholeRunDoesNotFailTheDeployment() {
    String nobody = "http://127.0.0.1:" + RunningWorker.freePort() + "/hooks/deployments";
    DeploymentWorld world = world(b -> b.notifyTarget(nobody));

    Outcome outcome = deploy(world);

    assertSucceeded(outcome);
    assertThat(attempts(outcome, "Send")).as("the notify step's three tries").containsExactly(3);
    StepStatus notify = step(outcome.result(), Step.NOTIFY);
    assertThat(notify.state()).isEqualTo(StepState.DONE);
    assertThat(notify.detail())
        .startsWith("0/1 sent; failed: webhook at http://127.0.0.1 did not answer: ");
  }

  @Test
  void notifierRejectingTheRequestIsNotRetriedAndTheDeploymentStillSucceeds() {
    DeploymentWorld world = world(b -> {});
    world.sink().answer(400);

    Outcome outcome = deploy(world);

    assertSucceeded(outcome);
    assertThat(attempts(outcome, "Send")).containsExactly(1);
    assertThat(world.sink().deliveries()).hasSize(1);
    assertThat(step(outcome.result(), Step.NOTIFY).detail())
        .startsWith("0/1 sent; failed: webhook at http://")
        .contains(" answered HTTP 400: ");
  }

  // ---- helpers ---------------------------------------------------------------------------------

  /** A deployment's end: its result, or the workflow's failure. */
  private record Outcome(
      String workflowId, String commit, DeployResult result, ApplicationFailure failure) {}

  private DeploymentWorld world(Consumer<DeploymentWorld.Builder> setup) {
    DeploymentWorld.Builder builder = DeploymentWorld.builder(dir, "fault");
    setup.accept(builder);
    DeploymentWorld world = builder.build();
    closeables.add(world);
    return world;
  }

  private HttpFaultProxy proxy(String upstream) {
    HttpFaultProxy proxy = HttpFaultProxy.to(upstream);
    closeables.add(proxy);
    return proxy;
  }

  private Outcome deploy(DeploymentWorld world) {
    String commit = world.head();
    String id = world.workflowId(ENV, commit);
    try {
      DeployResult result =
          world
              .start(worker.client(), ENV, commit, Duration.ofSeconds(100))
              .getResult(DeployResult.class);
      return new Outcome(id, commit, result, null);
    } catch (WorkflowFailedException e) {
      assertThat(e.getCause()).isInstanceOf(ApplicationFailure.class);
      return new Outcome(id, commit, null, (ApplicationFailure) e.getCause());
    }
  }

  private static List<Integer> attempts(Outcome outcome, String activityType) {
    return Histories.attempts(worker.client(), outcome.workflowId(), activityType);
  }

  private static void assertSucceeded(Outcome outcome) {
    assertThat(outcome.failure()).as("the deployment's failure").isNull();
    assertThat(outcome.result().steps())
        .filteredOn(s -> s.step() != Step.PUSH)
        .extracting(StepStatus::state)
        .containsOnly(StepState.DONE);
  }

  private static void assertFailedAt(Outcome outcome, Step step, String reason) {
    assertThat(outcome.result()).as("a result, where a failure was expected").isNull();
    assertThat(outcome.failure().getType())
        .isEqualTo(ServiceDeploymentWorkflowImpl.DEPLOYMENT_FAILED);
    assertThat(outcome.failure().getOriginalMessage())
        .startsWith("deployment failed at step " + step.label() + ": " + reason);
  }

  private static StepStatus step(DeployResult result, Step step) {
    return result.steps().stream().filter(s -> s.step() == step).findFirst().orElseThrow();
  }

  private static void assertMarathonRuns(DeploymentWorld world, String image) {
    assertThat(world.marathon().definition("/" + world.service()))
        .hasValueSatisfying(
            app ->
                assertThat(app.path("container").path("docker").path("image").asText())
                    .isEqualTo(image));
  }

  /** Another client's PUT of the app with {@code image}, straight to the simulator. */
  private static void putDirectly(DeploymentWorld world, String appId, String image) {
    OkHttpClient http = new OkHttpClient.Builder().callTimeout(Duration.ofSeconds(5)).build();
    String body =
        "{\"id\":\""
            + appId
            + "\",\"instances\":1,\"container\":{\"type\":\"DOCKER\",\"docker\":{\"image\":\""
            + image
            + "\"}},\"healthChecks\":[{\"protocol\":\"HTTP\",\"path\":\"/health\",\"portIndex\":0}]}";
    Request put =
        new Request.Builder()
            .url(world.marathon().url() + "/v2/apps" + appId)
            .put(RequestBody.create(body, MediaType.get("application/json")))
            .build();
    try (Response response = http.newCall(put).execute()) {
      assertThat(response.code()).as("the other deployment's PUT").isEqualTo(200);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    } finally {
      http.dispatcher().executorService().shutdown();
      http.connectionPool().evictAll();
    }
  }
}
