package dev.conveyor.worker.testing;

import static dev.conveyor.activities.testing.GitCli.git;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.dockerjava.api.DockerClient;
import dev.conveyor.activities.simulators.ConsulSimulator;
import dev.conveyor.activities.simulators.MarathonSimulator;
import dev.conveyor.activities.testing.BusyboxImages;
import dev.conveyor.activities.testing.DockerRequired;
import dev.conveyor.activities.testing.RepoFile;
import dev.conveyor.activities.testing.SourceRepos;
import dev.conveyor.activities.testing.TestDocker;
import dev.conveyor.workflows.TaskQueues;
import dev.conveyor.workflows.WorkflowIds;
import dev.conveyor.workflows.deploy.DeployRequest;
import dev.conveyor.workflows.deploy.ServiceDeploymentWorkflow;
import dev.conveyor.workflows.rollback.RollbackWorkflow;
import dev.conveyor.workflows.rollback.ServiceRollbackRequest;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowStub;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;

/**
 * Everything one service needs for a deployment through the real worker, made fresh for one test: a
 * unique service name; its source repo (a bare Git repo holding a busybox build context); a config
 * repo with {@code conveyor.yaml} and the service's Marathon app template; a Marathon and a Consul
 * simulator for the {@code prod} environment; a webhook sink for the notification. The {@code qa}
 * environment deploys to the local Docker engine.
 *
 * <p>It also answers the questions every end-to-end test asks afterwards: the config commits a
 * workflow made (git CLI), the digest the real registry holds for the tag, and it removes the
 * images and manifests it caused when closed.
 */
public final class DeploymentWorld implements AutoCloseable {
  /** Images go to {@code <registry>/conveyor-test/<service>}. */
  public static final String REGISTRY_PATH = "conveyor-test";

  public static final String REQUESTED_BY = "e2e-test";

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String MANIFEST_TYPES =
      String.join(
          ", ",
          "application/vnd.docker.distribution.manifest.v2+json",
          "application/vnd.docker.distribution.manifest.list.v2+json",
          "application/vnd.oci.image.manifest.v1+json",
          "application/vnd.oci.image.index.v1+json");

  private final String service;
  private final Path sourceRepo;
  private final Path configRepo;
  private final String definitions;
  private final String registry;
  private final MarathonSimulator marathon;
  private final ConsulSimulator consul;
  private final WebhookSink sink;
  private final String previousImage;
  private final Set<String> tags = new LinkedHashSet<>();

  private DeploymentWorld(Builder b, MarathonSimulator marathon, ConsulSimulator consul) {
    this.service = b.service;
    this.registry = b.registry;
    this.marathon = marathon;
    this.consul = consul;
    this.sink = b.sink;
    this.previousImage = b.previousImage;
    this.sourceRepo =
        SourceRepos.bareWithCommit(b.dir.resolve(service + ".git"), b.context.files()).path();
    Path configDir = b.configRepoDir == null ? b.dir.resolve("config.git") : b.configRepoDir;
    String repoRef = b.configRepoDir == null ? "../" + service + ".git" : sourceRepo.toString();
    String marathonUrl = b.marathonUrl.apply(marathon);
    String notify = b.notifyTarget == null ? sink.url("/hooks/deployments") : b.notifyTarget;
    Map<String, RepoFile> files = new HashMap<>();
    files.put(
        "conveyor.yaml",
        RepoFile.text(
            conveyorYaml(
                service,
                registry,
                marathonUrl,
                consul.url(),
                repoRef,
                notify,
                b.healthTimeout,
                b.bake)));
    files.put("marathon/" + service + ".json", RepoFile.text(appTemplate(service)));
    this.configRepo = SourceRepos.bareWithCommit(configDir, files).path();
    this.definitions = b.definitionsLocation.apply(configRepo);
    if (previousImage != null) {
      consul.put(imageKey("prod"), previousImage);
      ObjectNode live = liveApp(service, previousImage);
      marathon.seed(live);
      if (b.previousCommitted) {
        files.put(
            "marathon/prod/" + service + ".json", RepoFile.text(live.toPrettyString() + "\n"));
        SourceRepos.commit(
            configRepo,
            files,
            "deploy "
                + service
                + " to prod\n\nConveyor-Workflow-Id: "
                + workflowId("prod", "0".repeat(40))
                + "\nConveyor-Image: "
                + previousImage);
      }
    }
  }

