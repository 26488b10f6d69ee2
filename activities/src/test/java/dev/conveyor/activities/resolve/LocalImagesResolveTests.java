package dev.conveyor.activities.resolve;

import static org.assertj.core.api.Assertions.assertThat;

import dev.conveyor.activities.gitops.ConfigRepoFixture;
import dev.conveyor.activities.gitops.GitOpsSettings;
import dev.conveyor.workflows.steps.ResolveActivities.ResolveRequest;
import dev.conveyor.workflows.steps.ResolvedDeployment;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** An environment with {@code registry: local} resolves to {@code local/<service>} images. */
class LocalImagesResolveTests {
  private static final String COMMIT = "0123456789abcdef0123456789abcdef01234567";

  @TempDir Path dir;

  @Test
  void anEnvironmentWithRegistryLocalTagsImagesLocalAndOthersKeepTheRegistry() {
    ConfigRepoFixture repo = ConfigRepoFixture.create(dir.resolve("remote"));
    repo.pushFile(
        "conveyor.yaml",
        """
        version: 1
        registry: localhost:5000
        environments:
          demo: { target: docker, registry: local }
          qa: { target: docker }
        services:
          accounts: { repo: ../accounts.git, app: marathon/accounts.json }
        """,
        "demo runs local images");
    ResolveActivitiesImpl resolver = new ResolveActivitiesImpl(GitOpsSettings.defaults(dir));

    ResolvedDeployment demo =
        resolver.resolve(new ResolveRequest(repo.remote().toString(), "demo", "accounts", COMMIT));
    ResolvedDeployment qa =
        resolver.resolve(new ResolveRequest(repo.remote().toString(), "qa", "accounts", COMMIT));

    assertThat(demo.registry()).isEqualTo("local");
    assertThat(demo.imageTag()).isEqualTo("local/accounts:" + COMMIT);
    assertThat(qa.imageTag()).isEqualTo("localhost:5000/accounts:" + COMMIT);
  }
}
