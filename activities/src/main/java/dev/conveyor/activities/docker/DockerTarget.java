package dev.conveyor.activities.docker;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.command.InspectContainerResponse;
import com.github.dockerjava.api.command.InspectContainerResponse.ContainerState;
import com.github.dockerjava.api.command.PullImageCmd;
import com.github.dockerjava.api.command.PullImageResultCallback;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.exception.NotModifiedException;
import com.github.dockerjava.api.model.AuthConfig;
import com.github.dockerjava.api.model.Container;
import com.github.dockerjava.api.model.ExposedPort;
import com.github.dockerjava.api.model.HostConfig;
import com.github.dockerjava.api.model.PortBinding;
import com.github.dockerjava.api.model.Ports;
import com.github.dockerjava.api.model.RestartPolicy;
import dev.conveyor.activities.registry.ImageRef;
import dev.conveyor.activities.target.DeployTarget;
import dev.conveyor.workflows.steps.DeployActivities.FinishRequest;
import dev.conveyor.workflows.steps.DeployActivities.FinishResult;
import dev.conveyor.workflows.steps.DeployActivities.TargetDeployment;
import dev.conveyor.workflows.steps.DeployActivities.TargetRequest;
import dev.conveyor.workflows.steps.FailureTypes;
import dev.conveyor.workflows.steps.TargetHealthActivities.LiveReport;
import io.temporal.failure.ApplicationFailure;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The local deploy target (the embedded default): runs the digest-pinned image as a container on
 * the worker's Docker engine, start-first.
 *
 * <p>Each deployment is a new container named {@code conveyor-<env>-<service>-<n>}, where {@code n}
 * (the generation, also in the label {@code dev.conveyor.generation}) is one more than the highest
 * generation among that env/service's containers, running or stopped; with none left it starts
 * again at 1. The container port is the health port, published on 127.0.0.1 at a host port the
 * engine picks; restart policy {@code unless-stopped}. The previous containers keep serving until
 * {@link #finish} retires them after a successful health gate, or removes the new one after a
 * failed gate.
 *
 * <p>Idempotency: {@link #deploy} finds a container labelled with the same workflow id and digest
 * and returns it ({@code alreadyLive}, started again if it was stopped) instead of creating
 * another; {@link #check} only reads; {@link #finish} treats containers that are already gone as
 * removed.
 */
public final class DockerTarget implements DeployTarget, AutoCloseable {
  public static final String KIND = "docker";

  static final String LABEL_SERVICE = "dev.conveyor.service";
  static final String LABEL_ENV = "dev.conveyor.env";
  static final String LABEL_COMMIT = "dev.conveyor.commit";
  static final String LABEL_DIGEST = "dev.conveyor.digest";
  static final String LABEL_WORKFLOW_ID = "dev.conveyor.workflow-id";
  static final String LABEL_GENERATION = "dev.conveyor.generation";

  /** The pinned image as deployed: what {@link #live} reports, also for local images. */
  static final String LABEL_IMAGE = "dev.conveyor.image";

  private static final Logger log = LoggerFactory.getLogger(DockerTarget.class);

  private final DockerTargetSettings settings;
  private final DockerClient docker;
  private final OkHttpClient http;

  /** Opens a Docker client from {@code settings}; {@link #close} it. */
  public DockerTarget(DockerTargetSettings settings) {
    this.settings = settings;
    this.docker = DockerClients.open(settings.docker());
    this.http =
        new OkHttpClient.Builder()
            .callTimeout(settings.healthRequestTimeout())
            .connectTimeout(settings.healthRequestTimeout())
            .readTimeout(settings.healthRequestTimeout())
            .followRedirects(false) // 3xx counts as healthy, as in Marathon's HTTP checks
            .retryOnConnectionFailure(false)
            .build();
  }

  @Override
  public String kind() {
    return KIND;
  }

  @Override
  public TargetDeployment deploy(TargetRequest request, ObjectNode app) {
    String digest = digestOf(request.pinnedImage());
    Optional<Container> existing =
        containers(
                Map.of(
                    LABEL_ENV, request.env(),
                    LABEL_SERVICE, request.service(),
                    LABEL_WORKFLOW_ID, request.workflowId(),
                    LABEL_DIGEST, digest))
            .stream()
            .findFirst();
    if (existing.isPresent()) {
      String id = existing.get().getId();
      if (!"running".equals(existing.get().getState())) {
        startQuietly(id);
      }
      InspectContainerResponse container = docker.inspectContainerCmd(id).exec();
      log.info("{}: {} already runs {}", request.workflowId(), name(container), digest);
      return new TargetDeployment(name(container), id, endpoint(container, request), true);
    }

    int generation = nextGeneration(request);
    String name = "conveyor-" + request.env() + "-" + request.service() + "-" + generation;
    Map<String, String> labels = new HashMap<>();
    labels.put(LABEL_ENV, request.env());
    labels.put(LABEL_SERVICE, request.service());
    labels.put(LABEL_COMMIT, request.commit());
    labels.put(LABEL_DIGEST, digest);
    labels.put(LABEL_WORKFLOW_ID, request.workflowId());
    labels.put(LABEL_GENERATION, Integer.toString(generation));
    labels.put(LABEL_IMAGE, request.pinnedImage());
    String id;
    if (ImageRef.isLocal(request.pinnedImage())) {
      id = createLocal(request, app, name, labels, digest);
    } else {
      try {
        id = create(request, app, name, labels, request.pinnedImage());
      } catch (NotFoundException missingImage) {
        pull(request.pinnedImage());
        id = create(request, app, name, labels, request.pinnedImage());
      }
    }
    docker.startContainerCmd(id).exec();
    InspectContainerResponse container = docker.inspectContainerCmd(id).exec();
    log.info("{}: started {} ({})", request.workflowId(), name, request.pinnedImage());
    return new TargetDeployment(name, id, endpoint(container, request), false);
  }

  @Override
  public HealthSnapshot check(TargetRequest request, TargetDeployment deployment) {
    String name = deployment.deploymentId();
    InspectContainerResponse container;
    try {
      container = docker.inspectContainerCmd(name).exec();
    } catch (NotFoundException e) {
      return new HealthSnapshot(0, 1, false, "container " + name + " not found");
    }
    ContainerState state = container.getState();
    if (!Boolean.TRUE.equals(state.getRunning()) || Boolean.TRUE.equals(state.getRestarting())) {
      return new HealthSnapshot(0, 1, false, "container " + name + " " + describe(state));
    }
    String endpoint = endpoint(container, request);
    String path = healthPath(request);
    if (endpoint == null) {
      return new HealthSnapshot(
          0,
          1,
          false,
          "container " + name + " running, port " + request.health().port() + " not published");
    }
    String outcome;
    boolean healthy;
    try (Response response =
        http.newCall(new Request.Builder().url(endpoint + path).get().build()).execute()) {
      healthy = response.code() >= 200 && response.code() < 400;
      outcome = Integer.toString(response.code());
    } catch (IOException e) {
      healthy = false;
      outcome = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }
    return new HealthSnapshot(
        healthy ? 1 : 0,
        1,
        healthy,
        "container " + name + " running, GET " + path + " -> " + outcome);
  }

  /**
   * The running containers labelled with the env and service, whoever started them: healthy when
   * the newest generation runs and answers its health check (older generations still running are
   * the previous version, kept until a rollout finishes). Unreachable engine: transient.
   */
  @Override
  public LiveReport live(TargetRequest request) {
    List<Container> all =
        containers(Map.of(LABEL_ENV, request.env(), LABEL_SERVICE, request.service()));
    List<Container> running = all.stream().filter(c -> "running".equals(c.getState())).toList();
    if (running.isEmpty()) {
      return new LiveReport(
          false,
          0,
          1,
          null,
          all.isEmpty()
              ? "not deployed on " + request.env() + " (no container of " + request.service() + ")"
              : "no running container of "
                  + request.service()
                  + " on "
                  + request.env()
                  + " ("
                  + all.size()
                  + " stopped)");
    }
    Container newest =
        running.stream()
            .max(Comparator.comparingInt(c -> generation(c.getLabels(), containerName(c))))
            .orElseThrow();
    String name = containerName(newest);
    HealthSnapshot seen = check(request, new TargetDeployment(name, newest.getId(), null, false));
    String image = newest.getImage();
    Map<String, String> labels = newest.getLabels();
    if (labels != null && labels.get(LABEL_IMAGE) != null) {
      image = labels.get(LABEL_IMAGE);
    } else if (labels != null
        && labels.get(LABEL_DIGEST) != null
        && image != null
        && !image.contains("@")) {
      image = image + "@" + labels.get(LABEL_DIGEST);
    }
    return new LiveReport(seen.done(), seen.healthy(), 1, image, seen.summary());
  }

  @Override
  public FinishResult finish(FinishRequest request) {
    TargetRequest target = request.target();
    String name = request.deployment().deploymentId();
    if (!request.succeeded()) {
      // The new version failed its gate: nothing to drain, so no graceful stop.
      boolean removed = remove(name, false);
      return new FinishResult(
          (removed ? "removed " + name : name + " already gone")
              + "; the previous version keeps serving");
    }
    int ours;
    try {
      ours = generation(docker.inspectContainerCmd(name).exec().getConfig().getLabels(), name);
    } catch (NotFoundException e) {
      // Without the new container, retiring the old ones would leave nothing serving.
      return new FinishResult(name + " not found; older containers left running");
    }
    List<String> retired = new ArrayList<>();
    for (Container older :
        containers(Map.of(LABEL_ENV, target.env(), LABEL_SERVICE, target.service()))) {
      String olderName = containerName(older);
      if (generation(older.getLabels(), olderName) < ours && remove(older.getId(), true)) {
        retired.add(olderName);
      }
    }
    retired.sort(Comparator.naturalOrder());
    return new FinishResult(
        retired.isEmpty()
            ? "no older containers to remove"
            : "removed " + String.join(", ", retired));
  }

  /** Closes the Docker client. */
  @Override
  public void close() throws IOException {
    docker.close();
  }

  /**
   * Local-image mode ({@code local/<service>@sha256:<image id>}): the engine runs the image by its
   * id, and never pulls it: it was never pushed anywhere. Missing here means it was built on
   * another engine, which no retry fixes.
   */
  private String createLocal(
      TargetRequest request, ObjectNode app, String name, Map<String, String> labels, String id) {
    try {
      return create(request, app, name, labels, id);
    } catch (NotFoundException missingImage) {
      throw ApplicationFailure.newNonRetryableFailure(
          "local image "
              + request.pinnedImage()
              + " is not in this Docker engine: an environment with registry: local builds and"
              + " runs on the same engine (one worker serving both task queues, or build workers"
              + " sharing the target's engine)",
          FailureTypes.REJECTED);
    }
  }

  private String create(
      TargetRequest request,
      ObjectNode app,
      String name,
      Map<String, String> labels,
      String image) {
    ExposedPort port = ExposedPort.tcp(request.health().port());
    return docker
        .createContainerCmd(image)
        .withName(name)
        .withLabels(labels)
        .withEnv(environment(app))
        .withExposedPorts(port)
        .withHostConfig(
            HostConfig.newHostConfig()
                .withPortBindings(
                    new PortBinding(Ports.Binding.bindIp(settings.publishAddress()), port))
                .withRestartPolicy(RestartPolicy.unlessStoppedRestart()))
        .exec()
        .getId();
  }

  private void pull(String pinnedImage) {
    int at = pinnedImage.indexOf('@');
    PullImageCmd pull =
        docker.pullImageCmd(pinnedImage.substring(0, at)).withTag(pinnedImage.substring(at + 1));
    settings
        .pullCredentials()
        .ifPresent(
            login ->
                pull.withAuthConfig(
                    new AuthConfig()
                        .withRegistryAddress(pinnedImage.substring(0, pinnedImage.indexOf('/')))
                        .withUsername(login.username())
                        .withPassword(login.password())));
    try {
      if (!pull.exec(new PullImageResultCallback())
          .awaitCompletion(settings.pullTimeout().toMillis(), TimeUnit.MILLISECONDS)) {
        throw new IllegalStateException(
            "pull of " + pinnedImage + " did not finish within " + settings.pullTimeout());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while pulling " + pinnedImage, e);
    }
  }

  /** Marathon's {@code env} of plain strings becomes the container's environment. */
  private static List<String> environment(ObjectNode app) {
    List<String> env = new ArrayList<>();
    JsonNode vars = app == null ? null : app.get("env");
    if (vars != null && vars.isObject()) {
      for (Iterator<Map.Entry<String, JsonNode>> it = vars.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> var = it.next();
        if (var.getValue().isTextual()) {
          env.add(var.getKey() + "=" + var.getValue().asText());
        }
      }
    }
    return env;
  }

  private int nextGeneration(TargetRequest request) {
    int highest = 0;
    for (Container c :
        containers(Map.of(LABEL_ENV, request.env(), LABEL_SERVICE, request.service()))) {
      highest = Math.max(highest, generation(c.getLabels(), containerName(c)));
    }
    return highest + 1;
  }

  /** The generation label, or the name's numeric suffix for containers without it. */
  private static int generation(Map<String, String> labels, String name) {
    String value = labels == null ? null : labels.get(LABEL_GENERATION);
    if (value == null && name != null) {
      value = name.substring(name.lastIndexOf('-') + 1);
    }
    try {
      return value == null ? 0 : Integer.parseInt(value);
    } catch (NumberFormatException e) {
      return 0;
    }
  }

  private List<Container> containers(Map<String, String> labels) {
    return docker.listContainersCmd().withShowAll(true).withLabelFilter(labels).exec();
  }

  /**
   * Removes a container, first stopping it gracefully (SIGTERM, then SIGKILL after the stop
   * timeout) when {@code drain}; false when it was already gone.
   */
  private boolean remove(String idOrName, boolean drain) {
    if (drain) {
      try {
        docker
            .stopContainerCmd(idOrName)
            .withTimeout((int) Math.max(0, settings.stopTimeout().toSeconds()))
            .exec();
      } catch (NotModifiedException alreadyStopped) {
        // fine: remove it below
      } catch (NotFoundException gone) {
        return false;
      }
    }
    try {
      docker.removeContainerCmd(idOrName).withForce(true).withRemoveVolumes(true).exec();
      return true;
    } catch (NotFoundException gone) {
      return false;
    }
  }

  private void startQuietly(String id) {
    try {
      docker.startContainerCmd(id).exec();
    } catch (NotModifiedException alreadyRunning) {
      // started meanwhile
    }
  }

  /** {@code http://<publishAddress>:<hostPort>}, or null when the port is not published (yet). */
  private static String endpoint(InspectContainerResponse container, TargetRequest request) {
    if (container.getNetworkSettings() == null
        || container.getNetworkSettings().getPorts() == null) {
      return null;
    }
    Ports.Binding[] bindings =
        container
            .getNetworkSettings()
            .getPorts()
            .getBindings()
            .get(ExposedPort.tcp(request.health().port()));
    if (bindings == null || bindings.length == 0 || bindings[0].getHostPortSpec() == null) {
      return null;
    }
    String host = bindings[0].getHostIp();
    if (host == null || host.isEmpty() || host.equals("0.0.0.0")) {
      host = "127.0.0.1";
    }
    return "http://" + host + ":" + bindings[0].getHostPortSpec();
  }

  private static String describe(ContainerState state) {
    Long code = state.getExitCodeLong();
    if (Boolean.TRUE.equals(state.getRestarting())) {
      return "restarting (exit code " + code + ")";
    }
    String status = state.getStatus() == null ? "not running" : state.getStatus();
    if (status.equals("exited") || status.equals("dead")) {
      return status + " (code " + code + ")";
    }
    return status;
  }

  private static String healthPath(TargetRequest request) {
    String path = request.health().path();
    if (path == null || path.isBlank()) {
      return "/";
    }
    return path.startsWith("/") ? path : "/" + path;
  }

  private static String digestOf(String pinnedImage) {
    int at = pinnedImage == null ? -1 : pinnedImage.indexOf('@');
    if (at < 0) {
      throw ApplicationFailure.newNonRetryableFailure(
          "image '" + pinnedImage + "' is not pinned to a digest (<repository>@sha256:…)",
          FailureTypes.REJECTED);
    }
    return pinnedImage.substring(at + 1);
  }

  private static String name(InspectContainerResponse container) {
    String name = container.getName();
    return name != null && name.startsWith("/") ? name.substring(1) : name;
  }

  private static String containerName(Container container) {
    String[] names = container.getNames();
    if (names == null || names.length == 0) {
      return container.getId();
    }
    return names[0].startsWith("/") ? names[0].substring(1) : names[0];
  }
}
