package dev.conveyor.activities.release;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.conveyor.activities.gitops.ConfigRepoFixture;
import dev.conveyor.activities.gitops.GitOpsSettings;
import dev.conveyor.activities.testing.GitCli;
import dev.conveyor.activities.testing.RepoFile;
import dev.conveyor.activities.testing.SourceRepos;
import dev.conveyor.workflows.steps.FailureTypes;
import dev.conveyor.workflows.steps.ReleasePlan;
import dev.conveyor.workflows.steps.ReleasePlan.PlannedService;
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
 * Release plans against real bare repos on disk: a config repo (git CLI, {@link ConfigRepoFixture})
 * and source repos next to it or reached by a {@code file://} URL; expected commits come from
 * {@code git rev-parse}.
 */
class ReleasePlanActivitiesImplTests {
  private static final String CONVEYOR_YAML =
      """
      version: 1
      registry: localhost:5000
      environments:
        qa:
          target: docker
      services:
        db:
          app: marathon/db.json
          repo: ../db.git
        api:
          app: marathon/api.json
          repo: ../api.git
          dependsOn: [db]
        web:
          app: marathon/web.json
          repo: %s
          dependsOn: [api]
        audit:
          app: marathon/audit.json
          repo: ../db.git
      stacks:
        shop: [db, api, web]
        ops: [audit]
      """;

  @TempDir Path dir;

  private ConfigRepoFixture config;
  private Path db;
  private Path api;
  private Path web;
  private ReleasePlanActivitiesImpl planner;

  @BeforeEach
  void createRepos() {
    config = ConfigRepoFixture.create(dir.resolve("remote"));
    db = SourceRepos.bareWithCommit(dir.resolve("remote/db.git"), files("db 1")).path();
    SourceRepos.commit(db, files("db 2"), "second");
    api = SourceRepos.bareWithCommit(dir.resolve("remote/api.git"), files("api 1")).path();
    web = SourceRepos.bareWithCommit(dir.resolve("elsewhere/web.git"), files("web 1")).path();
    for (String service : List.of("db", "api", "web", "audit")) {
      config.pushFile(
          "marathon/" + service + ".json",
          "{ \"id\": \"/" + service + "\", \"container\": { \"docker\": { \"image\": \"\" } } }",
          service);
    }
    config.pushFile(
        "conveyor.yaml", CONVEYOR_YAML.formatted("file://" + web.toAbsolutePath()), "shop");
    planner =
        new ReleasePlanActivitiesImpl(
            GitOpsSettings.defaults(dir.resolve("data")), Duration.ofSeconds(30));
  }

  private static Map<String, RepoFile> files(String content) {
    return Map.of("Dockerfile", RepoFile.text("FROM scratch\n# " + content + "\n"));
  }

  private static String rev(Path repo, String... args) {
    return GitCli.git(repo, args).strip();
  }

  private ReleasePlan plan(List<String> services, Map<String, String> commits) {
    return planner.plan(
        new PlanRequest(config.remote().toString(), "qa", "shop", services, commits));
  }

  private ApplicationFailure failure(
      String stack, List<String> services, Map<String, String> pins) {
    ApplicationFailure failure =
        catchThrowableOfType(
            ApplicationFailure.class,
            () ->
                planner.plan(
                    new PlanRequest(config.remote().toString(), "qa", stack, services, pins)));
    assertThat(failure).isNotNull();
    assertThat(failure.getType()).isEqualTo(FailureTypes.INVALID_DEFINITIONS);
    assertThat(failure.isNonRetryable()).isTrue();
    return failure;
  }

  @Test
  void theWholeStackAtEachDefaultBranchHeadWithTheDependenciesOfEveryService() {
    ReleasePlan plan = plan(List.of(), Map.of());

    assertThat(plan.configCommit()).isEqualTo(config.head());
    assertThat(plan.env()).isEqualTo("qa");
    assertThat(plan.stack()).isEqualTo("shop");
    assertThat(plan.services())
        .containsExactly(
            new PlannedService("db", rev(db, "rev-parse", "main")),
            new PlannedService("api", rev(api, "rev-parse", "main")),
            new PlannedService("web", rev(web, "rev-parse", "main")));
    assertThat(plan.dependsOn())
        .containsEntry("db", List.of())
        .containsEntry("api", List.of("db"))
        .containsEntry("web", List.of("api"))
        .containsEntry("audit", List.of())
        .hasSize(4);
  }

  @Test
  void aSubsetWithPinnedAbbreviationsAndBranchNamesResolvesToFullCommits() {
    String first = rev(db, "rev-parse", "main~1");
    GitCli.git(web, "branch", "hotfix", "main");
    String webHotfix = rev(web, "rev-parse", "hotfix");

    ReleasePlan plan =
        plan(List.of("db", "web"), Map.of("db", first.substring(0, 9), "web", "hotfix"));

    assertThat(plan.services())
        .containsExactly(new PlannedService("db", first), new PlannedService("web", webHotfix));
    assertThat(plan.dependsOn()).containsKeys("db", "api", "web", "audit");
  }

  @Test
  void aNewCommitOnTheDefaultBranchOfARemoteIsSeenByTheNextPlan() {
    plan(List.of("web"), Map.of());
    String next = SourceRepos.commit(web, files("web 2"), "second");

    assertThat(plan(List.of("web"), Map.of()).services())
        .containsExactly(new PlannedService("web", next));
  }

  @Test
  void namesTheServicesThatAreNotInTheStackOrUnknown() {
    assertThat(failure("shop", List.of("audit", "cart"), Map.of()).getOriginalMessage())
        .isEqualTo(
            "cannot release stack shop: service 'audit' is not in stack shop (db, api, web);"
                + " service 'cart' is not defined");
    assertThat(failure("shipping", List.of(), Map.of()).getOriginalMessage())
        .isEqualTo("conveyor.yaml has no stack 'shipping' (it has shop, ops)");
  }

  @Test
  void namesTheServiceWhoseCommitDoesNotResolve() {
    assertThat(failure("shop", List.of(), Map.of("api", "no-such-branch")).getOriginalMessage())
        .isEqualTo(
            "cannot release stack shop: api: no-such-branch does not resolve in "
                + api.toAbsolutePath().normalize());
    assertThat(failure("shop", List.of("db"), Map.of("web", "main")).getOriginalMessage())
        .isEqualTo(
            "cannot release stack shop: a commit is given for web, which is not part of this"
                + " release");
  }
}
