package dev.conveyor.activities.resolve;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.conveyor.activities.gitops.ConfigRepoFixture;
import dev.conveyor.activities.gitops.GitOpsSettings;
import dev.conveyor.workflows.steps.FailureTypes;
import dev.conveyor.workflows.steps.JobResolveActivities.JobResolveRequest;
import dev.conveyor.workflows.steps.ResolvedJob;
import io.temporal.failure.ApplicationFailure;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Step 1 for jobs, against a real bare config repo on disk. */
class JobResolveTests {
  private static final String SOURCE_COMMIT = "0123456789abcdef0123456789abcdef01234567";

  private static final String WITH_JOBS =
      """
      version: 1
      registry: localhost:5000
      environments:
        qa:
          target: docker
        prod:
          target: marathon
          marathon: { url: "http://marathon.prod:8080" }
          consul: { url: "http://consul.prod:8500" }
          chronos: { url: "http://chronos.prod:4400", apiPrefix: /scheduler }
      services:
        accounts:
          repo: ../accounts.git
          app: marathon/accounts.json
        billing:
          repo: ../billing.git
          app: marathon/billing.json
      jobs:
        report:
          repo: ../report.git
          dockerfile: jobs/Dockerfile
          dependsOn: [accounts, billing]
          smokeRun: true
          smokeTimeout: 3m
        cleanup:
          repo: https://git.example.com/team/cleanup.git
          job: batch/cleanup.json
      notify:
        - { type: webhook, url: "${env:CONVEYOR_WEBHOOK_URL}" }
      """;

  private static final String BILLING_APP =
      """
      {
        "id": "/payments/billing",
        "container": { "type": "DOCKER", "docker": { "image": "" } }
      }
      """;

  @TempDir Path dir;

  private ConfigRepoFixture repo;
  private ResolveActivitiesImpl resolver;

  @BeforeEach
  void createConfigRepo() {
    repo = ConfigRepoFixture.create(dir.resolve("remote"));
    repo.pushFile("marathon/billing.json", BILLING_APP, "billing gets an id");
    repo.pushFile(
        "chronos/report.json",
        """
        { "name": "nightly-report", "schedule": "R//P1D",
          "container": { "type": "DOCKER", "image": "" } }
        """,
        "report job");
    repo.pushFile(
        "batch/cleanup.json",
        """
        { "name": "cleanup", "parents": ["nightly-report"], "container": { "image": "" } }
        """,
        "cleanup job");
    repo.pushFile("conveyor.yaml", WITH_JOBS, "jobs");
    resolver = new ResolveActivitiesImpl(GitOpsSettings.defaults(dir.resolve("data")));
  }

  private ResolvedJob resolve(String env, String job) {
    return resolver.resolveJob(
        new JobResolveRequest(repo.remote().toString(), env, job, SOURCE_COMMIT));
  }

  private ApplicationFailure failureOf(String env, String job) {
    return catchThrowableOfType(ApplicationFailure.class, () -> resolve(env, job));
  }

  @Test
  void aJobResolvesWithItsChronosNameAndTheEnvironmentsChronos() {
    ResolvedJob resolved = resolve("prod", "report");

    assertThat(resolved.configCommit()).isEqualTo(repo.head());
    assertThat(resolved.env()).isEqualTo("prod");
    assertThat(resolved.job()).isEqualTo("report");
    assertThat(resolved.commit()).isEqualTo(SOURCE_COMMIT);
    assertThat(resolved.imageRepository()).isEqualTo("localhost:5000/report");
    assertThat(resolved.imageTag()).isEqualTo("localhost:5000/report:" + SOURCE_COMMIT);
    assertThat(resolved.sourceRepo())
        .isEqualTo(repo.remote().getParent().resolve("report.git").toString());
    assertThat(resolved.dockerfile()).isEqualTo("jobs/Dockerfile");
    assertThat(resolved.context()).isEqualTo(".");
    assertThat(resolved.jobFile()).isEqualTo("chronos/report.json");
    assertThat(resolved.chronosName()).isEqualTo("nightly-report");
    assertThat(resolved.chronosUrl()).isEqualTo("http://chronos.prod:4400");
    assertThat(resolved.chronosApiPrefix()).isEqualTo("/scheduler");
    assertThat(resolved.consulUrl()).isEqualTo("http://consul.prod:8500");
    assertThat(resolved.dependsOn()).containsExactly("accounts", "billing");
    assertThat(resolved.smokeRun()).isTrue();
    assertThat(resolved.smokeTimeoutSeconds()).isEqualTo(180);
    assertThat(resolved.notifiers())
        .singleElement()
        .satisfies(n -> assertThat(n.target()).isEqualTo("${env:CONVEYOR_WEBHOOK_URL}"));
  }

  @Test
  void aJobWithParentsAndDefaultsResolvesToo() {
    ResolvedJob resolved = resolve("prod", "cleanup");

    assertThat(resolved.jobFile()).isEqualTo("batch/cleanup.json");
    assertThat(resolved.chronosName()).isEqualTo("cleanup");
    assertThat(resolved.sourceRepo()).isEqualTo("https://git.example.com/team/cleanup.git");
    assertThat(resolved.dependsOn()).isEqualTo(List.of());
    assertThat(resolved.smokeRun()).isFalse();
  }

  @Test
  void anEnvironmentWithoutChronosCannotRunJobs() {
    ApplicationFailure failure = failureOf("qa", "report");

    assertThat(failure.getType()).isEqualTo(FailureTypes.INVALID_DEFINITIONS);
    assertThat(failure.isNonRetryable()).isTrue();
    assertThat(failure.getOriginalMessage())
        .isEqualTo(
            "environment qa has no chronos in conveyor.yaml, so it cannot run job report; add"
                + " e.g. chronos: { url: \"http://chronos.qa:4400\" } to environments.qa");
  }

  @Test
  void anUnknownJobNamesTheJobsThereAre() {
    ApplicationFailure failure = failureOf("prod", "reprot");

    assertThat(failure.getType()).isEqualTo(FailureTypes.INVALID_DEFINITIONS);
    assertThat(failure.getOriginalMessage())
        .isEqualTo("conveyor.yaml has no job 'reprot' (it has report, cleanup)");
  }

  @Test
  void anInvalidJobTemplateFailsWithItsLocatedProblem() {
    repo.pushFile(
        "chronos/report.json",
        "{ \"name\": \"nightly-report\", \"container\": { \"image\": \"\" } }\n",
        "report loses its schedule");

    ApplicationFailure failure = failureOf("prod", "report");

    assertThat(failure.getType()).isEqualTo(FailureTypes.INVALID_DEFINITIONS);
    assertThat(failure.getOriginalMessage())
        .contains(
            " has invalid definitions:\nchronos/report.json:1:1: schedule or parents is missing");
  }
}
