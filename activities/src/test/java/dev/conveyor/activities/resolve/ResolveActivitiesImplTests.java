package dev.conveyor.activities.resolve;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.conveyor.activities.gitops.ConfigRepoFixture;
import dev.conveyor.activities.gitops.GitOpsSettings;
import dev.conveyor.definitions.Definitions;
import dev.conveyor.definitions.LoadResult;
import dev.conveyor.definitions.Problem;
import dev.conveyor.workflows.steps.FailureTypes;
import dev.conveyor.workflows.steps.HealthSpec;
import dev.conveyor.workflows.steps.NotifierSpec;
import dev.conveyor.workflows.steps.ResolveActivities.ResolveRequest;
import dev.conveyor.workflows.steps.ResolvedDeployment;
import io.temporal.failure.ApplicationFailure;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Step 1 against real bare config repos on disk (made and changed with the git CLI through {@link
 * ConfigRepoFixture}): what a valid head resolves to, how invalid definitions and unknown names
 * fail, and that every resolve reads the remote's current head.
 */
class ResolveActivitiesImplTests {
  private static final String SOURCE_COMMIT = "0123456789abcdef0123456789abcdef01234567";

  /** The fixture's conveyor.yaml plus Consul for prod and one notifier of each type. */
  private static final String WITH_CONSUL_AND_NOTIFIERS =
      """
      version: 1
      registry: registry.example.com/team
      environments:
        qa:
          target: docker
          bake: 2m
        prod:
          target: marathon
          marathon: { url: "http://marathon.prod:8080" }
          consul: { url: "http://consul.prod:8500" }
      services:
        accounts:
          repo: ../accounts.git
          dockerfile: build/Dockerfile
          context: app
          app: marathon/accounts.json
          health: { path: /ready, port: 9090, timeout: 90s }
        billing:
          repo: https://git.example.com/team/billing.git
          app: marathon/billing.json
      notify:
        - { type: webhook, url: "${env:CONVEYOR_WEBHOOK_URL}" }
        - { type: slack, url: "${env:SLACK_WEBHOOK_URL}", channel: "#deploys" }
        - type: mail
          to: team@example.com
          from: conveyor@example.com
          smtp: smtp.example.com:587
          username: conveyor
          password: "${env:SMTP_PASSWORD}"
      """;

  /** Three errors at known places: a misspelt target, a bad service name, an unknown key. */
  private static final String INVALID =
      """
      version: 1
      registry: localhost:5000
      environments:
        qa:
          target: dockr
      services:
        accounts:
          repo: ../accounts.git
          app: marathon/accounts.json
          colour: blue
        Billing:
          repo: ../billing.git
          app: marathon/billing.json
      """;

  /**
   * The fixture's billing template has no {@code id}, which the validator rejects; this one is
   * valid.
   */
  private static final String BILLING_APP =
      """
      {
        "id": "/payments/billing",
        "instances": 1,
        "container": { "type": "DOCKER", "docker": { "image": "" } },
        "healthChecks": [ { "protocol": "HTTP", "path": "/health" } ]
      }
      """;

  @TempDir Path dir;

  private ConfigRepoFixture repo;
  private Path dataDir;
  private ResolveActivitiesImpl resolver;

  @BeforeEach
  void createConfigRepo() {
    repo = ConfigRepoFixture.create(dir.resolve("remote"));
    repo.pushFile("marathon/billing.json", BILLING_APP, "billing gets an id");
    dataDir = dir.resolve("data");
    resolver = new ResolveActivitiesImpl(GitOpsSettings.defaults(dataDir));
  }

  private ResolvedDeployment resolve(String env, String service) {
    return resolver.resolve(
        new ResolveRequest(repo.remote().toString(), env, service, SOURCE_COMMIT));
  }

  private ApplicationFailure failureOf(String env, String service) {
    return catchThrowableOfType(ApplicationFailure.class, () -> resolve(env, service));
  }

