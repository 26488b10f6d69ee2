package dev.conveyor.activities.testing;

import static dev.conveyor.activities.testing.GitCli.git;
import static org.assertj.core.api.Assertions.assertThat;

import dev.conveyor.activities.testing.SourceRepos.SourceRepo;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SourceReposTests {
  @TempDir Path dir;

  @Test
  void bareRepoHoldsTheBusyboxContextWithModesThatGitAccepts() {
    SourceRepo repo =
        SourceRepos.bareWithCommit(dir.resolve("svc.git"), BusyboxImages.context().files());

    assertThat(git(repo.path(), "rev-parse", "--is-bare-repository").trim()).isEqualTo("true");
    assertThat(git(repo.path(), "rev-parse", "main").trim()).isEqualTo(repo.commit());
    git(repo.path(), "fsck", "--strict");
    assertThat(git(repo.path(), "ls-tree", "-r", repo.commit()))
        .contains("100755 blob")
        .containsPattern("100755 blob \\p{XDigit}{40}\tbusybox")
        .containsPattern("100644 blob \\p{XDigit}{40}\tDockerfile")
        .contains("\twww/health");
    assertThat(git(repo.path(), "show", repo.commit() + ":Dockerfile"))
        .isEqualTo(BusyboxImages.DOCKERFILE);
  }

  @Test
  void secondCommitReplacesTheTreeAndKeepsHistory() {
    SourceRepo repo = SourceRepos.withCommit(dir.resolve("svc"), BusyboxImages.context().files());
    String second =
        SourceRepos.commit(
            repo.path(), BusyboxImages.context().withoutHealthFile().files(), "drop health");

    assertThat(git(repo.path(), "rev-parse", second + "^").trim()).isEqualTo(repo.commit());
    assertThat(git(repo.path(), "ls-tree", "-r", "--name-only", second)).doesNotContain("health");
    assertThat(Files.exists(repo.path().resolve("www/health"))).isFalse();
    assertThat(Files.isExecutable(repo.path().resolve("busybox"))).isTrue();
    assertThat(git(repo.path(), "status", "--porcelain")).isEmpty();
  }

  @Test
  void contextUnderASubdirectoryKeepsItsFilesTogether() {
    Map<String, RepoFile> files = BusyboxImages.context().under("app").files();

    assertThat(files).containsKeys("app/Dockerfile", "app/busybox", "app/www/health");
  }
}
