package dev.conveyor.activities.registry;

import static org.assertj.core.api.Assertions.assertThat;

import com.github.dockerjava.api.DockerClient;
import dev.conveyor.activities.testing.BusyboxImages;
import dev.conveyor.activities.testing.DockerRequired;
import dev.conveyor.activities.testing.RequiresDocker;
import dev.conveyor.activities.testing.TestDocker;
import dev.conveyor.activities.testing.TestDocker.PushedImage;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The registry client against the machine's real registry on 127.0.0.1:5000. */
@RequiresDocker
class RegistryClientRealRegistryTests {
  private final String run = TestDocker.uniqueName("registry");
  private final String name = "conveyor-test/" + run;
  private final DockerClient docker = TestDocker.client();
  private final RegistryClient client = new RegistryClient(RegistrySettings.defaults());
  private PushedImage pushed;

  @AfterEach
  void cleanUp() throws Exception {
    TestDocker.removeImages(docker, TestDocker.TEST_LABEL, run);
    if (pushed != null) {
      TestDocker.deleteFromRegistry(name, pushed.digest());
    }
    docker.close();
  }

  @Test
  void digestOfAPushedTagEqualsThePushDigest(@TempDir Path dir) throws Exception {
    pushed = TestDocker.buildAndPush(docker, BusyboxImages.context(), dir, name, "v1", run);

    assertThat(client.digestOf(DockerRequired.registry() + "/" + name, "v1"))
        .contains(pushed.digest());
    assertThat(client.digestOf(ImageRef.parse(pushed.pinned()))).contains(pushed.digest());
  }

  @Test
  void unknownTagAndUnknownRepositoryAreEmpty(@TempDir Path dir) throws Exception {
    pushed = TestDocker.buildAndPush(docker, BusyboxImages.context(), dir, name, "v1", run);

    assertThat(client.digestOf(DockerRequired.registry() + "/" + name, "never-pushed")).isEmpty();
    assertThat(client.digestOf(DockerRequired.registry() + "/conveyor-test/" + run + "-none", "v1"))
        .isEmpty();
  }
}
