package dev.conveyor.activities.gitops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.conveyor.workflows.steps.FailureTypes;
import dev.conveyor.workflows.steps.GitOpsActivities;
import dev.conveyor.workflows.steps.GitOpsActivities.ConfigCommitRequest;
import dev.conveyor.workflows.steps.GitOpsActivities.ConfigCommitResult;
import dev.conveyor.workflows.steps.WorkloadKind;
import io.temporal.activity.ActivityOptions;
import io.temporal.common.RetryOptions;
import io.temporal.failure.ActivityFailure;
import io.temporal.failure.ApplicationFailure;
import io.temporal.testing.TestActivityEnvironment;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The commit step for a job: {@code chronos/<env>/<job>.json}, same trailers and idempotency. */
class JobDefinitionCommitTests {
  private static final String SOURCE_COMMIT = "0123456789abcdef0123456789abcdef01234567";
  private static final String IMAGE = "localhost:5000/report@sha256:" + "ab".repeat(32);
  private static final String OTHER_IMAGE = "localhost:5000/report@sha256:" + "cd".repeat(32);
  private static final String TEMPLATE =
      """
      {
        "name": "",
        "command": "/report --days 1",
        "schedule": "R/2030-01-01T02:00:00Z/P1D",
        "epsilon": "PT30M",
        "cpus": 0.5,
        "mem": 256.0,
        "container": { "type": "DOCKER", "image": "", "network": "BRIDGE" },
        "environmentVariables": [ { "name": "GREETING", "value": "grüezi" } ]
      }
      """;

  @TempDir Path tmp;

  private ConfigRepoFixture fixture;
  private GitCli git;
  private TestActivityEnvironment testEnv;
  private GitOpsActivities activities;

  @BeforeEach
  void setUp() {
    fixture = ConfigRepoFixture.create(tmp.resolve("repos"));
    git = fixture.git();
    fixture.pushFile("chronos/report.json", TEMPLATE, "add the report job");
    testEnv = TestActivityEnvironment.newInstance();
    testEnv.registerActivitiesImplementations(
        new GitOpsActivitiesImpl(
            new GitOpsSettings(
                tmp.resolve("worker"),
                "Conveyor Bot",
                "bot@conveyor.test",
                Optional.empty(),
                Optional.empty(),
                Duration.ofSeconds(30))));
    activities =
        testEnv.newActivityStub(
            GitOpsActivities.class,
            ActivityOptions.newBuilder()
                .setStartToCloseTimeout(Duration.ofMinutes(1))
                .setRetryOptions(RetryOptions.newBuilder().setMaximumAttempts(1).build())
                .build());
  }

  @AfterEach
  void tearDown() {
    testEnv.close();
  }

  private ConfigCommitRequest request(String template, String image) {
    return new ConfigCommitRequest(
        fixture.remote().toString(),
        "qa",
        "report",
        template,
        "nightly-report",
        image,
        SOURCE_COMMIT,
        "job/qa/report/0123456789ab",
        "alice",
        WorkloadKind.JOB);
  }

  @Test
  void commitsTheJobDefinitionWithNameAndImageUnderChronos() {
    String before = fixture.head();

    ConfigCommitResult result =
        activities.commitAppDefinition(request("chronos/report.json", IMAGE));

    assertThat(result.created()).isTrue();
    assertThat(result.path()).isEqualTo("chronos/qa/report.json");
    assertThat(result.configCommit()).isEqualTo(fixture.head());
    assertThat(git.line(fixture.remote(), "diff", "--name-only", before, "main"))
        .isEqualTo("chronos/qa/report.json");
    assertThat(fixture.show("main", "chronos/qa/report.json"))
        .isEqualTo(
            """
            {
              "name": "nightly-report",
              "command": "/report --days 1",
              "schedule": "R/2030-01-01T02:00:00Z/P1D",
              "epsilon": "PT30M",
              "cpus": 0.5,
              "mem": 256.0,
              "container": {
                "type": "DOCKER",
                "image": "%s",
                "network": "BRIDGE"
              },
              "environmentVariables": [
                {
                  "name": "GREETING",
                  "value": "grüezi"
                }
              ]
            }
            """
                .formatted(IMAGE));
    assertThat(git.line(fixture.remote(), "log", "-1", "--format=%s", "main"))
        .isEqualTo("deploy job report 0123456789ab to qa");
    assertThat(git.run(fixture.remote(), "log", "-1", "--format=%(trailers:only,unfold)", "main"))
        .contains("Conveyor-Workflow-Id: job/qa/report/0123456789ab")
        .contains("Conveyor-Commit: " + SOURCE_COMMIT)
        .contains("Conveyor-Image: " + IMAGE)
        .contains("Conveyor-Requested-By: alice")
        .containsPattern("Conveyor-Run-Id: [0-9a-f-]{36}");
    assertThat(git.exec(fixture.remote(), null, "fsck", "--strict").exitCode()).isZero();
  }

