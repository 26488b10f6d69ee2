package dev.conveyor.activities.release;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.conveyor.activities.gitops.ConfigRepoFixture;
import dev.conveyor.activities.gitops.GitOpsSettings;
import dev.conveyor.activities.testing.GitCli;
import dev.conveyor.activities.testing.RepoFile;
import dev.conveyor.activities.testing.SourceRepos;
import dev.conveyor.workflows.steps.ReleasePlan;
import dev.conveyor.workflows.steps.ReleasePlan.PlannedJob;
import dev.conveyor.workflows.steps.ReleasePlanActivities.PlanRequest;
import io.temporal.failure.ApplicationFailure;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A release plan lists the stack's jobs (those that depend on a released service) with the commit
 * each deploys, read from real bare repos on disk; expected commits come from {@code git
 * rev-parse}.
 */
class ReleasePlanJobsTests {
  private static final String CONVEYOR_YAML =
      """
      version: 1
      registry: localhost:5000
      environments:
        qa:
          target: docker
      services:
        accounts:
          app: marathon/accounts.json
          repo: ../accounts.git
        billing:
          app: marathon/billing.json
          repo: ../accounts.git
          dependsOn: [accounts]
      jobs:
        report:
          repo: ../report.git
          dependsOn: [billing]
        audit:
          repo: ../report.git
          dependsOn: [accounts]
        standalone:
          repo: ../report.git
      stacks:
        shop: [accounts, billing]
      """;

  @TempDir Path dir;

  private ConfigRepoFixture config;
  private Path report;
  private ReleasePlanActivitiesImpl planner;

  @BeforeEach
  void createRepos() {
    config = ConfigRepoFixture.create(dir.resolve("remote"));
    SourceRepos.bareWithCommit(dir.resolve("remote/accounts.git"), files("accounts 1"));
    report = SourceRepos.bareWithCommit(dir.resolve("remote/report.git"), files("r 1")).path();
    SourceRepos.commit(report, files("r 2"), "second");
    for (String service : List.of("accounts", "billing")) {
      config.pushFile(
          "marathon/" + service + ".json",
          "{ \"id\": \"/" + service + "\", \"container\": { \"docker\": { \"image\": \"\" } } }",
          service);
    }
    for (String job : List.of("report", "audit", "standalone")) {
      config.pushFile(
          "chronos/" + job + ".json",
          "{ \"name\": \""
              + job
              + "\", \"schedule\": \"R//P1D\", \"container\": { \"image\": \"\" } }",
          job);
    }
    config.pushFile("conveyor.yaml", CONVEYOR_YAML, "shop with jobs");
    planner =
        new ReleasePlanActivitiesImpl(
            GitOpsSettings.defaults(dir.resolve("data")), Duration.ofSeconds(30));
  }

  private static Map<String, RepoFile> files(String content) {
    return Map.of("Dockerfile", RepoFile.text("FROM scratch\n# " + content + "\n"));
  }

  private ReleasePlan plan(List<String> services, Map<String, String> commits) {
    return planner.plan(
        new PlanRequest(config.remote().toString(), "qa", "shop", services, commits));
  }

  @Test
  void theStackListsEveryJobThatDependsOnOneOfItsServicesAtItsRepositorysHead() {
    String head = GitCli.git(report, "rev-parse", "main").strip();

    ReleasePlan plan = plan(List.of(), Map.of());

    assertThat(plan.jobs())
        .containsExactly(
            new PlannedJob("audit", head, List.of("accounts")),
            new PlannedJob("report", head, List.of("billing")));
  }

  @Test
  void aSubsetPlansOnlyTheJobsOfItsServicesAndAJobMayBePinned() {
    String first = GitCli.git(report, "rev-parse", "main~1").strip();

    ReleasePlan plan = plan(List.of("billing"), Map.of("report", first.substring(0, 10)));

    assertThat(plan.jobs()).containsExactly(new PlannedJob("report", first, List.of("billing")));
  }

  @Test
  void aPinForAJobOutsideTheReleaseIsRefused() {
    ApplicationFailure failure =
        catchThrowableOfType(
            ApplicationFailure.class, () -> plan(List.of("accounts"), Map.of("report", "main")));

    assertThat(failure.getOriginalMessage())
        .isEqualTo(
            "cannot release stack shop: a commit is given for report, which is not part of this"
                + " release");
  }
}
