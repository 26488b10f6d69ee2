package dev.conveyor.activities.testing;

import static org.assertj.core.api.Assertions.assertThat;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.async.ResultCallback;
import com.github.dockerjava.api.command.BuildImageResultCallback;
import com.github.dockerjava.api.command.CreateContainerResponse;
import com.github.dockerjava.api.model.ExposedPort;
import com.github.dockerjava.api.model.HostConfig;
import com.github.dockerjava.api.model.PortBinding;
import com.github.dockerjava.api.model.Ports;
import com.github.dockerjava.api.model.PushResponseItem;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Proves that the machine's Docker engine and registry are usable from Java (foundation issue,
 * point 5): ping, a {@code FROM scratch} busybox build, a push, and the registry's digest for it.
 */
@RequiresDocker
class DockerEngineAndRegistryTests {
  private static final String MANIFEST_TYPES =
      String.join(
          ", ",
          "application/vnd.docker.distribution.manifest.v2+json",
          "application/vnd.docker.distribution.manifest.list.v2+json",
          "application/vnd.oci.image.manifest.v1+json",
          "application/vnd.oci.image.index.v1+json");

  private final String run = TestDocker.uniqueName("smoke");
  private final String name = "conveyor-test/" + run;
  private final String tag = DockerRequired.registry() + "/" + name + ":latest";
  private final OkHttpClient http =
      new OkHttpClient.Builder().callTimeout(Duration.ofSeconds(10)).build();
  private DockerClient docker;
  private String pushedDigest;

  @BeforeEach
  void openDocker() {
    docker = TestDocker.client();
  }

  @AfterEach
  void cleanUp() throws Exception {
    TestDocker.removeContainers(docker, TestDocker.TEST_LABEL, run);
    TestDocker.removeImages(docker, TestDocker.TEST_LABEL, run);
    if (pushedDigest != null) {
      TestDocker.deleteFromRegistry(name, pushedDigest);
    }
    docker.close();
    http.dispatcher().executorService().shutdown();
  }

  @Test
  void engineAnswersPing() {
    docker.pingCmd().exec();
    assertThat(docker.versionCmd().exec().getApiVersion()).isNotBlank();
  }

  @Test
  void pushedScratchImageHasTheSameDigestInTheRegistryApi(@TempDir Path dir) throws Exception {
    String imageId = build(BusyboxImages.context().writeTo(dir));
    assertThat(docker.inspectImageCmd(imageId).exec().getConfig().getLabels())
        .containsEntry(TestDocker.TEST_LABEL, run);

    List<PushResponseItem> items = new CopyOnWriteArrayList<>();
    docker
        .pushImageCmd(DockerRequired.registry() + "/" + name)
        .withTag("latest")
        .exec(
            new ResultCallback.Adapter<PushResponseItem>() {
              @Override
              public void onNext(PushResponseItem item) {
                items.add(item);
              }
            })
        .awaitCompletion(60, TimeUnit.SECONDS);

    assertThat(items).noneMatch(PushResponseItem::isErrorIndicated);
    pushedDigest =
        items.stream()
            .filter(i -> i.getAux() != null && i.getAux().getDigest() != null)
            .map(i -> i.getAux().getDigest())
            .findFirst()
            .orElseThrow(() -> new AssertionError("push reported no digest: " + items));
    assertThat(pushedDigest).startsWith("sha256:");

    Request head =
        new Request.Builder()
            .url("http://" + DockerRequired.registry() + "/v2/" + name + "/manifests/latest")
            .head()
            .header("Accept", MANIFEST_TYPES)
            .build();
    try (Response response = http.newCall(head).execute()) {
      assertThat(response.code()).isEqualTo(200);
      assertThat(response.header("Docker-Content-Digest")).isEqualTo(pushedDigest);
    }
  }

  @Test
  void busyboxImageServesTheHealthFile(@TempDir Path dir) throws Exception {
    String imageId = build(BusyboxImages.context().writeTo(dir));
    ExposedPort port = ExposedPort.tcp(BusyboxImages.HTTP_PORT);
    CreateContainerResponse created =
        docker
            .createContainerCmd(imageId)
            .withLabels(Map.of(TestDocker.TEST_LABEL, run))
            .withExposedPorts(port)
            .withHostConfig(
                HostConfig.newHostConfig()
                    .withPortBindings(new PortBinding(Ports.Binding.bindIp("127.0.0.1"), port)))
            .exec();
    docker.startContainerCmd(created.getId()).exec();
    Ports.Binding[] bindings =
        docker
            .inspectContainerCmd(created.getId())
            .exec()
            .getNetworkSettings()
            .getPorts()
            .getBindings()
            .get(port);
    String url = "http://127.0.0.1:" + bindings[0].getHostPortSpec() + BusyboxImages.HEALTH_PATH;

    assertThat(getStatusWithin(url, Duration.ofSeconds(10))).isEqualTo(200);
  }

  private String build(Path context) {
    return docker
        .buildImageCmd(context.toFile())
        .withTags(Set.of(tag))
        .withLabels(Map.of(TestDocker.TEST_LABEL, run))
        .exec(new BuildImageResultCallback())
        .awaitImageId(60, TimeUnit.SECONDS);
  }

  /** httpd needs a moment after the container starts: retry connection failures until then. */
  private int getStatusWithin(String url, Duration patience) throws InterruptedException {
    Instant deadline = Instant.now().plus(patience);
    while (true) {
      try (Response response = http.newCall(new Request.Builder().url(url).build()).execute()) {
        return response.code();
      } catch (java.io.IOException e) {
        if (Instant.now().isAfter(deadline)) {
          throw new AssertionError("no answer from " + url + " within " + patience, e);
        }
        Thread.sleep(100);
      }
    }
  }
}