  /** The app as it runs with {@code image}: the template with the image set. */
  static ObjectNode liveApp(String service, String image) {
    ObjectNode live = (ObjectNode) readJson(appTemplate(service));
    ((ObjectNode) live.path("container").path("docker")).put("image", image);
    return live;
  }

  /** A world for a new service named {@code <prefix>-<random>}, its repos under {@code dir}. */
  public static Builder builder(Path dir, String prefix) {
    return new Builder(dir, TestDocker.uniqueName(prefix));
  }

  public String service() {
    return service;
  }

  public Path sourceRepo() {
    return sourceRepo;
  }

  public Path configRepo() {
    return configRepo;
  }

  /** The config repo location deployments are given (a path, or a URL when served). */
  public String definitions() {
    return definitions;
  }

  public MarathonSimulator marathon() {
    return marathon;
  }

  public ConsulSimulator consul() {
    return consul;
  }

  public WebhookSink sink() {
    return sink;
  }

  /** The image Consul and Marathon held before (null: a first deployment). */
  public String previousImage() {
    return previousImage;
  }

  /** {@code <registry>/conveyor-test/<service>} as the definitions name it. */
  public String imageRepository() {
    return registry + "/" + REGISTRY_PATH + "/" + service;
  }

  /** The head commit of the source repo's main branch. */
  public String head() {
    return git(sourceRepo, "rev-parse", "main").strip();
  }

  public String workflowId(String env, String commit) {
    return WorkflowIds.deployment(env, service, commit);
  }

  /** {@code conveyor/<env>/<service>/image}. */
  public String imageKey(String env) {
    return "conveyor/" + env + "/" + service + "/image";
  }

  /** {@code conveyor/<env>/<service>/previous}. */
  public String previousKey(String env) {
    return "conveyor/" + env + "/" + service + "/previous";
  }

  /** The request the starter would send for this service at {@code commit}. */
  public DeployRequest request(String env, String commit) {
    return new DeployRequest(definitions, env, service, commit, REQUESTED_BY, false);
  }

  /**
   * Starts {@code rollback/<env>/<service>/<rollbackId>} as {@code ./conveyor rollback --service
   * --env} does (no {@code --to}: the previous version); returns the stub to wait on.
   */
  public WorkflowStub startRollback(
      WorkflowClient client, String env, String rollbackId, String reason, Duration timeout) {
    RollbackWorkflow rollback =
        client.newWorkflowStub(
            RollbackWorkflow.class,
            WorkflowOptions.newBuilder()
                .setWorkflowId(WorkflowIds.rollback(env, service, rollbackId))
                .setTaskQueue(TaskQueues.CONTROL)
                .setWorkflowExecutionTimeout(timeout)
                .build());
    WorkflowClient.start(
        rollback::rollback,
        new ServiceRollbackRequest(definitions, env, service, null, REQUESTED_BY, reason));
    return WorkflowStub.fromTyped(rollback);
  }

  /**
   * The config repo commits on main that roll a version back ({@code Conveyor-Rollback-Of}) for
   * {@code workflowId}, newest first, read with the git CLI.
   */
  public List<String> rollbackCommitsOf(String workflowId) {
    List<String> commits = new ArrayList<>();
    String log =
        git(
            configRepo,
            "log",
            "--format=%H %(trailers:key=Conveyor-Workflow-Id,valueonly,separator=%x2C)"
                + " %(trailers:key=Conveyor-Rollback-Of,valueonly,separator=%x2C)",
            "main");
    for (String line : log.lines().toList()) {
      String[] parts = line.strip().split(" ");
      if (parts.length == 3 && parts[1].equals(workflowId) && !parts[2].isBlank()) {
        commits.add(parts[0]);
      }
    }
    return commits;
  }

  /** Starts the deployment as the starter does; returns the stub to wait on. */
  public WorkflowStub start(WorkflowClient client, String env, String commit, Duration timeout) {
    tags.add(imageRepository() + ":" + commit);
    ServiceDeploymentWorkflow workflow =
        client.newWorkflowStub(
            ServiceDeploymentWorkflow.class,
            WorkflowOptions.newBuilder()
                .setWorkflowId(workflowId(env, commit))
                .setTaskQueue(TaskQueues.CONTROL)
                .setWorkflowExecutionTimeout(timeout)
                .build());
    WorkflowClient.start(workflow::deploy, request(env, commit));
    return WorkflowStub.fromTyped(workflow);
  }

