package dev.conveyor.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.dockerjava.api.DockerClient;
import dev.conveyor.activities.build.BuildActivitiesImpl;
import dev.conveyor.activities.build.BuildSettings;
import dev.conveyor.activities.docker.DockerTarget;
import dev.conveyor.activities.docker.DockerTargetSettings;
import dev.conveyor.activities.gitops.ConfigRepo;
import dev.conveyor.activities.gitops.GitOpsActivitiesImpl;
import dev.conveyor.activities.gitops.GitOpsSettings;
import dev.conveyor.activities.kv.KvActivitiesImpl;
import dev.conveyor.activities.kv.KvSettings;
import dev.conveyor.activities.notify.NotifyActivitiesImpl;
import dev.conveyor.activities.notify.NotifySettings;
import dev.conveyor.activities.resolve.ResolveActivitiesImpl;
import dev.conveyor.activities.target.DeployActivitiesImpl;
import dev.conveyor.activities.testing.BusyboxImages;
import dev.conveyor.activities.testing.RepoFile;
import dev.conveyor.activities.testing.SourceRepos;
import dev.conveyor.activities.testing.TestDocker;
import dev.conveyor.workflows.deploy.DeployResult;
import dev.conveyor.workflows.deploy.StepStatus;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Benchmark 3: one commit deployed twice to a {@code docker} environment with the real activities
 * (build and push on the Docker engine and the registry, config repo commit, file KV, Docker target
 * with its HTTP health check), as the worker wires them. The second run must reuse the image and
 * change nothing; the result is the time from its start until its last step ended (the workflow
 * then stays open for the environment's bake window, 1 s here, the shortest the definitions allow).
 * Needs the engine and the registry (scripts/start-services.sh); leaves no container, image or
 * manifest behind.
 */
final class NoopRedeployScenario {
  private static final ObjectMapper JSON = new ObjectMapper();

  record Params(String registry) {
    Map<String, Object> asMap() {
      Map<String, Object> map = new LinkedHashMap<>();
      map.put("registry", registry);
      map.put("target", "docker (local engine)");
      map.put("image", "FROM scratch + busybox httpd (BusyboxImages)");
      map.put("healthPoll", "1s (worker default)");
      return map;
    }
  }

  Map<String, Object> run(Params p) throws Exception {
    Path dir = Files.createTempDirectory("conveyor-bench-noop");
    String service = TestDocker.uniqueName("bench-noop");
    SourceRepos.SourceRepo source =
        SourceRepos.bareWithCommit(dir.resolve(service + ".git"), BusyboxImages.context().files());
    Path config =
        SourceRepos.bareWithCommit(
                dir.resolve("config.git"),
                Map.of(
                    "conveyor.yaml",
                    RepoFile.text(conveyorYaml(service, p.registry(), "../" + service + ".git")),
                    "marathon/" + service + ".json",
                    RepoFile.text(appTemplate(service))))
            .path();
    Path data = Files.createDirectories(dir.resolve("data"));
    GitOpsSettings gitops = GitOpsSettings.defaults(data);
    BuildActivitiesImpl build = new BuildActivitiesImpl(BuildSettings.defaults(data));
    DockerTarget docker = new DockerTarget(DockerTargetSettings.defaults());
    DeployActivitiesImpl deploy =
        new DeployActivitiesImpl(
            List.of(docker),
            (definitions, commit, path) -> read(definitions, commit, path, gitops),
            HealthReactionScenario.WORKER_POLL);
    Map<String, Object> result = new LinkedHashMap<>();
    String[] digest = new String[1];
    try (BenchServer server =
        new BenchServer(
            WorkerTuning.workerDefaults(),
            build,
            new ResolveActivitiesImpl(gitops),
            new KvActivitiesImpl(KvSettings.of(data, null)),
            new GitOpsActivitiesImpl(gitops),
            deploy,
            new NotifyActivitiesImpl(NotifySettings.defaults()))) {
      long t0Millis = System.currentTimeMillis();
      long t0 = System.nanoTime();
      DeployResult first =
          OverheadScenario.deploy(
              server.client(), config.toString(), "qa", service, source.commit());
      long firstMillis = (System.nanoTime() - t0) / 1_000_000;
      digest[0] = first.digest();
      long t1Millis = System.currentTimeMillis();
      long t1 = System.nanoTime();
      DeployResult second =
          OverheadScenario.deploy(
              server.client(), config.toString(), "qa", service, source.commit());
      long secondMillis = (System.nanoTime() - t1) / 1_000_000;
      result.put("firstUntilDoneMillis", lastStepEnd(first) - t0Millis);
      result.put("secondUntilDoneMillis", lastStepEnd(second) - t1Millis);
      result.put("firstWorkflowMillis", firstMillis);
      result.put("secondWorkflowMillis", secondMillis);
      result.put("bakeWindowMillis", 1000);
      result.put("secondReusedImage", second.reused());
      result.put("sameDigest", first.digest().equals(second.digest()));
      result.put("sameConfigCommit", first.configCommit().equals(second.configCommit()));
      Map<String, Object> steps = new LinkedHashMap<>();
      for (StepStatus s : second.steps()) {
        steps.put(s.step().label(), s.state() + " " + s.millis() + " ms: " + s.detail());
      }
      result.put("secondSteps", steps);
    } finally {
      docker.close();
      build.close();
      cleanUp(
          service, p.registry() + "/conveyor-bench/" + service + ":" + source.commit(), digest[0]);
    }
    return result;
  }

  /** When the last step (notify) ended: the deployment is done; the bake window follows. */
  private static long lastStepEnd(DeployResult result) {
    return result.steps().stream().mapToLong(StepStatus::endedAt).max().orElse(0);
  }

  private static ObjectNode read(
      String definitions, String commit, String path, GitOpsSettings settings) {
    byte[] content =
        ConfigRepo.open(definitions, settings)
            .readAt(commit, path)
            .orElseThrow(() -> new IllegalStateException(path + " missing at " + commit));
    try {
      return (ObjectNode) JSON.readTree(content);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  private static void cleanUp(String service, String tag, String digest) {
    try (DockerClient client = TestDocker.client()) {
      TestDocker.removeContainers(client, "dev.conveyor.service", service);
      if (digest != null) {
        TestDocker.deleteFromRegistry("conveyor-bench/" + service, digest);
      }
      TestDocker.removeImage(client, tag);
    } catch (IOException | RuntimeException e) {
      System.err.println("cleanup of " + service + ": " + e.getMessage());
    }
  }

  static String conveyorYaml(String service, String registry, String repo) {
    return String.join(
        "\n",
        "version: 1",
        "registry: " + registry + "/conveyor-bench",
        "environments:",
        "  qa:",
        "    target: docker",
        "    bake: 1s",
        "services:",
        "  " + service + ":",
        "    repo: " + repo,
        "    app: marathon/" + service + ".json",
        "    health: { path: "
            + BusyboxImages.HEALTH_PATH
            + ", port: "
            + BusyboxImages.HTTP_PORT
            + ", timeout: 60s }",
        "");
  }

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
}
