package dev.conveyor.activities.gitops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.conveyor.workflows.steps.FailureTypes;
import dev.conveyor.workflows.steps.GitOpsActivities;
import dev.conveyor.workflows.steps.GitOpsActivities.ConfigCommitRequest;
import dev.conveyor.workflows.steps.GitOpsActivities.ConfigCommitResult;
import dev.conveyor.workflows.steps.GitOpsActivities.RollbackCommitRequest;
import dev.conveyor.workflows.steps.GitOpsActivities.RollbackCommitResult;
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
 * {@code GitOpsActivities.commitRollback} against a real bare config repo, checked with the git
 * CLI.
 */
class RollbackCommitTests {
  private static final String PATH = "marathon/qa/accounts.json";
  private static final String SOURCE_1 = "1111111111111111111111111111111111111111";
  private static final String SOURCE_2 = "2222222222222222222222222222222222222222";
  private static final String SOURCE_3 = "3333333333333333333333333333333333333333";
  private static final String IMAGE_1 = "localhost:5000/accounts@sha256:" + "1".repeat(64);
  private static final String IMAGE_2 = "localhost:5000/accounts@sha256:" + "2".repeat(64);
  private static final String IMAGE_3 = "localhost:5000/accounts@sha256:" + "3".repeat(64);
  private static final String ROLLBACK_ID = "rollback/qa/accounts/20261127-101500";

  @TempDir Path tmp;

  private ConfigRepoFixture fixture;
  private GitCli git;
  private TestActivityEnvironment testEnv;
  private GitOpsActivities activities;

  @BeforeEach
  void setUp() {
    fixture = ConfigRepoFixture.create(tmp.resolve("repos"));
    git = fixture.git();
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
            // one workflow run throughout, so a second call plays that run's retry
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
            "accounts",
            "marathon/accounts.json",
            "/qa/accounts",
            image,
            source,
            "deploy/qa/accounts/" + source.substring(0, 12),
            "ci"));
  }

  private RollbackCommitRequest rollback(String rollbackOf, String to) {
    return new RollbackCommitRequest(
        fixture.remote().toString(), "qa", "accounts", rollbackOf, to, ROLLBACK_ID, "bob", "5xx");
  }

  private String trailer(String key) {
    return git.line(
        fixture.remote(), "log", "-1", "--format=%(trailers:key=" + key + ",valueonly)", "main");
  }

  private static ApplicationFailure applicationFailure(Throwable thrown) {
    for (Throwable t = thrown; t != null; t = t.getCause()) {
      if (t instanceof ApplicationFailure failure) {
        return failure;
      }
    }
    throw new AssertionError("expected an ApplicationFailure, got " + thrown, thrown);
  }

  @Test
  void rollbackCommitsThePreviousDefinitionWithTheRollbackTrailers() {
    ConfigCommitResult first = deploy(SOURCE_1, IMAGE_1);
    ConfigCommitResult second = deploy(SOURCE_2, IMAGE_2);

    RollbackCommitResult result = activities.commitRollback(rollback(second.configCommit(), null));

    assertThat(result.created()).isTrue();
    assertThat(result.configCommit()).isEqualTo(fixture.head());
    assertThat(result.path()).isEqualTo(PATH);
    assertThat(result.restoredFrom()).isEqualTo(first.configCommit());
    assertThat(result.image()).isEqualTo(IMAGE_1);
    assertThat(result.commit()).isEqualTo(SOURCE_1);
    assertThat(result.rolledBackImage()).isEqualTo(IMAGE_2);
    assertThat(fixture.show("main", PATH)).isEqualTo(fixture.show(first.configCommit(), PATH));
    assertThat(git.line(fixture.remote(), "log", "-1", "--format=%s", "main"))
        .isEqualTo("rollback accounts to 111111111111 in qa");
    assertThat(trailer("Conveyor-Rollback-Of")).isEqualTo(second.configCommit());
    assertThat(trailer("Conveyor-Restored-From")).isEqualTo(first.configCommit());
    assertThat(trailer("Conveyor-Requested-By")).isEqualTo("bob");
    assertThat(trailer("Conveyor-Reason")).isEqualTo("5xx");
    assertThat(trailer("Conveyor-Workflow-Id")).isEqualTo(ROLLBACK_ID);
    assertThat(trailer("Conveyor-Image")).isEqualTo(IMAGE_1);
    assertThat(git.exec(fixture.remote(), null, "fsck", "--strict").exitCode()).isZero();
  }

  @Test
  void rollbackRepeatedByTheSameWorkflowMakesNoSecondCommit() {
    deploy(SOURCE_1, IMAGE_1);
    deploy(SOURCE_2, IMAGE_2);
    RollbackCommitResult first = activities.commitRollback(rollback(null, null));
    int commits = fixture.commitCount("main");

    RollbackCommitResult again = activities.commitRollback(rollback(null, null));

    assertThat(again.created()).isFalse();
    assertThat(again.configCommit()).isEqualTo(first.configCommit());
    assertThat(again.image()).isEqualTo(IMAGE_1);
    assertThat(fixture.commitCount("main")).isEqualTo(commits);
  }

  @Test
  void rollbackToANamedCommitRestoresThatVersion() {
    ConfigCommitResult first = deploy(SOURCE_1, IMAGE_1);
    deploy(SOURCE_2, IMAGE_2);
    deploy(SOURCE_3, IMAGE_3);

    RollbackCommitResult result =
        activities.commitRollback(rollback(null, first.configCommit().substring(0, 10)));

    assertThat(result.image()).isEqualTo(IMAGE_1);
    assertThat(result.rolledBackImage()).isEqualTo(IMAGE_3);
    assertThat(fixture.show("main", PATH)).contains(IMAGE_1);
  }

  @Test
  void rollbackOfTheFirstDeploymentHasNothingToRollBackTo() {
    ConfigCommitResult only = deploy(SOURCE_1, IMAGE_1);
    int commits = fixture.commitCount("main");

    ApplicationFailure failure =
        applicationFailure(
            catchThrowable(() -> activities.commitRollback(rollback(only.configCommit(), null))));

    assertThat(failure.getType()).isEqualTo(FailureTypes.NOTHING_TO_ROLL_BACK);
    assertThat(fixture.commitCount("main")).isEqualTo(commits);
  }

  @Test
  void rollbackOfAVersionANewerDeploymentReplacedIsAConflict() {
    deploy(SOURCE_1, IMAGE_1);
    ConfigCommitResult second = deploy(SOURCE_2, IMAGE_2);
    deploy(SOURCE_3, IMAGE_3);
    int commits = fixture.commitCount("main");

    ApplicationFailure failure =
        applicationFailure(
            catchThrowable(() -> activities.commitRollback(rollback(second.configCommit(), null))));

    assertThat(failure.getType()).isEqualTo(FailureTypes.CONFLICT);
    assertThat(failure.getOriginalMessage()).contains("changed since");
    assertThat(fixture.commitCount("main")).isEqualTo(commits);
    assertThat(fixture.show("main", PATH)).contains(IMAGE_3);
  }
}