  @Test
  void marathonServiceResolvesAtTheConfigRepoHead() {
    ResolvedDeployment resolved = resolve("prod", "accounts");

    assertThat(resolved.definitions()).isEqualTo(repo.remote().toString());
    assertThat(resolved.configCommit()).isEqualTo(repo.head());
    assertThat(resolved.env()).isEqualTo("prod");
    assertThat(resolved.service()).isEqualTo("accounts");
    assertThat(resolved.commit()).isEqualTo(SOURCE_COMMIT);
    assertThat(resolved.target()).isEqualTo("marathon");
    assertThat(resolved.registry()).isEqualTo("localhost:5000");
    assertThat(resolved.imageRepository()).isEqualTo("localhost:5000/accounts");
    assertThat(resolved.imageTag()).isEqualTo("localhost:5000/accounts:" + SOURCE_COMMIT);
    assertThat(resolved.sourceRepo())
        .isEqualTo(repo.remote().getParent().resolve("accounts.git").toString());
    assertThat(resolved.dockerfile()).isEqualTo("Dockerfile");
    assertThat(resolved.context()).isEqualTo(".");
    assertThat(resolved.appFile()).isEqualTo("marathon/accounts.json");
    assertThat(resolved.appId()).isEqualTo("/accounts");
    assertThat(resolved.health()).isEqualTo(new HealthSpec("/health", 8080, 300));
    assertThat(resolved.marathonUrl()).isEqualTo("http://marathon.prod:8080");
    assertThat(resolved.consulUrl()).as("no consul: the worker's file KV").isNull();
    assertThat(resolved.notifiers()).isEmpty();
    assertThat(resolved.bakeWindowSeconds()).isEqualTo(15 * 60);
  }

  @Test
  void dockerServiceWithoutHealthSettingsGetsTheDefaults() {
    ResolvedDeployment resolved = resolve("qa", "billing");

    assertThat(resolved.target()).isEqualTo("docker");
    assertThat(resolved.marathonUrl()).isNull();
    assertThat(resolved.appFile()).isEqualTo("marathon/billing.json");
    assertThat(resolved.appId()).isEqualTo("/payments/billing");
    assertThat(resolved.health()).isEqualTo(new HealthSpec("/health", 8080, 300));
    assertThat(resolved.sourceRepo())
        .isEqualTo(repo.remote().getParent().resolve("billing.git").toString());
  }

  @Test
  void notifiersKeepTheirEnvReferencesAndConsulAndBuildSettingsAreResolved() {
    String head = repo.pushFile("conveyor.yaml", WITH_CONSUL_AND_NOTIFIERS, "consul and notify");

    ResolvedDeployment prod = resolve("prod", "accounts");

    assertThat(prod.configCommit()).isEqualTo(head);
    assertThat(prod.consulUrl()).isEqualTo("http://consul.prod:8500");
    assertThat(prod.marathonUrl()).isEqualTo("http://marathon.prod:8080");
    assertThat(prod.registry()).isEqualTo("registry.example.com/team");
    assertThat(prod.imageRepository()).isEqualTo("registry.example.com/team/accounts");
    assertThat(prod.dockerfile()).isEqualTo("build/Dockerfile");
    assertThat(prod.context()).isEqualTo("app");
    assertThat(prod.health()).isEqualTo(new HealthSpec("/ready", 9090, 90));
    assertThat(prod.notifiers())
        .containsExactly(
            new NotifierSpec("webhook", "${env:CONVEYOR_WEBHOOK_URL}", Map.of()),
            new NotifierSpec("slack", "${env:SLACK_WEBHOOK_URL}", Map.of("channel", "#deploys")),
            new NotifierSpec(
                "mail",
                "smtp://smtp.example.com:587",
                Map.of(
                    "to", "team@example.com",
                    "from", "conveyor@example.com",
                    "smtp", "smtp.example.com:587",
                    "username", "conveyor",
                    "password", "${env:SMTP_PASSWORD}")));

    ResolvedDeployment qa = resolve("qa", "billing");
    assertThat(qa.consulUrl()).isNull();
    assertThat(qa.bakeWindowSeconds()).isEqualTo(120);
    assertThat(qa.sourceRepo())
        .as("a URL is kept as written")
        .isEqualTo("https://git.example.com/team/billing.git");
  }

  @Test
  void invalidDefinitionsFailNonRetryableWithEveryValidatorProblem() throws IOException {
    String head = repo.pushFile("conveyor.yaml", INVALID, "break the definitions");

    ApplicationFailure failure = failureOf("qa", "accounts");

    assertThat(failure).isNotNull();
    assertThat(failure.getType()).isEqualTo(FailureTypes.INVALID_DEFINITIONS);
    assertThat(failure.isNonRetryable()).isTrue();
    List<String> lines = failure.getOriginalMessage().lines().toList();
    assertThat(lines.get(0))
        .isEqualTo(repo.remote() + " at " + head.substring(0, 12) + " has invalid definitions:");
    // The same files, checked by the validator directly: every error, in its order, one a line.
    LoadResult direct = Definitions.load(repo.work());
    List<String> expected = direct.errors().stream().map(Problem::format).toList();
    assertThat(expected).hasSizeGreaterThanOrEqualTo(3);
    assertThat(lines.subList(1, lines.size())).containsExactlyElementsOf(expected);
    assertThat(lines)
        .anyMatch(l -> l.matches("conveyor\\.yaml:5:\\d+: .*'dockr'.*"))
        .anyMatch(l -> l.matches("conveyor\\.yaml:10:5: .*'colour'.*"))
        .anyMatch(l -> l.matches("conveyor\\.yaml:11:3: .*'Billing'.*"));
    assertNoWorkDirsLeft();
  }

