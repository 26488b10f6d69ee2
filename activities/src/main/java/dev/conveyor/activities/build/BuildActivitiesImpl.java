package dev.conveyor.activities.build;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.command.PushImageCmd;
import com.github.dockerjava.api.exception.DockerException;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.model.AuthConfig;
import com.github.dockerjava.api.model.BuildResponseItem;
import com.github.dockerjava.api.model.PushResponseItem;
import com.github.dockerjava.api.model.ResponseItem;
import dev.conveyor.activities.build.SourceRepositories.Source;
import dev.conveyor.activities.docker.DockerClients;
import dev.conveyor.activities.registry.ImageRef;
import dev.conveyor.activities.registry.RegistryClient;
import dev.conveyor.activities.registry.RegistryException;
import dev.conveyor.workflows.WorkflowIds;
import dev.conveyor.workflows.steps.BuildActivities;
import dev.conveyor.workflows.steps.FailureTypes;
import io.temporal.activity.Activity;
import io.temporal.failure.ApplicationFailure;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import org.eclipse.jgit.api.ArchiveCommand;
import org.eclipse.jgit.api.errors.GitAPIException;
import org.eclipse.jgit.archive.TarFormat;
import org.eclipse.jgit.lib.FileMode;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.treewalk.TreeWalk;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Steps 2 and 3: {@code docker build} of a source commit and {@code docker push} of its tag, on a
 * host with a Docker engine.
 *
 * <p>Idempotency: {@link #build} first asks the registry for the tag and builds nothing when it is
 * there (the result says {@code reused}, with the registry's digest). A build that runs again for
 * the same commit reuses the engine's layer cache. {@link #push} of an already pushed image uploads
 * nothing and yields the same digest.
 *
 * <p>The build context is the commit's tree, streamed by JGit as a tar without a working-tree
 * checkout. A missing repo, commit, context or Dockerfile, and any error the engine reports for the
 * Dockerfile, fail with {@link FailureTypes#BUILD_FAILED} (retrying will not help); engine or
 * registry outages propagate for Temporal to retry.
 */
public final class BuildActivitiesImpl implements BuildActivities, AutoCloseable {
  static final String LABEL_REVISION = "org.opencontainers.image.revision";
  static final String LABEL_SOURCE = "org.opencontainers.image.source";
  static final String LABEL_WORKFLOW_ID = "dev.conveyor.workflow-id";

  private static final Logger log = LoggerFactory.getLogger(BuildActivitiesImpl.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String TAR = "tar";

  static {
    // Registered once per class loader; TarFormat instances are equal, so a second
    // registration elsewhere only bumps JGit's reference count.
    ArchiveCommand.registerFormat(TAR, new TarFormat());
  }

  private final BuildSettings settings;
  private final DockerClient docker;
  private final RegistryClient registry;
  private final SourceRepositories sources;

  /** Opens a Docker client and a registry client from {@code settings}; {@link #close} them. */
  public BuildActivitiesImpl(BuildSettings settings) {
    this(settings, DockerClients.open(settings.docker()), new RegistryClient(settings.registry()));
  }

  BuildActivitiesImpl(BuildSettings settings, DockerClient docker, RegistryClient registry) {
    this.settings = settings;
    this.docker = docker;
    this.registry = registry;
    this.sources =
        new SourceRepositories(settings.dataDir().resolve("source-cache"), settings.gitTimeout());
  }

  @Override
  public BuildResult build(BuildRequest request) {
    ImageRef image = parseTag(request.imageTag());
    // Local-image mode has no registry to ask: it always builds, and the engine's layer cache
    // makes a rebuild of the same tree a no-op.
    Optional<String> existing = image.isLocal() ? Optional.empty() : registryDigest(image);
    if (existing.isPresent()) {
      log.info(
          "{}: {} is already in the registry as {}", request.workflowId(), image, existing.get());
      return new BuildResult(request.imageTag(), true, existing.get(), null);
    }
    Progress progress = new Progress(Activity.getExecutionContext(), "preparing build context");
    try (Source source =
        sources.open(
            request.sourceRepo(),
            request.commit(),
            line -> {
              progress.line(line);
              progress.beat();
            })) {
      ObjectId contextTree = contextTree(source, request);
      String dockerfile = dockerfilePath(source, contextTree, request);
      Path tar = writeContext(source.repository(), contextTree);
      try {
        String imageId = runBuild(request, image, source, dockerfile, tar, progress);
        log.info("{}: built {} as {}", request.workflowId(), image, imageId);
        return new BuildResult(request.imageTag(), false, null, imageId);
      } finally {
        deleteQuietly(tar);
      }
    }
  }

  /**
   * {@inheritDoc}
   *
   * <p>In local-image mode ({@code local/<service>:<commit>}) nothing is pushed: the result names
   * the image by the engine's image id ({@code local/<service>@sha256:<id>}), read from the local
   * tag, so a repeat yields the same reference. A tag missing from this engine is retried (another
   * build host may have it) like a push of an image built elsewhere.
   */
  @Override
  public PushResult push(PushRequest request) {
    ImageRef image = parseTag(request.imageTag());
    if (image.isLocal()) {
      return keepLocal(request, image);
    }
    Progress progress = new Progress(Activity.getExecutionContext(), "pushing " + image);
    AtomicReference<String> pushError = new AtomicReference<>();
    AtomicReference<String> pushedDigest = new AtomicReference<>();
    StreamingCall<PushResponseItem> call =
        new StreamingCall<>(
            item -> {
              if (item.isErrorIndicated()) {
                pushError.compareAndSet(null, errorOf(item));
              }
              if (item.getAux() != null && item.getAux().getDigest() != null) {
                pushedDigest.set(item.getAux().getDigest());
              }
              progress.line(describe(item));
            });
    PushImageCmd push = docker.pushImageCmd(image.repository()).withTag(image.reference());
    settings
        .registry()
        .credentials()
        .ifPresent(
            login ->
                push.withAuthConfig(
                    new AuthConfig()
                        .withRegistryAddress(image.registry())
                        .withUsername(login.username())
                        .withPassword(login.password())));
    try {
      push.exec(call);
      if (!call.await(settings.pushTimeout(), settings.heartbeatInterval(), progress::beat)) {
        throw new IllegalStateException(
            "docker push of " + image + " did not finish within " + settings.pushTimeout());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while pushing " + image, e);
    } catch (DockerException e) {
      throw pushFailure(image, e.getHttpStatus(), engineMessage(e));
    }
    if (call.failure() != null) {
      throw pushFailure(image, statusOf(call.failure()), engineMessage(call.failure()));
    }
    if (pushError.get() != null) {
      throw pushFailure(image, 0, pushError.get());
    }

    String digest =
        registryDigest(image)
            .orElseThrow(
                () ->
                    new IllegalStateException(
                        "registry does not show " + image + " right after a successful push"));
    if (pushedDigest.get() != null && !pushedDigest.get().equals(digest)) {
      // Another push moved the tag between ours and the lookup: push again on retry.
      throw new IllegalStateException(
          "registry holds "
              + digest
              + " for "
              + image
              + " but the push reported "
              + pushedDigest.get());
    }
    log.info("{}: pushed {} as {}", request.workflowId(), image, digest);
    return new PushResult(digest, image.pinned(digest));
  }

  private PushResult keepLocal(PushRequest request, ImageRef image) {
    String imageId;
    try {
      imageId = docker.inspectImageCmd(image.toString()).exec().getId();
    } catch (NotFoundException e) {
      throw new IllegalStateException(
          "local image "
              + image
              + " is not in this Docker engine (local-image mode builds and runs on one engine:"
              + " was it built by another worker?)",
          e);
    }
    log.info(
        "{}: local-image mode: push of {} skipped, it stays in this engine as {}",
        request.workflowId(),
        image,
        imageId);
    return new PushResult(imageId, image.pinned(imageId));
  }

  /** Closes the Docker client. */
  @Override
  public void close() throws IOException {
    docker.close();
  }

  private String runBuild(
      BuildRequest request,
      ImageRef image,
      Source source,
      String dockerfile,
      Path tar,
      Progress progress) {
    String commit = source.commit().name();
    Map<String, String> labels =
        Map.of(
            LABEL_REVISION, commit,
            LABEL_SOURCE, SourceRepositories.redact(request.sourceRepo()),
            LABEL_WORKFLOW_ID, request.workflowId());
    AtomicReference<String> buildError = new AtomicReference<>();
    StreamingCall<BuildResponseItem> call =
        new StreamingCall<>(
            item -> {
              if (item.isErrorIndicated()) {
                buildError.compareAndSet(null, errorOf(item));
              }
              progress.line(item.getStream());
            });
    String what = "docker build of " + image + " at " + WorkflowIds.shortCommit(commit);
    progress.line("building " + image);
    progress.beat();
    try (InputStream context = Files.newInputStream(tar)) {
      docker
          .buildImageCmd()
          .withTarInputStream(context)
          .withDockerfilePath(dockerfile)
          .withTags(Set.of(image.toString()))
          .withLabels(labels)
          .withPull(false)
          .withForcerm(true) // a failed step leaves no stopped container behind
          .exec(call);
      if (!call.await(settings.buildTimeout(), settings.heartbeatInterval(), progress::beat)) {
        throw new IllegalStateException(what + " did not finish within " + settings.buildTimeout());
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the build context " + tar, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted during " + what, e);
    } catch (DockerException e) {
      throw buildFailure(what, e);
    }
    if (call.failure() != null) {
      throw buildFailure(what, call.failure());
    }
    if (buildError.get() != null) {
      String message = what + " failed: " + buildError.get() + lastLines(progress.recentLines());
      if (isEngineFault(buildError.get())) {
        // The engine lost an image or layer of its own mid-build (e.g. a concurrent prune):
        // not the Dockerfile's fault, and another try rebuilds from what is left.
        throw new IllegalStateException(message);
      }
      throw buildFailed(message);
    }
    try {
      return docker.inspectImageCmd(image.toString()).exec().getId();
    } catch (NotFoundException e) {
      throw new IllegalStateException(what + " ended without an error but left no image", e);
    }
  }

  /** The tree of {@code context} at the commit: the root for {@code .} or empty. */
  private static ObjectId contextTree(Source source, BuildRequest request) {
    String context = normalize(request.context());
    ObjectId root = source.commit().getTree().getId();
    if (context.isEmpty()) {
      return root;
    }
    try (TreeWalk walk = TreeWalk.forPath(source.repository(), context, root)) {
      if (walk == null || walk.getFileMode(0) != FileMode.TREE) {
        throw buildFailed(
            "build context '"
                + context
                + "' is not a directory at commit "
                + WorkflowIds.shortCommit(source.commit().name())
                + " of "
                + SourceRepositories.redact(request.sourceRepo()));
      }
      return walk.getObjectId(0);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the tree of " + request.commit(), e);
    }
  }

  /** The Dockerfile's path inside the context, checked to exist at the commit. */
  private static String dockerfilePath(Source source, ObjectId contextTree, BuildRequest request) {
    String dockerfile = normalize(request.dockerfile());
    if (dockerfile.isEmpty()) {
      dockerfile = "Dockerfile";
    }
    String where =
        " in context '"
            + (normalize(request.context()).isEmpty() ? "." : normalize(request.context()))
            + "' at commit "
            + WorkflowIds.shortCommit(source.commit().name())
            + " of "
            + SourceRepositories.redact(request.sourceRepo());
    if (dockerfile.startsWith("../") || dockerfile.contains("/../")) {
      throw buildFailed(
          "Dockerfile '" + request.dockerfile() + "' points outside the context" + where);
    }
    try (TreeWalk walk = TreeWalk.forPath(source.repository(), dockerfile, contextTree)) {
      if (walk == null || (walk.getRawMode(0) & FileMode.TYPE_MASK) != FileMode.TYPE_FILE) {
        throw buildFailed(
            "Dockerfile '"
                + dockerfile
                + "' not found"
                + where
                + " (set 'dockerfile' in conveyor.yaml, relative to 'context')");
      }
      return dockerfile;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the tree of " + request.commit(), e);
    }
  }

  /** Streams the tree into a tar file under the data dir (JGit archive, no checkout). */
  private Path writeContext(Repository repository, ObjectId tree) {
    try {
      Path dir = Files.createDirectories(settings.dataDir().resolve("build-contexts"));
      Path tar = Files.createTempFile(dir, "context-", ".tar");
      try (OutputStream out = Files.newOutputStream(tar)) {
        new ArchiveCommand(repository).setTree(tree).setFormat(TAR).setOutputStream(out).call();
      } catch (GitAPIException | RuntimeException e) {
        deleteQuietly(tar);
        throw new IllegalStateException("cannot archive tree " + tree.name(), e);
      }
      return tar;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot stage the build context", e);
    }
  }

  private Optional<String> registryDigest(ImageRef image) {
    try {
      return registry.digestOf(image);
    } catch (RegistryException e) {
      if (e.isUnauthorized()) {
        throw ApplicationFailure.newNonRetryableFailure(e.getMessage(), FailureTypes.UNAUTHORIZED);
      }
      if (!e.isTransient()) {
        throw ApplicationFailure.newNonRetryableFailure(e.getMessage(), FailureTypes.REJECTED);
      }
      throw e;
    }
  }

  private static ImageRef parseTag(String tag) {
    try {
      ImageRef image = ImageRef.parse(tag);
      if (image.isDigest()) {
        throw new IllegalArgumentException("'" + tag + "' is a digest, not a tag");
      }
      return image;
    } catch (IllegalArgumentException e) {
      throw ApplicationFailure.newNonRetryableFailure(
          "image tag: " + e.getMessage(), FailureTypes.INVALID_DEFINITIONS);
    }
  }

  /**
   * 4xx from the engine (bad Dockerfile) and a missing Dockerfile are permanent; rest transient.
   */
  private static RuntimeException buildFailure(String what, Throwable failure) {
    String message = engineMessage(failure);
    int status = statusOf(failure);
    if ((status >= 400 && status < 500) || message.contains("Cannot locate specified Dockerfile")) {
      return buildFailed(what + " failed: " + message);
    }
    return new IllegalStateException(what + " failed: " + message, failure);
  }

  private static RuntimeException pushFailure(ImageRef image, int status, String message) {
    String lower = message.toLowerCase(Locale.ROOT);
    String what = "docker push of " + image + " failed: " + message;
    if (status == 401
        || status == 403
        || lower.contains("unauthorized")
        || lower.contains("authentication required")
        || lower.contains("denied")) {
      return ApplicationFailure.newNonRetryableFailure(
          what + " (check the worker's registry login)", FailureTypes.UNAUTHORIZED);
    }
    if (status == 404
        || lower.contains("does not exist locally")
        || lower.contains("no such image")) {
      // Build and push can run on different build hosts; another attempt may land on the builder.
      return new IllegalStateException(what + " (the image was built on another engine?)");
    }
    return new IllegalStateException(what);
  }

  private static ApplicationFailure buildFailed(String message) {
    return ApplicationFailure.newNonRetryableFailure(message, FailureTypes.BUILD_FAILED);
  }

  private static String errorOf(ResponseItem item) {
    if (item.getErrorDetail() != null && item.getErrorDetail().getMessage() != null) {
      return item.getErrorDetail().getMessage().strip();
    }
    return String.valueOf(item.getError()).strip();
  }

  private static String describe(PushResponseItem item) {
    String status = item.getStatus() == null ? "" : item.getStatus();
    return item.getId() == null ? status : item.getId() + ": " + status;
  }

  private static int statusOf(Throwable failure) {
    return failure instanceof DockerException docker ? docker.getHttpStatus() : 0;
  }

  /**
   * Whether an error in the build stream comes from the engine's own image store rather than from
   * the Dockerfile: a cached image or layer that vanished while the build used it.
   */
  static boolean isEngineFault(String error) {
    String lower = error.toLowerCase(Locale.ROOT);
    return lower.startsWith("failed to get digest ")
        || lower.contains("layer does not exist")
        || lower.contains("no such image: sha256:")
        || lower.contains("unknown parent image id");
  }

  /** The engine's own words: docker-java wraps them as {@code Status 400: {"message":"…"}}. */
  static String engineMessage(Throwable failure) {
    String message = String.valueOf(failure.getMessage());
    int brace = message.indexOf('{');
    if (brace >= 0) {
      try {
        JsonNode body = JSON.readTree(message.substring(brace));
        if (body.hasNonNull("message")) {
          return body.get("message").asText().strip();
        }
      } catch (IOException notJson) {
        // fall through to the raw message
      }
    }
    return message.strip();
  }

  private static String lastLines(List<String> lines) {
    return lines.isEmpty() ? "" : " (last output: " + String.join(" | ", lines) + ")";
  }

  private static String normalize(String path) {
    if (path == null) {
      return "";
    }
    String clean = path.strip().replace('\\', '/');
    while (clean.startsWith("./")) {
      clean = clean.substring(2);
    }
    clean = clean.replaceAll("/+$", "").replaceAll("^/+", "");
    return clean.equals(".") ? "" : clean;
  }

  private static void deleteQuietly(Path file) {
    try {
      Files.deleteIfExists(file);
    } catch (IOException ignored) {
      // a stale context tar in the data dir is harmless
    }
  }
}
