package dev.conveyor.worker.testing;

import static dev.conveyor.activities.testing.GitCli.git;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
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
import dev.conveyor.workflows.release.ReleaseRequest;
import dev.conveyor.workflows.release.StackReleaseWorkflow;
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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A stack of services in a chain for a release through the real worker, made fresh for one test:
 * service {@code i} depends on service {@code i-1}; each has its own source repo (a busybox build
 * context of its own version); one config repo holds {@code conveyor.yaml} (the stack, environment
 * {@code prod} on a Marathon and a Consul simulator, a 1 s bake window) and every app template; one
 * webhook sink receives every notification. Each service is already live at an older image (Consul
 * and Marathon hold it), so {@code …/previous} has something to get right.
 *
 * <p>Like {@link DeploymentWorld} it answers the questions asked afterwards (config commits by
 * workflow id with the git CLI, registry digests) and removes what it caused when closed.
 */
public final class StackWorld implements AutoCloseable {
  public static final String ENV = "prod";

  private static final ObjectMapper JSON = new ObjectMapper();

  private final String stack;
  private final List<String> services;
  private final Map<String, String> heads = new LinkedHashMap<>();
  private final Path configRepo;
  private final MarathonSimulator marathon;
  private final ConsulSimulator consul;
  private final WebhookSink sink;

  private StackWorld(Path dir, String stack, int size, Clock marathonClock) {
    this.stack = stack;
    List<String> names = new ArrayList<>();
    for (int i = 0; i < size; i++) {
      names.add(stack + "-" + (char) ('a' + i));
    }
    this.services = List.copyOf(names);
    this.marathon =
        MarathonSimulator.start(marathonClock)
            .deploymentDuration(Duration.ofMillis(300))
            .tasksHealthyAfter(Duration.ofMillis(300));
    this.consul = ConsulSimulator.start();
    this.sink = WebhookSink.start();
    Map<String, RepoFile> config = new HashMap<>();
    for (String service : services) {
      heads.put(
          service,
          SourceRepos.bareWithCommit(
                  dir.resolve(service + ".git"),
                  BusyboxImages.context().withVersion(service).files())
              .commit());
      config.put(
          "marathon/" + service + ".json", RepoFile.text(DeploymentWorld.appTemplate(service)));
      consul.put(imageKey(service), previousImage(service));
      marathon.seed(DeploymentWorld.liveApp(service, previousImage(service)));
    }
    config.put("conveyor.yaml", RepoFile.text(conveyorYaml()));
    this.configRepo = SourceRepos.bareWithCommit(dir.resolve("config.git"), config).path();
  }

  /**
   * A chain of {@code size} services named {@code <prefix>-<random>-a}, {@code …-b}, … in the stack
   * {@code <prefix>-<random>}; Marathon follows {@code marathonClock}.
   */
  public static StackWorld chain(Path dir, String prefix, int size, Clock marathonClock) {
    return new StackWorld(dir, TestDocker.uniqueName(prefix), size, marathonClock);
  }

  public String stack() {
    return stack;
  }

  /** The services in dependency order: each depends on the one before it. */
  public List<String> services() {
    return services;
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

  /** The head of the service's source repo: what the release deploys. */
  public String head(String service) {
    return heads.get(service);
  }

  /** The id of the service's deployment in the release (a child workflow). */
  public String deploymentId(String service) {
    return WorkflowIds.deployment(ENV, service, head(service));
  }

  public String releaseId(String releaseId) {
    return WorkflowIds.release(ENV, stack, releaseId);
  }

  public String imageRepository(String service) {
    return DockerRequired.registry() + "/" + DeploymentWorld.REGISTRY_PATH + "/" + service;
  }

  /** The image live before the release, with a made-up digest. */
  public String previousImage(String service) {
    return imageRepository(service) + "@sha256:" + "0".repeat(63) + "2";
  }

  public String imageKey(String service) {
    return "conveyor/" + ENV + "/" + service + "/image";
  }

  public String previousKey(String service) {
    return "conveyor/" + ENV + "/" + service + "/previous";
  }

  /** Starts {@code release/prod/<stack>/<releaseId>} of the whole stack as the starter does. */
  public WorkflowStub startRelease(WorkflowClient client, String releaseId, Duration timeout) {
    StackReleaseWorkflow release =
        client.newWorkflowStub(
            StackReleaseWorkflow.class,
            WorkflowOptions.newBuilder()
                .setWorkflowId(releaseId(releaseId))
                .setTaskQueue(TaskQueues.CONTROL)
                .setWorkflowExecutionTimeout(timeout)
                .build());
    WorkflowClient.start(
        release::release,
        new ReleaseRequest(
            configRepo.toString(),
            ENV,
            stack,
            List.of(),
            Map.of(),
            DeploymentWorld.REQUESTED_BY,
            false,
            0,
            0));
    return WorkflowStub.fromTyped(release);
  }

  /** Config repo commits on main whose {@code Conveyor-Workflow-Id} is {@code workflowId} (git). */
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

  public int configCommitCount() {
    return Integer.parseInt(git(configRepo, "rev-list", "--count", "main").strip());
  }

  /** The committed app definition of the service at {@code commit}. */
  public JsonNode committedApp(String service, String commit) {
    try {
      return JSON.readTree(
          git(configRepo, "show", commit + ":marathon/" + ENV + "/" + service + ".json"));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The digest the real registry holds for the service's tag (not through any proxy). */
  public Optional<String> registryDigest(String service, String tag) {
    return DeploymentWorld.registryDigest(service, tag);
  }

  @Override
  public void close() {
    try (DockerClient docker = TestDocker.client()) {
      for (String service : services) {
        String tag = head(service);
        registryDigest(service, tag)
            .ifPresent(
                d ->
                    TestDocker.deleteFromRegistry(
                        DeploymentWorld.REGISTRY_PATH + "/" + service, d));
        TestDocker.removeImage(docker, imageRepository(service) + ":" + tag);
      }
    } catch (IOException | RuntimeException e) {
      // best effort: the registry and engine are shared scratch space
    } finally {
      marathon.close();
      consul.close();
      sink.close();
    }
  }

  private String conveyorYaml() {
    List<String> lines = new ArrayList<>();
    lines.add("version: 1");
    lines.add("registry: " + DockerRequired.registry() + "/" + DeploymentWorld.REGISTRY_PATH);
    lines.add("environments:");
    lines.add("  " + ENV + ":");
    lines.add("    target: marathon");
    lines.add("    bake: 1s");
    lines.add("    marathon: { url: \"" + marathon.url() + "\" }");
    lines.add("    consul: { url: \"" + consul.url() + "\" }");
    lines.add("services:");
    for (int i = 0; i < services.size(); i++) {
      String service = services.get(i);
      lines.add("  " + service + ":");
      lines.add("    repo: ../" + service + ".git");
      lines.add("    app: marathon/" + service + ".json");
      lines.add(
          "    health: { path: "
              + BusyboxImages.HEALTH_PATH
              + ", port: "
              + BusyboxImages.HTTP_PORT
              + ", timeout: 3m }");
      if (i > 0) {
        lines.add("    dependsOn: [" + services.get(i - 1) + "]");
      }
    }
    lines.add("stacks:");
    lines.add("  " + stack + ": [" + String.join(", ", services) + "]");
    lines.add("notify:");
    lines.add("  - { type: webhook, url: \"" + sink.url("/hooks/deployments") + "\" }");
    lines.add("");
    return String.join("\n", lines);
  }
}