  @Test
  void unknownEnvironmentFailsNamingTheKnownOnes() {
    ApplicationFailure failure = failureOf("staging", "accounts");

    assertThat(failure).isNotNull();
    assertThat(failure.getType()).isEqualTo(FailureTypes.INVALID_DEFINITIONS);
    assertThat(failure.isNonRetryable()).isTrue();
    assertThat(failure.getOriginalMessage())
        .isEqualTo("conveyor.yaml has no environment 'staging' (it has qa, prod)");
  }

  @Test
  void unknownServiceFailsNamingTheKnownOnes() {
    ApplicationFailure failure = failureOf("prod", "payroll");

    assertThat(failure).isNotNull();
    assertThat(failure.getType()).isEqualTo(FailureTypes.INVALID_DEFINITIONS);
    assertThat(failure.isNonRetryable()).isTrue();
    assertThat(failure.getOriginalMessage())
        .isEqualTo("conveyor.yaml has no service 'payroll' (it has accounts, billing)");
  }

  @Test
  void commitPushedAfterAResolveIsSeenByTheNextOne() {
    ResolvedDeployment first = resolve("prod", "accounts");
    String yaml = repo.show("main", "conveyor.yaml").replace("timeout: 5m", "timeout: 7m");
    String pushed = repo.pushFile("conveyor.yaml", yaml, "slower health gate");

    ResolvedDeployment second = resolve("prod", "accounts");

    assertThat(first.configCommit()).isNotEqualTo(pushed);
    assertThat(second.configCommit()).isEqualTo(pushed).isEqualTo(repo.head());
    assertThat(second.health().timeoutSeconds()).isEqualTo(7 * 60);
    assertThat(repo.commitCount("main")).as("resolve never writes").isEqualTo(3);
    assertNoWorkDirsLeft();
    assertNoGitLocksLeftInTheClone();
  }

  @Test
  void sourceRepoIsResolvedAgainstTheConfigRepoUnlessAbsoluteOrAUrl() {
    assertThat(ResolveActivitiesImpl.sourceRepo("/srv/git/config.git", "../billing.git"))
        .isEqualTo("/srv/git/billing.git");
    assertThat(ResolveActivitiesImpl.sourceRepo("/srv/git/config.git", "/opt/repos/./b.git"))
        .isEqualTo("/opt/repos/b.git");
    assertThat(
            ResolveActivitiesImpl.sourceRepo(
                "https://git.example.com/team/config.git", "../billing.git"))
        .isEqualTo("https://git.example.com/team/billing.git");
    assertThat(
            ResolveActivitiesImpl.sourceRepo(
                "/srv/git/config.git", "ssh://git@git.example.com/team/billing.git"))
        .isEqualTo("ssh://git@git.example.com/team/billing.git");
    assertThat(
            ResolveActivitiesImpl.sourceRepo("/srv/git/config.git", "git@example.com:billing.git"))
        .isEqualTo("git@example.com:billing.git");
  }

  /**
   * Once a resolve has returned, nothing may still hold a Git lock in the worker's clone. JGit's
   * auto-GC after a fetch used to run detached, outlive the session, and have its {@code
   * gc.log.lock} removed as a crash leftover by the next one; the clone now runs it inline.
   */
  private void assertNoGitLocksLeftInTheClone() {
    try (Stream<Path> clones = Files.list(dataDir.resolve("config-repos"))) {
      for (Path clone : clones.filter(Files::isDirectory).toList()) {
        assertThat(repo.git().line(clone, "config", "--get", "gc.autoDetach")).isEqualTo("false");
        try (Stream<Path> files = Files.walk(clone)) {
          assertThat(files.filter(f -> f.getFileName().toString().endsWith(".lock")))
              .as("lock files in " + clone)
              .isEmpty();
        }
      }
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }

  /** Each resolve materializes the definitions in a temp dir and must remove it again. */
  private void assertNoWorkDirsLeft() {
    Path workDirs = dataDir.resolve("resolve");
    if (Files.isDirectory(workDirs)) {
      try (Stream<Path> left = Files.list(workDirs)) {
        assertThat(left).isEmpty();
      } catch (IOException e) {
        throw new AssertionError(e);
      }
    }
  }
}