  /**
   * The config repo commits on main whose {@code Conveyor-Workflow-Id} trailer is {@code id},
   * newest first, read with the git CLI.
   */
  public List<String> configCommitsOf(String workflowId) {
    List<String> commits = new ArrayList<>();
    String log =
        git(
            configRepo,
            "log",
            "--format=%H %(trailers:key=Conveyor-Workflow-Id,valueonly,separator=%x2C)",
            "main");
    for (String line : log.lines().toList()) {
      String[] parts = line.strip().split(" ", 2);
      if (parts.length == 2 && parts[1].strip().equals(workflowId)) {
        commits.add(parts[0]);
      }
    }
    return commits;
  }

  /** How many commits main of the config repo has. */
  public int configCommitCount() {
    return Integer.parseInt(git(configRepo, "rev-list", "--count", "main").strip());
  }

  /** The committed app definition of {@code env} at {@code commit}. */
  public JsonNode committedApp(String env, String commit) {
    return readJson(git(configRepo, "show", commit + ":marathon/" + env + "/" + service + ".json"));
  }

  /**
   * {@code Docker-Content-Digest} of the tag in the real registry (not through any proxy), or empty
   * when it does not have it.
   */
  public Optional<String> registryDigest(String tag) {
    return registryDigest(service, tag);
  }

  /**
   * {@code Docker-Content-Digest} of {@code conveyor-test/<service>:<tag>} in the real registry.
   */
  static Optional<String> registryDigest(String service, String tag) {
    OkHttpClient http = new OkHttpClient.Builder().callTimeout(Duration.ofSeconds(10)).build();
    Request head =
        new Request.Builder()
            .url(
                "http://"
                    + DockerRequired.registry()
                    + "/v2/"
                    + REGISTRY_PATH
                    + "/"
                    + service
                    + "/manifests/"
                    + tag)
            .head()
            .header("Accept", MANIFEST_TYPES)
            .build();
    try (Response response = http.newCall(head).execute()) {
      return response.code() == 200
          ? Optional.ofNullable(response.header("Docker-Content-Digest"))
          : Optional.empty();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } finally {
      http.dispatcher().executorService().shutdown();
      http.connectionPool().evictAll();
    }
  }

  /** Removes the service's containers, its image tags and manifests; closes the simulators. */
  @Override
  public void close() {
    try (DockerClient docker = TestDocker.client()) {
      TestDocker.removeContainers(docker, "dev.conveyor.service", service);
      for (String tag : tags) {
        String commit = tag.substring(tag.lastIndexOf(':') + 1);
        registryDigest(commit)
            .ifPresent(d -> TestDocker.deleteFromRegistry(REGISTRY_PATH + "/" + service, d));
        TestDocker.removeImage(docker, tag);
      }
    } catch (IOException | RuntimeException e) {
      // best effort: the registry and engine are shared scratch space
    } finally {
      marathon.close();
      consul.close();
      sink.close();
    }
  }

  /** The {@code conveyor.yaml} of a world: qa on the Docker engine, prod on Marathon + Consul. */
  static String conveyorYaml(
      String service,
      String registry,
      String marathonUrl,
      String consulUrl,
      String repo,
      String notify,
      Duration healthTimeout,
      Duration bake) {
    return String.join(
        "\n",
        "version: 1",
        "registry: " + registry + "/" + REGISTRY_PATH,
        "environments:",
        "  qa:",
        "    target: docker",
        // Short bake windows: tests wait for each deployment's end.
        "    bake: 1s",
        "  prod:",
        "    target: marathon",
        "    bake: " + bake.toSeconds() + "s",
        "    marathon: { url: \"" + marathonUrl + "\" }",
        "    consul: { url: \"" + consulUrl + "\" }",
        "services:",
        "  " + service + ":",
        "    repo: " + repo,
        "    app: marathon/" + service + ".json",
        "    health: { path: "
            + BusyboxImages.HEALTH_PATH
            + ", port: "
            + BusyboxImages.HTTP_PORT
            + ", timeout: "
            + healthTimeout.toSeconds()
            + "s }",
        "notify:",
        "  - { type: webhook, url: \"" + notify + "\" }",
        "");
  }

  /** The service's Marathon app template: one busybox httpd task with an HTTP health check. */
  static String appTemplate(String service) {
    return """
        {
          "id": "/%s",
          "instances": 1,
          "cpus": 0.1,
          "mem": 32,
          "container": {
            "type": "DOCKER",
            "docker": {
              "image": "",
              "network": "BRIDGE",
              "portMappings": [ { "containerPort": %d, "hostPort": 0, "protocol": "tcp" } ]
            }
          },
          "healthChecks": [ { "protocol": "HTTP", "path": "%s", "portIndex": 0 } ]
        }
        """
        .formatted(service, BusyboxImages.HTTP_PORT, BusyboxImages.HEALTH_PATH);
  }

