package dev.conveyor.activities.gitops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.conveyor.workflows.steps.FailureTypes;
import dev.conveyor.workflows.steps.GitOpsActivities;
import dev.conveyor.workflows.steps.GitOpsActivities.ConfigCommitRequest;
import dev.conveyor.workflows.steps.GitOpsActivities.ConfigCommitResult;
import dev.conveyor.workflows.steps.GitOpsActivities.RollbackCommitRequest;
import dev.conveyor.workflows.steps.GitOpsActivities.RollbackCommitResult;
import dev.conveyor.workflows.steps.WorkloadKind;
import io.temporal.activity.ActivityOptions;
import io.temporal.common.RetryOptions;
import io.temporal.failure.ApplicationFailure;
import io.temporal.testing.TestActivityEnvironment;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code GitOpsActivities.commitRollback} for a job ({@link WorkloadKind#JOB}): {@code
 * chronos/<env>/<job>.json} goes back to an earlier definition, with the same subject and trailers
 * as a service's rollback; checked with the git CLI on a real bare repo.
 */
class JobRollbackCommitTests {
  private static final String PATH = "chronos/qa/report.json";
  private static final String SOURCE_1 = "1111111111111111111111111111111111111111";
  private static final String SOURCE_2 = "2222222222222222222222222222222222222222";
  private static final String IMAGE_1 = "localhost:5000/report@sha256:" + "1".repeat(64);
  private static final String IMAGE_2 = "localhost:5000/report@sha256:" + "2".repeat(64);
  private static final String ROLLBACK_ID = "job-rollback/qa/report/20261127-101500";
  private static final String TEMPLATE =
      """
      {
        "name": "",
        "command": "/report",
        "schedule": "R/2030-01-01T02:00:00Z/P1D",
        "container": { "type": "DOCKER", "image": "" }
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
                Duration.ofSeconds(30)),
            () -> Optional.of("run-1"),
            ConfigRepo.BeforePush.NONE));
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

  private ConfigCommitResult deploy(String source, String image) {
    return activities.commitAppDefinition(
        new ConfigCommitRequest(
            fixture.remote().toString(),
            "qa",
            "report",
            "chronos/report.json",
            "report",
            image,
            source,
            "job/qa/report/" + source.substring(0, 12),
            "ci",
            WorkloadKind.JOB));
  }

  private RollbackCommitRequest rollback(String rollbackOf) {
    return new RollbackCommitRequest(
        fixture.remote().toString(),
        "qa",
        "report",
        rollbackOf,
        null,
        ROLLBACK_ID,
        "bob",
        "totals wrong",
        WorkloadKind.JOB);
  }

  private String trailer(String key) {
    return git.line(
        fixture.remote(), "log", "-1", "--format=%(trailers:key=" + key + ",valueonly)", "main");
  }

  @Test
  void restoresThePreviousJobDefinitionWithTheRollbackSubjectAndTrailers() {
    ConfigCommitResult first = deploy(SOURCE_1, IMAGE_1);
    ConfigCommitResult second = deploy(SOURCE_2, IMAGE_2);

    RollbackCommitResult result = activities.commitRollback(rollback(second.configCommit()));

    assertThat(result.created()).isTrue();
    assertThat(result.path()).isEqualTo(PATH);
    assertThat(result.configCommit()).isEqualTo(fixture.head());
    assertThat(result.restoredFrom()).isEqualTo(first.configCommit());
    assertThat(result.image()).isEqualTo(IMAGE_1);
    assertThat(result.commit()).isEqualTo(SOURCE_1);
    assertThat(result.rolledBackImage()).isEqualTo(IMAGE_2);
    assertThat(fixture.show("main", PATH)).isEqualTo(fixture.show(first.configCommit(), PATH));
    assertThat(git.line(fixture.remote(), "log", "-1", "--format=%s", "main"))
        .isEqualTo("rollback report to 111111111111 in qa");
    assertThat(trailer("Conveyor-Rollback-Of")).isEqualTo(second.configCommit());
    assertThat(trailer("Conveyor-Restored-From")).isEqualTo(first.configCommit());
    assertThat(trailer("Conveyor-Requested-By")).isEqualTo("bob");
    assertThat(trailer("Conveyor-Reason")).isEqualTo("totals wrong");
    assertThat(trailer("Conveyor-Workflow-Id")).isEqualTo(ROLLBACK_ID);
    assertThat(trailer("Conveyor-Image")).isEqualTo(IMAGE_1);
    assertThat(trailer("Conveyor-Commit")).isEqualTo(SOURCE_1);
  }

  @Test
  void aRepeatOfTheSameRunMakesNoSecondCommit() {
    deploy(SOURCE_1, IMAGE_1);
    deploy(SOURCE_2, IMAGE_2);
    RollbackCommitResult first = activities.commitRollback(rollback(null));
    int commits = fixture.commitCount("main");

    RollbackCommitResult again = activities.commitRollback(rollback(null));

    assertThat(again.created()).isFalse();
    assertThat(again.configCommit()).isEqualTo(first.configCommit());
    assertThat(again.image()).isEqualTo(IMAGE_1);
    assertThat(fixture.commitCount("main")).isEqualTo(commits);
  }

  @Test
  void aJobDeployedOnceHasNothingToRollBackTo() {
    deploy(SOURCE_1, IMAGE_1);

    Throwable thrown = catchThrowable(() -> activities.commitRollback(rollback(null)));

    ApplicationFailure failure = null;
    for (Throwable t = thrown; t != null; t = t.getCause()) {
      if (t instanceof ApplicationFailure app) {
        failure = app;
      }
    }
    assertThat(failure).isNotNull();
    assertThat(failure.getType()).isEqualTo(FailureTypes.NOTHING_TO_ROLL_BACK);
    assertThat(failure.getOriginalMessage())
        .contains("no earlier version of " + PATH)
        .contains("the job was deployed there only once");
  }

  @Test
  void aServiceRollbackLeavesTheJobsFileAlone() {
    deploy(SOURCE_1, IMAGE_1);
    deploy(SOURCE_2, IMAGE_2);

    Throwable thrown =
        catchThrowable(
            () ->
                activities.commitRollback(
                    new RollbackCommitRequest(
                        fixture.remote().toString(),
                        "qa",
                        "report",
                        null,
                        null,
                        ROLLBACK_ID,
                        "bob",
                        "x")));

    assertThat(thrown).hasStackTraceContaining("service report was never deployed to qa");
    assertThat(fixture.show("main", PATH)).contains(IMAGE_2);
  }
}
