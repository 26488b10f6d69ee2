package dev.conveyor.activities.build;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Which errors in a build's output are the engine's (retry) and which the Dockerfile's (stop). */
class EngineFaultTests {
  @Test
  void aCachedImageRemovedMidBuildIsTheEnginesFault() {
    // seen when a concurrent prune removed an intermediate image the build was about to reuse
    assertThat(
            BuildActivitiesImpl.isEngineFault(
                "failed to get digest sha256:829aa7197e0b24773bee396b7e666d0a2aea80314734cf6680921"
                    + "c54f4dc102a: open /var/lib/docker/image/overlay2/imagedb/content/sha256/829aa7"
                    + "197e0b24773bee396b7e666d0a2aea80314734cf6680921c54f4dc102a: no such file or"
                    + " directory"))
        .isTrue();
    assertThat(BuildActivitiesImpl.isEngineFault("layer does not exist")).isTrue();
  }

  @Test
  void dockerfileErrorsAreNotTheEnginesFault() {
    assertThat(
            BuildActivitiesImpl.isEngineFault(
                "The command '/bin/busybox false' returned a non-zero code: 1"))
        .isFalse();
    assertThat(
            BuildActivitiesImpl.isEngineFault(
                "COPY failed: file not found in build context or excluded by .dockerignore: stat"
                    + " missing: file does not exist"))
        .isFalse();
    assertThat(BuildActivitiesImpl.isEngineFault("unknown instruction: FORM")).isFalse();
  }
}