  @Test
  void theSameImageAgainMakesNoCommitAndAnotherImageMakesOne() {
    ConfigCommitResult first =
        activities.commitAppDefinition(request("chronos/report.json", IMAGE));
    int count = fixture.commitCount("main");

    ConfigCommitResult again =
        activities.commitAppDefinition(request("chronos/report.json", IMAGE));
    ConfigCommitResult other =
        activities.commitAppDefinition(request("chronos/report.json", OTHER_IMAGE));

    assertThat(again.created()).isFalse();
    assertThat(again.configCommit()).isEqualTo(first.configCommit());
    assertThat(other.created()).isTrue();
    assertThat(fixture.commitCount("main")).isEqualTo(count + 1);
    assertThat(fixture.show("main", "chronos/qa/report.json"))
        .contains(OTHER_IMAGE)
        .doesNotContain(IMAGE);
  }

  @Test
  void aTemplateWithoutNameGetsTheNameFirst() {
    fixture.pushFile(
        "chronos/bare.json",
        "{\"parents\": [\"extract\"], \"container\": {\"image\": \"\"}}\n",
        "a template without name");

    ConfigCommitResult result = activities.commitAppDefinition(request("chronos/bare.json", IMAGE));

    assertThat(fixture.show(result.configCommit(), "chronos/qa/report.json"))
        .isEqualTo(
            """
            {
              "name": "nightly-report",
              "parents": [
                "extract"
              ],
              "container": {
                "image": "%s"
              }
            }
            """
                .formatted(IMAGE));
  }

  @Test
  void aMissingTemplateNamesTheJobsEntry() {
    ApplicationFailure failure = failure(request("chronos/missing.json", IMAGE));

    assertThat(failure.getType()).isEqualTo(FailureTypes.INVALID_DEFINITIONS);
    assertThat(failure.getOriginalMessage())
        .startsWith("chronos/missing.json does not exist at config commit ")
        .endsWith(
            " (the job template of job report; add it or fix jobs.report.job in conveyor.yaml)");
  }

  @Test
  void aTemplateWithoutContainerIsInvalidDefinitions() {
    fixture.pushFile("chronos/nocontainer.json", "{\"name\": \"x\"}\n", "no container");

    ApplicationFailure failure = failure(request("chronos/nocontainer.json", IMAGE));

    assertThat(failure.getType()).isEqualTo(FailureTypes.INVALID_DEFINITIONS);
    assertThat(failure.getOriginalMessage())
        .isEqualTo(
            "chronos/nocontainer.json: container is missing (Conveyor writes the image to"
                + " container.image; add \"container\": {\"type\": \"DOCKER\", \"image\": \"\"})");
  }

  private ApplicationFailure failure(ConfigCommitRequest request) {
    Throwable thrown = catchThrowable(() -> activities.commitAppDefinition(request));
    assertThat(thrown).isInstanceOf(ActivityFailure.class);
    assertThat(thrown.getCause()).isInstanceOf(ApplicationFailure.class);
    return (ApplicationFailure) thrown.getCause();
  }
}
