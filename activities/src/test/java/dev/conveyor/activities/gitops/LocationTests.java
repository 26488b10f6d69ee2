package dev.conveyor.activities.gitops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.conveyor.workflows.steps.FailureTypes;
import io.temporal.failure.ApplicationFailure;
import org.junit.jupiter.api.Test;

class LocationTests {
  @Test
  void scpLikeLocationIsSshToThatHost() {
    Location location = Location.parse("git@git.example.com:acme/config.git");

    assertThat(location.uri().getHost()).isEqualTo("git.example.com");
    assertThat(location.uri().getUser()).isEqualTo("git");
    assertThat(location.uri().getPath()).isEqualTo("acme/config.git");
    assertThat(location.localGitDir()).isEmpty();
    assertThat(location.cloneDirName()).matches("config\\.git-[0-9a-f]{16}");
  }

  @Test
  void trailingSlashNamesTheSameRepository() {
    Location plain = Location.parse("https://git.example.com/acme/config.git");
    Location slashed = Location.parse("https://git.example.com/acme/config.git/");

    assertThat(slashed.cloneDirName()).isEqualTo(plain.cloneDirName());
    assertThat(Location.parse("https://git.example.com/other/config.git").cloneDirName())
        .isNotEqualTo(plain.cloneDirName());
  }

  @Test
  void hostThatLooksLikeAnSshOptionIsRefused() {
    ApplicationFailure failure =
        catchThrowableOfType(
            ApplicationFailure.class,
            () -> Location.parse("ssh://-oProxyCommand=touch%20pwned/config.git"));

    assertThat(failure.getType()).isEqualTo(FailureTypes.INVALID_DEFINITIONS);
    assertThat(failure.isNonRetryable()).isTrue();
  }

  @Test
  void oddCharactersDoNotReachTheCloneDirectoryName() {
    assertThat(Location.parse("https://git.example.com/a/..weird name$.git").cloneDirName())
        .matches("weird_name_\\.git-[0-9a-f]{16}");
  }
}
