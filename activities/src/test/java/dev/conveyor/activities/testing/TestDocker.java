package dev.conveyor.activities.testing;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.async.ResultCallback;
import com.github.dockerjava.api.command.BuildImageResultCallback;
import com.github.dockerjava.api.exception.ConflictException;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.model.Container;
import com.github.dockerjava.api.model.Image;
import com.github.dockerjava.api.model.PushResponseItem;
import dev.conveyor.activities.docker.DockerClients;
import dev.conveyor.activities.docker.DockerSettings;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;

/**
 * Clean-up and naming helpers for tests that talk to the real engine and registry. Every image and
 * container a test creates should carry {@link #TEST_LABEL} (or a label unique to the test) so that
 * it can be removed afterwards even when the test failed half-way.
 */
public final class TestDocker {
  /** Label key test resources carry; its value is the test run's id. */
  public static final String TEST_LABEL = "dev.conveyor.test";

  private static final Duration HTTP_TIMEOUT = Duration.ofSeconds(10);

  private TestDocker() {}

  /** A client for the engine in {@code DOCKER_HOST} or the local socket; the caller closes it. */
  public static DockerClient client() {
    return DockerClients.open(DockerSettings.defaults());
  }

  /** A lowercase name unique to this run, usable as a repository, container or env name. */
  public static String uniqueName(String prefix) {
    return prefix + "-" + UUID.randomUUID().toString().replace("-", "").substring(0, 10);
  }

  /**
   * An image built and pushed by {@link #buildAndPush}.
   *
   * @param tag the full tag, {@code <registry>/<name>:<tag>}
   * @param imageId the local image id ({@code sha256:…})
   * @param digest the digest the push reported (equal to the registry's)
   */
  public record PushedImage(String tag, String imageId, String digest) {
    /** {@code <registry>/<name>@<digest>}. */
    public String pinned() {
      return tag.substring(0, tag.lastIndexOf(':')) + "@" + digest;
    }
  }

  /**
   * Builds {@code context} (written under {@code dir}) as {@code <registry>/<name>:<tag>} labelled
   * {@link #TEST_LABEL}={@code run}, and pushes it to the test registry.
   */
  public static PushedImage buildAndPush(
      DockerClient docker,
      BusyboxImages.Context context,
      Path dir,
      String name,
      String tag,
      String run)
      throws InterruptedException {
    String repository = DockerRequired.registry() + "/" + name;
    docker
        .buildImageCmd(context.writeTo(dir).toFile())
        .withTags(Set.of(repository + ":" + tag))
        .withLabels(Map.of(TEST_LABEL, run))
        .exec(new BuildImageResultCallback())
        .awaitImageId(60, TimeUnit.SECONDS);
    String imageId = docker.inspectImageCmd(repository + ":" + tag).exec().getId();
    List<PushResponseItem> items = new CopyOnWriteArrayList<>();
    docker
        .pushImageCmd(repository)
        .withTag(tag)
        .exec(
            new ResultCallback.Adapter<PushResponseItem>() {
              @Override
              public void onNext(PushResponseItem item) {
                items.add(item);
              }
            })
        .awaitCompletion(60, TimeUnit.SECONDS);
    for (PushResponseItem item : items) {
      if (item.isErrorIndicated()) {
        throw new IllegalStateException("push of " + repository + ":" + tag + " failed: " + item);
      }
    }
    String digest =
        items.stream()
            .filter(i -> i.getAux() != null && i.getAux().getDigest() != null)
            .map(i -> i.getAux().getDigest())
            .findFirst()
            .orElseThrow(() -> new IllegalStateException("push reported no digest: " + items));
    return new PushedImage(repository + ":" + tag, imageId, digest);
  }

  /** Force-removes every container that has {@code label=value}; missing ones are fine. */
  public static void removeContainers(DockerClient docker, String label, String value) {
    List<Container> containers =
        docker.listContainersCmd().withShowAll(true).withLabelFilter(Map.of(label, value)).exec();
    for (Container container : containers) {
      try {
        docker.removeContainerCmd(container.getId()).withForce(true).withRemoveVolumes(true).exec();
      } catch (NotFoundException gone) {
        // removed concurrently: that is what we wanted
      }
    }
  }

  /**
   * Force-removes every top-level image that has {@code label=value}, with all its tags; the engine
   * then drops the untagged intermediate images under it that nothing else uses.
   */
  public static void removeImages(DockerClient docker, String label, String value) {
    List<Image> images = docker.listImagesCmd().withLabelFilter(Map.of(label, value)).exec();
    for (Image image : images) {
      removeImage(docker, image.getId());
    }
  }

  /**
   * Removes untagged images created after {@code since}: the cached steps a failed build leaves
   * behind (they carry no labels). Not forced, so an image another build still uses stays.
   */
  public static void removeDanglingImagesSince(DockerClient docker, Instant since) {
    List<Image> dangling = docker.listImagesCmd().withDanglingFilter(true).withShowAll(true).exec();
    for (Image image : dangling) {
      if (image.getCreated() != null && image.getCreated() >= since.getEpochSecond() - 1) {
        try {
          docker.removeImageCmd(image.getId()).exec();
        } catch (NotFoundException | ConflictException inUseOrGone) {
          // gone already, or the parent of something else: leave it
        }
      }
    }
  }

  /** Force-removes one image by id or reference; a missing one or one still in use is fine. */
  public static void removeImage(DockerClient docker, String idOrReference) {
    try {
      docker.removeImageCmd(idOrReference).withForce(true).exec();
    } catch (NotFoundException | ConflictException goneOrInUse) {
      // already removed, or another image is built on it (cleaned up with that one)
    }
  }

  /**
   * Deletes a manifest from the test registry ({@code DELETE /v2/<name>/manifests/<digest>}; the
   * start-up script enables deletes). Best effort: the registry's storage is a temp dir anyway.
   */
  public static void deleteFromRegistry(String name, String digest) {
    OkHttpClient http =
        new OkHttpClient.Builder().callTimeout(HTTP_TIMEOUT).connectTimeout(HTTP_TIMEOUT).build();
    String url = "http://" + DockerRequired.registry() + "/v2/" + name + "/manifests/" + digest;
    try (Response ignored =
        http.newCall(new Request.Builder().url(url).delete().build()).execute()) {
      // 202 deleted, 404 already gone, 405 deletes disabled: nothing else to do in each case
    } catch (IOException e) {
      // best effort
    } finally {
      http.dispatcher().executorService().shutdown();
      http.connectionPool().evictAll();
    }
  }
}
