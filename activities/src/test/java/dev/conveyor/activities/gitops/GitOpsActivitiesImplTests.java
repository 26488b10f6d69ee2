package dev.conveyor.activities.gitops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.conveyor.workflows.steps.FailureTypes;
import dev.conveyor.workflows.steps.GitOpsActivities;
import dev.conveyor.workflows.steps.GitOpsActivities.ConfigCommitRequest;
import dev.conveyor.workflows.steps.GitOpsActivities.ConfigCommitResult;
import io.temporal.activity.ActivityOptions;
import io.temporal.common.RetryOptions;
import io.temporal.failure.ApplicationFailure;
import io.temporal.testing.TestActivityEnvironment;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GitOpsActivitiesImplTests {
  private static final String SOURCE_COMMIT = "0123456789abcdef0123456789abcdef01234567";
  private static final String IMAGE =
      "localhost:5000/accounts@sha256:"
          + "a3f1c0de5b0e8a8b6c7d1e2f3a4b5c6d7e8f9a0b1c2d3e4f5a6b7c8d9e0f1a2b";
  private static final String OTHER_IMAGE =
      "localhost:5000/accounts@sha256:"
          + "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff";
  private static final String ACCOUNTS_QA = "marathon/qa/accounts.json";

  /** What Conveyor writes for accounts in qa: the template's order, numbers as written. */
  private static final String EXPECTED_ACCOUNTS_QA =
      """
      {
        "id": "/qa/accounts",
        "cpus": 0.25,
        "mem": 64.0,
        "instances": 2,
        "container": {
          "type": "DOCKER",
          "docker": {
            "image": "%s",
            "network": "BRIDGE",
            "portMappings": [
              {
                "containerPort": 8080,
                "hostPort": 0,
                "protocol": "tcp"
              }
            ]
          }
        },
        "env": {
          "GREETING": "grüezi"
        },
        "healthChecks": [
          {
            "protocol": "HTTP",
            "path": "/health",
            "portIndex": 0,
            "gracePeriodSeconds": 5,
            "maxConsecutiveFailures": 3
          }
        ],
        "upgradeStrategy": {
          "minimumHealthCapacity": 1,
          "maximumOverCapacity": 1
        },
        "labels": {},
        "dependencies": []
      }
      """
          .formatted(IMAGE);

  @TempDir Path tmp;

  private ConfigRepoFixture fixture;
  private GitCli git;
  private GitOpsSettings settings;
  private TestActivityEnvironment testEnv;

  @BeforeEach
  void setUp() {
    fixture = ConfigRepoFixture.create(tmp.resolve("repos"));
    git = fixture.git();
    settings = settings(tmp.resolve("worker-a"));
    testEnv = TestActivityEnvironment.newInstance();
  }

  @AfterEach
  void tearDown() {
    testEnv.close();
  }

  @Test
  void commitsPinnedDefinitionWithSubjectAndTrailers() {
    String seed = fixture.head();

    ConfigCommitResult result =
        activity(new GitOpsActivitiesImpl(settings)).commitAppDefinition(request());

    assertThat(result.created()).isTrue();
    assertThat(result.path()).isEqualTo(ACCOUNTS_QA);
    assertThat(result.configCommit()).isEqualTo(fixture.head());
    assertThat(fixture.revParse("main^")).isEqualTo(seed);
    assertThat(git.line(fixture.remote(), "diff", "--name-only", seed, "main"))
        .isEqualTo(ACCOUNTS_QA);

    assertThat(git.line(fixture.remote(), "log", "-1", "--format=%s", "main"))
        .isEqualTo("deploy accounts 0123456789ab to qa");
    String body = git.run(fixture.remote(), "log", "-1", "--format=%B", "main");
    assertThat(body)
        .startsWith("deploy accounts 0123456789ab to qa\n\nConveyor-Workflow-Id: ")
        .matches(
            "(?s)deploy accounts 0123456789ab to qa\n\n"
                + "Conveyor-Workflow-Id: deploy/qa/accounts/0123456789ab\n"
                + "Conveyor-Commit: "
                + SOURCE_COMMIT
                + "\n"
                + "Conveyor-Image: \\Q"
                + IMAGE
                + "\\E\n"
                + "Conveyor-Requested-By: alice\n"
                + "Conveyor-Run-Id: [0-9a-f-]{36}\n\n");
    String parsed = git.exec(fixture.remote(), body, "interpret-trailers", "--parse").out();
    assertThat(parsed.lines())
        .contains(
            "Conveyor-Workflow-Id: deploy/qa/accounts/0123456789ab",
            "Conveyor-Commit: " + SOURCE_COMMIT,
            "Conveyor-Image: " + IMAGE,
            "Conveyor-Requested-By: alice");
    assertThat(
            git.line(
                fixture.remote(),
                "log",
                "-1",
                "--format=%(trailers:key=Conveyor-Image,valueonly)",
                "main"))
        .isEqualTo(IMAGE);
    assertThat(git.line(fixture.remote(), "log", "-1", "--format=%an <%ae>|%cn <%ce>", "main"))
        .isEqualTo("Conveyor Bot <bot@conveyor.test>|Conveyor Bot <bot@conveyor.test>");

    assertThat(fixture.show("main", ACCOUNTS_QA)).isEqualTo(EXPECTED_ACCOUNTS_QA);
    assertThat(git.exec(fixture.remote(), null, "fsck", "--strict").exitCode()).isZero();
  }

  @Test
  void secondIdenticalRequestMakesNoCommit() {
    GitOpsActivities activities = activity(new GitOpsActivitiesImpl(settings));
    int before = fixture.commitCount("main");

    ConfigCommitResult first = activities.commitAppDefinition(request());
    ConfigCommitResult second = activities.commitAppDefinition(request());

    assertThat(fixture.commitCount("main")).isEqualTo(before + 1);
    assertThat(first.created()).isTrue();
    assertThat(second.created()).isFalse();
    assertThat(second.configCommit()).isEqualTo(first.configCommit()).isEqualTo(fixture.head());
    assertThat(second.path()).isEqualTo(ACCOUNTS_QA);
  }

  @Test
  void anotherImageMakesAnotherCommit() {
    GitOpsActivities activities = activity(new GitOpsActivitiesImpl(settings));
    ConfigCommitResult first = activities.commitAppDefinition(request());

    ConfigCommitResult second =
        activities.commitAppDefinition(request("accounts", "qa", OTHER_IMAGE));

    assertThat(second.created()).isTrue();
    assertThat(fixture.revParse("main^")).isEqualTo(first.configCommit());
    assertThat(fixture.show("main", ACCOUNTS_QA)).contains(OTHER_IMAGE).doesNotContain(IMAGE);
    assertThat(
            git.line(
                fixture.remote(),
                "log",
                "-1",
                "--format=%(trailers:key=Conveyor-Image,valueonly)",
                "main"))
        .isEqualTo(OTHER_IMAGE);
  }

  @Test
  void templateWithoutIdGetsTheIdFirst() {
    ConfigCommitResult result =
        activity(new GitOpsActivitiesImpl(settings))
            .commitAppDefinition(
                new ConfigCommitRequest(
                    fixture.remote().toString(),
                    "prod",
                    "billing",
                    "./marathon/billing.json",
                    "/prod/billing",
                    "localhost:5000/billing@sha256:abc",
                    SOURCE_COMMIT,
                    "deploy/prod/billing/0123456789ab",
                    "bob"));

    assertThat(result.path()).isEqualTo("marathon/prod/billing.json");
    assertThat(fixture.show(result.configCommit(), "marathon/prod/billing.json"))
        .isEqualTo(
            """
            {
              "id": "/prod/billing",
              "container": {
                "type": "DOCKER",
                "docker": {
                  "image": "localhost:5000/billing@sha256:abc"
                }
              },
              "cpus": 0.5,
              "mem": 128,
              "instances": 1,
              "healthChecks": [
                {
                  "protocol": "HTTP",
                  "path": "/health"
                }
              ]
            }
            """);
  }

  @Test
  void retryOfTheSameRunReturnsItsPushedCommitEvenAfterTheFileChanged() {
    GitOpsActivitiesImpl run1 =
        new GitOpsActivitiesImpl(settings, () -> Optional.of("run-1"), ConfigRepo.BeforePush.NONE);
    ConfigCommitResult pushed = run1.commitAppDefinition(request());
    // Someone edits the file by hand after the push, before the worker reported the result.
    String handEdit = fixture.pushFile(ACCOUNTS_QA, "{\"id\": \"/qa/accounts\"}\n", "hand edit");
    int before = fixture.commitCount("main");

    ConfigCommitResult retried = run1.commitAppDefinition(request());

    assertThat(retried.configCommit()).isEqualTo(pushed.configCommit());
    assertThat(retried.created()).isFalse();
    assertThat(fixture.commitCount("main")).isEqualTo(before);
    assertThat(fixture.head()).isEqualTo(handEdit);
  }

  @Test
  void laterRunWithTheSameWorkflowIdCommitsAgain() {
    ConfigCommitResult first =
        new GitOpsActivitiesImpl(settings, () -> Optional.of("run-1"), ConfigRepo.BeforePush.NONE)
            .commitAppDefinition(request());
    activity(new GitOpsActivitiesImpl(settings))
        .commitAppDefinition(request("accounts", "qa", OTHER_IMAGE));

    // The same source commit deployed again: same workflow id, new run.
    ConfigCommitResult again =
        new GitOpsActivitiesImpl(settings, () -> Optional.of("run-2"), ConfigRepo.BeforePush.NONE)
            .commitAppDefinition(request());

    assertThat(again.created()).isTrue();
    assertThat(again.configCommit()).isNotEqualTo(first.configCommit()).isEqualTo(fixture.head());
    assertThat(fixture.show("main", ACCOUNTS_QA)).isEqualTo(EXPECTED_ACCOUNTS_QA);
  }

  @Test
  void reappliesOnTopOfACommitPushedBetweenFetchAndPush() {
    String seed = fixture.head();
    List<String> localCommits = new ArrayList<>();
    List<String> raced = new ArrayList<>();
    ConfigRepo.BeforePush race =
        local -> {
          localCommits.add(local);
          if (raced.isEmpty()) {
            raced.add(fixture.pushFile("README.md", "Config for the payments stack\n", "docs"));
          }
        };

    ConfigCommitResult result =
        activity(new GitOpsActivitiesImpl(settings, Optional::empty, race))
            .commitAppDefinition(request());

    assertThat(localCommits).hasSize(2);
    assertThat(result.created()).isTrue();
    assertThat(result.configCommit())
        .isEqualTo(fixture.head())
        .isEqualTo(localCommits.get(1))
        .isNotEqualTo(localCommits.get(0));
    assertThat(fixture.revParse("main^")).isEqualTo(raced.get(0));
    assertThat(fixture.revParse("main^^")).isEqualTo(seed);
    assertThat(git.line(fixture.remote(), "rev-list", "--merges", "--count", "main"))
        .isEqualTo("0");
    assertThat(fixture.show("main", ACCOUNTS_QA)).isEqualTo(EXPECTED_ACCOUNTS_QA);
    assertThat(fixture.show("main", "README.md")).isEqualTo("Config for the payments stack\n");
    assertThat(git.exec(fixture.remote(), null, "fsck", "--strict").exitCode()).isZero();
  }

  @Test
  void branchThatKeepsMovingFailsTransiently() {
    List<String> localCommits = new CopyOnWriteArrayList<>();
    ConfigRepo.BeforePush alwaysRace =
        local -> {
          localCommits.add(local);
          fixture.pushFile("README.md", "edit " + localCommits.size() + "\n", "docs");
        };

    Throwable thrown =
        catchThrowable(
            () ->
                activity(new GitOpsActivitiesImpl(settings, Optional::empty, alwaysRace))
                    .commitAppDefinition(request()));

    ApplicationFailure failure = applicationFailure(thrown);
    assertThat(failure.isNonRetryable()).isFalse();
    assertThat(failure.getType()).isEqualTo(ConfigRepoException.class.getName());
    assertThat(failure.getOriginalMessage()).contains("moved during each of 5 commit attempts");
    assertThat(localCommits).hasSize(ConfigRepo.MAX_PUSH_ATTEMPTS);
    assertThat(git.line(fixture.remote(), "log", "--format=%s", "main"))
        .doesNotContain("deploy accounts");
  }

  @Test
  void missingTemplateIsInvalidDefinitions() {
    int before = fixture.commitCount("main");

    Throwable thrown =
        catchThrowable(
            () ->
                activity(new GitOpsActivitiesImpl(settings))
                    .commitAppDefinition(
                        new ConfigCommitRequest(
                            fixture.remote().toString(),
                            "qa",
                            "payments",
                            "marathon/payments.json",
                            "/qa/payments",
                            IMAGE,
                            SOURCE_COMMIT,
                            "deploy/qa/payments/0123456789ab",
                            "alice")));

    ApplicationFailure failure = applicationFailure(thrown);
    assertThat(failure.getType()).isEqualTo(FailureTypes.INVALID_DEFINITIONS);
    assertThat(failure.isNonRetryable()).isTrue();
    assertThat(failure.getOriginalMessage())
        .contains("marathon/payments.json does not exist at config commit " + fixture.head());
    assertThat(fixture.commitCount("main")).isEqualTo(before);
  }

  @Test
  void templateThatIsNotJsonIsInvalidDefinitionsWithItsPosition() {
    fixture.pushFile("marathon/accounts.json", "{\n  \"id\": \"/accounts\",\n  oops\n}\n", "break");

    ApplicationFailure failure =
        applicationFailure(
            catchThrowable(
                () -> activity(new GitOpsActivitiesImpl(settings)).commitAppDefinition(request())));

    assertThat(failure.getType()).isEqualTo(FailureTypes.INVALID_DEFINITIONS);
    assertThat(failure.isNonRetryable()).isTrue();
    assertThat(failure.getOriginalMessage()).startsWith("marathon/accounts.json:3:");
  }

  @Test
  void templateWithoutDockerContainerIsInvalidDefinitions() {
    fixture.pushFile(
        "marathon/accounts.json", "{\"id\": \"/accounts\", \"cmd\": \"sleep 1\"}\n", "cmd");

    ApplicationFailure failure =
        applicationFailure(
            catchThrowable(
                () -> activity(new GitOpsActivitiesImpl(settings)).commitAppDefinition(request())));

    assertThat(failure.getType()).isEqualTo(FailureTypes.INVALID_DEFINITIONS);
    assertThat(failure.getOriginalMessage())
        .startsWith("marathon/accounts.json: container.docker is missing");
  }

  @Test
  void serviceNameThatLeavesTheDirectoryIsInvalidDefinitions() {
    ApplicationFailure failure =
        applicationFailure(
            catchThrowable(
                () ->
                    activity(new GitOpsActivitiesImpl(settings))
                        .commitAppDefinition(request("../accounts", "qa", IMAGE))));

    assertThat(failure.getType()).isEqualTo(FailureTypes.INVALID_DEFINITIONS);
    assertThat(failure.isNonRetryable()).isTrue();
  }

  @Test
  void refusesToPushToTheCheckedOutBranchOfAWorkTree() {
    Path work = fixture.work();
    String before = git.line(work, "rev-parse", "HEAD");

    ApplicationFailure failure =
        applicationFailure(
            catchThrowable(
                () ->
                    activity(new GitOpsActivitiesImpl(settings))
                        .commitAppDefinition(request(work.toString(), "accounts", "qa", IMAGE))));

    assertThat(failure.getType()).isEqualTo(FailureTypes.INVALID_DEFINITIONS);
    assertThat(failure.isNonRetryable()).isTrue();
    assertThat(failure.getOriginalMessage()).contains("use a bare repository");
    assertThat(git.line(work, "rev-parse", "HEAD")).isEqualTo(before);
    assertThat(git.line(work, "status", "--porcelain")).isEmpty();
  }

  @Test
  void concurrentCommitsForDifferentServicesAllLand() throws Exception {
    String seed = fixture.head();
    // Two workers with their own clones (as two processes would have), two threads each.
    GitOpsActivitiesImpl workerA = new GitOpsActivitiesImpl(settings);
    GitOpsActivitiesImpl workerB = new GitOpsActivitiesImpl(settings(tmp.resolve("worker-b")));
    List<ConfigCommitRequest> requests =
        List.of(
            request("accounts", "qa", IMAGE),
            request("billing", "qa", "localhost:5000/billing@sha256:1"),
            request("accounts", "prod", IMAGE),
            request("billing", "prod", "localhost:5000/billing@sha256:2"));
    ExecutorService pool = Executors.newFixedThreadPool(requests.size());
    CountDownLatch start = new CountDownLatch(1);
    try {
      List<Future<ConfigCommitResult>> results = new ArrayList<>();
      for (int i = 0; i < requests.size(); i++) {
        GitOpsActivitiesImpl worker = i % 2 == 0 ? workerA : workerB;
        ConfigCommitRequest request = requests.get(i);
        results.add(
            pool.submit(
                () -> {
                  start.await();
                  return worker.commitAppDefinition(request);
                }));
      }
      start.countDown();
      for (Future<ConfigCommitResult> result : results) {
        assertThat(result.get(2, TimeUnit.MINUTES).created()).isTrue();
      }
    } finally {
      pool.shutdownNow();
    }

    assertThat(fixture.commitCount(seed + "..main")).isEqualTo(4);
    assertThat(git.line(fixture.remote(), "rev-list", "--merges", "--count", "main"))
        .isEqualTo("0");
    assertThat(fixture.show("main", "marathon/qa/accounts.json")).isEqualTo(EXPECTED_ACCOUNTS_QA);
    assertThat(fixture.show("main", "marathon/prod/accounts.json")).contains(IMAGE);
    assertThat(fixture.show("main", "marathon/qa/billing.json"))
        .contains("localhost:5000/billing@sha256:1");
    assertThat(fixture.show("main", "marathon/prod/billing.json"))
        .contains("localhost:5000/billing@sha256:2");
    assertThat(git.exec(fixture.remote(), null, "fsck", "--strict").exitCode()).isZero();
  }

  @Test
  void commitsOverSshWithTheConfiguredSshClient() throws Exception {
    // Stands in for ssh: records its arguments, then runs the Git command it was given locally.
    Path log = tmp.resolve("ssh-args.log");
    Path fakeSsh = tmp.resolve("fake-ssh");
    Files.writeString(
        fakeSsh,
        "#!/bin/sh\necho \"$@\" >> '" + log + "'\nfor last; do :; done\nexec sh -c \"$last\"\n");
    fakeSsh.toFile().setExecutable(true);
    GitOpsSettings overSsh =
        new GitOpsSettings(
            tmp.resolve("worker-ssh"),
            "Conveyor Bot",
            "bot@conveyor.test",
            Optional.empty(),
            Optional.empty(),
            Duration.ofSeconds(30),
            fakeSsh + " -i /keys/deploy");
    String url = "ssh://deploy@git.example.test:2222" + fixture.remote();

    ConfigCommitResult result =
        activity(new GitOpsActivitiesImpl(overSsh))
            .commitAppDefinition(request(url, "accounts", "qa", IMAGE));

    assertThat(result.created()).isTrue();
    assertThat(result.configCommit()).isEqualTo(fixture.head());
    assertThat(fixture.show("main", ACCOUNTS_QA)).isEqualTo(EXPECTED_ACCOUNTS_QA);
    assertThat(git.exec(fixture.remote(), null, "fsck", "--strict").exitCode()).isZero();
    assertThat(Files.readAllLines(log))
        .hasSize(2)
        .allMatch(
            line ->
                line.startsWith(
                    "-i /keys/deploy -o BatchMode=yes -o ConnectTimeout=30 -p 2222"
                        + " deploy@git.example.test git-"))
        .anyMatch(line -> line.contains("git-upload-pack '" + fixture.remote() + "'"))
        .anyMatch(line -> line.contains("git-receive-pack '" + fixture.remote() + "'"));
  }

  @Test
  void sshKeyRefusedIsUnauthorized() throws Exception {
    Path fakeSsh = tmp.resolve("fake-ssh");
    Files.writeString(
        fakeSsh,
        // Like ssh: the message, a moment, then exit 255. Without the moment JGit can see the
        // hang-up before the message under load and call it a missing repository (still
        // permanent, but the wrong kind).
        "#!/bin/sh\necho 'deploy@git.example.test: Permission denied (publickey).' >&2\n"
            + "sleep 0.3\nexit 255\n");
    fakeSsh.toFile().setExecutable(true);
    GitOpsSettings overSsh =
        new GitOpsSettings(
            tmp.resolve("worker-ssh"),
            null,
            null,
            Optional.empty(),
            Optional.empty(),
            Duration.ofSeconds(30),
            fakeSsh.toString());

    ApplicationFailure failure =
        applicationFailure(
            catchThrowable(
                () ->
                    new GitOpsActivitiesImpl(overSsh)
                        .commitAppDefinition(
                            request(
                                "deploy@git.example.test:config.git", "accounts", "qa", IMAGE))));

    assertThat(failure.getType()).isEqualTo(FailureTypes.UNAUTHORIZED);
    assertThat(failure.isNonRetryable()).isTrue();
    assertThat(failure.getOriginalMessage()).contains("Permission denied (publickey)");
  }

  @Test
  void refusedCredentialsAreUnauthorizedAndStaySecret() throws Exception {
    List<String> authorizations = new CopyOnWriteArrayList<>();
    try (MockWebServer server = new MockWebServer()) {
      server.setDispatcher(
          new Dispatcher() {
            @Override
            public MockResponse dispatch(RecordedRequest request) {
              String authorization = request.getHeaders().get("Authorization");
              if (authorization != null) {
                authorizations.add(authorization);
              }
              return new MockResponse.Builder()
                  .code(401)
                  .addHeader("WWW-Authenticate", "Basic realm=\"config\"")
                  .build();
            }
          });
      server.start(InetAddress.getByName("127.0.0.1"), 0);
      GitOpsSettings withCredentials =
          new GitOpsSettings(
              tmp.resolve("worker-http"),
              null,
              null,
              Optional.of(new GitCredentials("127.0.0.1", "conveyor", "s3cret-token")),
              Optional.empty(),
              Duration.ofSeconds(10));

      ApplicationFailure failure =
          applicationFailure(
              catchThrowable(
                  () ->
                      activity(new GitOpsActivitiesImpl(withCredentials))
                          .commitAppDefinition(
                              request(
                                  "http://127.0.0.1:" + server.getPort() + "/config.git",
                                  "accounts",
                                  "qa",
                                  IMAGE))));

      assertThat(failure.getType()).isEqualTo(FailureTypes.UNAUTHORIZED);
      assertThat(failure.isNonRetryable()).isTrue();
      assertThat(failure.getOriginalMessage()).doesNotContain("s3cret");
      String basic =
          "Basic "
              + Base64.getEncoder()
                  .encodeToString("conveyor:s3cret-token".getBytes(StandardCharsets.UTF_8));
      assertThat(authorizations).isNotEmpty().allMatch(basic::equals);
    }
  }

  @Test
  void credentialsAreNotOfferedToAnotherHost() throws Exception {
    List<String> authorizations = new CopyOnWriteArrayList<>();
    try (MockWebServer server = new MockWebServer()) {
      server.setDispatcher(
          new Dispatcher() {
            @Override
            public MockResponse dispatch(RecordedRequest request) {
              String authorization = request.getHeaders().get("Authorization");
              if (authorization != null) {
                authorizations.add(authorization);
              }
              return new MockResponse.Builder()
                  .code(401)
                  .addHeader("WWW-Authenticate", "Basic realm=\"config\"")
                  .build();
            }
          });
      server.start(InetAddress.getByName("127.0.0.1"), 0);
      GitOpsSettings withCredentials =
          new GitOpsSettings(
              tmp.resolve("worker-http"),
              null,
              null,
              Optional.of(new GitCredentials("git.example.com", "conveyor", "s3cret-token")),
              Optional.empty(),
              Duration.ofSeconds(10));

      ApplicationFailure failure =
          applicationFailure(
              catchThrowable(
                  () ->
                      new GitOpsActivitiesImpl(withCredentials)
                          .commitAppDefinition(
                              request(
                                  "http://127.0.0.1:" + server.getPort() + "/config.git",
                                  "accounts",
                                  "qa",
                                  IMAGE))));

      assertThat(failure.getType()).isEqualTo(FailureTypes.UNAUTHORIZED);
      assertThat(server.getRequestCount()).isPositive();
      assertThat(authorizations).isEmpty();
    }
  }

  @Test
  void unreachableRemoteFailsTransiently() throws Exception {
    int closedPort;
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
      closedPort = socket.getLocalPort();
    }
    String url = "http://127.0.0.1:" + closedPort + "/config.git";

    assertThatThrownBy(
            () ->
                new GitOpsActivitiesImpl(settings)
                    .commitAppDefinition(request(url, "accounts", "qa", IMAGE)))
        .isInstanceOf(ConfigRepoException.class)
        .hasMessageContaining("could not fetch from " + url);
  }

  private GitOpsActivities activity(GitOpsActivitiesImpl implementation) {
    testEnv.registerActivitiesImplementations(implementation);
    return testEnv.newActivityStub(
        GitOpsActivities.class,
        ActivityOptions.newBuilder()
            .setStartToCloseTimeout(Duration.ofMinutes(1))
            .setRetryOptions(RetryOptions.newBuilder().setMaximumAttempts(1).build())
            .build());
  }

  private static GitOpsSettings settings(Path dataDir) {
    return new GitOpsSettings(
        dataDir,
        "Conveyor Bot",
        "bot@conveyor.test",
        Optional.empty(),
        Optional.empty(),
        Duration.ofSeconds(30));
  }

  private ConfigCommitRequest request() {
    return request("accounts", "qa", IMAGE);
  }

  private ConfigCommitRequest request(String service, String env, String image) {
    return request(fixture.remote().toString(), service, env, image);
  }

  private static ConfigCommitRequest request(
      String definitions, String service, String env, String image) {
    return new ConfigCommitRequest(
        definitions,
        env,
        service,
        "marathon/" + service + ".json",
        "/" + env + "/" + service,
        image,
        SOURCE_COMMIT,
        "deploy/" + env + "/" + service + "/0123456789ab",
        "alice");
  }

  /** The ApplicationFailure a workflow would see, whether thrown directly or via the test env. */
  private static ApplicationFailure applicationFailure(Throwable thrown) {
    for (Throwable t = thrown; t != null; t = t.getCause()) {
      if (t instanceof ApplicationFailure failure) {
        return failure;
      }
    }
    throw new AssertionError("expected an ApplicationFailure, got " + thrown, thrown);
  }
}