  private static JsonNode readJson(String text) {
    try {
      return JSON.readTree(text);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** How a world is made; every setting has a default that gives a plain, healthy deployment. */
  public static final class Builder {
    private final Path dir;
    private final String service;
    private BusyboxImages.Context context;
    private String registry = DockerRequired.registry();
    private Clock marathonClock = Clock.systemUTC();
    private Duration deploymentDuration = Duration.ofMillis(300);
    private Duration tasksHealthyAfter = Duration.ofMillis(300);
    private Function<MarathonSimulator, String> marathonUrl = MarathonSimulator::url;
    private Function<Path, String> definitionsLocation = Path::toString;
    private Path configRepoDir;
    private String notifyTarget;
    private String previousImage;
    private Duration healthTimeout = Duration.ofSeconds(45);
    private WebhookSink sink;
    private Duration bake = Duration.ofSeconds(1);
    private boolean previousCommitted;

    private Builder(Path dir, String service) {
      this.dir = dir;
      this.service = service;
      this.context = BusyboxImages.context().withVersion(service);
    }

    public String service() {
      return service;
    }

    /** The source repo's build context (default: the standard busybox image, version=service). */
    public Builder context(BusyboxImages.Context context) {
      this.context = context;
      return this;
    }

    /** The registry {@code host:port} the definitions name (default: the test registry). */
    public Builder registry(String hostPort) {
      this.registry = hostPort;
      return this;
    }

    /** Marathon's clock (default: the system clock); a {@code SimClock} stops time. */
    public Builder marathonClock(Clock clock) {
      this.marathonClock = clock;
      return this;
    }

    public Builder deploymentDuration(Duration duration) {
      this.deploymentDuration = duration;
      return this;
    }

    public Builder tasksHealthyAfter(Duration delay) {
      this.tasksHealthyAfter = delay;
      return this;
    }

    /** The Marathon URL the definitions name, given the simulator (e.g. a proxy in front). */
    public Builder marathonUrl(Function<MarathonSimulator, String> url) {
      this.marathonUrl = url;
      return this;
    }

    /** The config repo goes to {@code repoDir} and is given to deployments as {@code location}. */
    public Builder configRepo(Path repoDir, String location) {
      this.configRepoDir = repoDir;
      this.definitionsLocation = path -> location;
      return this;
    }

    /** The webhook notifier's {@code url} as written in conveyor.yaml (e.g. an env reference). */
    public Builder notifyTarget(String target) {
      this.notifyTarget = target;
      return this;
    }

    /** Consul and Marathon already hold this image: the deployment replaces it. */
    public Builder previousImage(String image) {
      this.previousImage = image;
      return this;
    }

    /** A previous image in this world's own repository, with a made-up digest. */
    public Builder withPreviousImage() {
      return previousImage(
          registry + "/" + REGISTRY_PATH + "/" + service + "@sha256:" + "0".repeat(63) + "1");
    }

    /**
     * Like {@link #withPreviousImage}, and the config repo holds that version too, committed as an
     * earlier deployment would have (so a rollback has a version to restore).
     */
    public Builder withPreviousDeployment() {
      this.previousCommitted = true;
      return withPreviousImage();
    }

    /** The prod environment's bake window (default 1 s: tests wait for the deployment's end). */
    public Builder bake(Duration window) {
      this.bake = window;
      return this;
    }

    public Builder healthTimeout(Duration timeout) {
      this.healthTimeout = timeout;
      return this;
    }

    /** The webhook sink (default: a new one). */
    public Builder sink(WebhookSink sink) {
      this.sink = sink;
      return this;
    }

    public DeploymentWorld build() {
      MarathonSimulator marathon =
          MarathonSimulator.start(marathonClock)
              .deploymentDuration(deploymentDuration)
              .tasksHealthyAfter(tasksHealthyAfter);
      ConsulSimulator consul = ConsulSimulator.start();
      if (sink == null) {
        sink = WebhookSink.start();
      }
      try {
        return new DeploymentWorld(this, marathon, consul);
      } catch (RuntimeException e) {
        marathon.close();
        consul.close();
        sink.close();
        throw e;
      }
    }
  }
}
