package dev.conveyor.cli;

import static dev.conveyor.cli.ConveyorCliTests.cli;
import static org.assertj.core.api.Assertions.assertThat;

import dev.conveyor.cli.ConveyorCliTests.Run;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ./conveyor history} over a real bare config repo written with the git CLI, with commits
 * shaped as the GitOps activity writes them (subject and Conveyor trailers).
 */
class HistoryCommandTests {
  static final String SOURCE_1 = "1111111111111111111111111111111111111111";
  static final String SOURCE_2 = "2222222222222222222222222222222222222222";

  @TempDir Path dir;
  Path bare;
  Path work;

  @BeforeEach
  void configRepoWithTwoDeploysAndARollback() throws IOException {
    bare = Git.bareWithClone(dir, "config");
    work = dir.resolve("config");
    deploy(SOURCE_1, "localhost:5000/billing@sha256:one", "deploy/qa/billing/111111111111", "ci");
    Files.writeString(work.resolve("conveyor.yaml"), "registry: localhost:5000\n");
    Git.ok(work, "add", "conveyor.yaml");
    Git.ok(work, "commit", "--quiet", "-m", "unrelated change");
    String second =
        deploy(
            SOURCE_2, "localhost:5000/billing@sha256:two", "deploy/qa/billing/222222222222", "ci");
    write("localhost:5000/billing@sha256:one");
    commit(
        "rollback billing to 111111111111 in qa",
        List.of(
            "Conveyor-Workflow-Id: rollback/qa/billing/20261127-101500",
            "Conveyor-Commit: " + SOURCE_1,
            "Conveyor-Image: localhost:5000/billing@sha256:one",
            "Conveyor-Requested-By: bob",
            "Conveyor-Rollback-Of: " + second,
            "Conveyor-Reason: 5xx rate up"));
    Git.ok(work, "push", "--quiet", "origin", "HEAD:main");
  }

  private void write(String image) throws IOException {
    Path app = work.resolve("marathon/qa/billing.json");
    Files.createDirectories(app.getParent());
    Files.writeString(
        app, "{\"id\":\"/billing\",\"container\":{\"docker\":{\"image\":\"" + image + "\"}}}\n");
  }

  private String deploy(String source, String image, String workflowId, String by)
      throws IOException {
    write(image);
    return commit(
        "deploy billing " + source.substring(0, 12) + " to qa",
        List.of(
            "Conveyor-Workflow-Id: " + workflowId,
            "Conveyor-Commit: " + source,
            "Conveyor-Image: " + image,
            "Conveyor-Requested-By: " + by));
  }

  private String commit(String subject, List<String> trailers) {
    Git.ok(work, "add", "-A");
    Git.ok(work, "commit", "--quiet", "-m", subject, "-m", String.join("\n", trailers));
    return Git.ok(work, "rev-parse", "HEAD").strip();
  }

  @Test
  void historyListsEveryDeployAndRollbackOfTheServiceNewestFirst() {
    Run run =
        cli("history", "--service", "billing", "--env", "qa", "--definitions", bare.toString());

    assertThat(run.exitCode()).as(run.err()).isZero();
    List<String> lines = run.out().lines().toList();
    assertThat(lines.get(0)).startsWith("WHEN").contains("WORKFLOW").contains("WHY");
    assertThat(lines).hasSize(4);
    assertThat(lines.get(1))
        .contains("rollback")
        .contains("111111111111")
        .contains("localhost:5000/billing@sha256:one")
        .contains("bob")
        .contains("rollback/qa/billing/20261127-101500")
        .contains("5xx rate up (undoes ");
    assertThat(lines.get(2))
        .contains("deploy")
        .contains("222222222222")
        .contains("sha256:two")
        .contains("deploy/qa/billing/222222222222");
    assertThat(lines.get(3)).contains("deploy").contains("111111111111");
    assertThat(run.out()).doesNotContain("unrelated change");
  }

  @Test
  void historyReadsAConfigRepoGivenAsAUrl() {
    Run run =
        cli(
            "history",
            "--service",
            "billing",
            "--env",
            "qa",
            "--definitions",
            bare.toUri().toString());

    assertThat(run.exitCode()).as(run.err()).isZero();
    assertThat(run.out().lines()).hasSize(4);
    assertThat(run.out()).contains("5xx rate up");
  }

  @Test
  void historyOfAServiceNeverDeployedSaysSo() {
    Run run = cli("history", "--service", "web", "--env", "qa", "--definitions", bare.toString());

    assertThat(run.exitCode()).isZero();
    assertThat(run.out()).contains("no deploys or rollbacks recorded");
  }

  @Test
  void historyOfADirectoryThatIsNoRepoIsAUsageError() throws IOException {
    Path plain = Files.createDirectories(dir.resolve("plain"));

    Run run =
        cli("history", "--service", "billing", "--env", "qa", "--definitions", plain.toString());

    assertThat(run.exitCode()).isEqualTo(2);
    assertThat(run.err()).contains("git log failed").contains("not a git repository");
  }
}
