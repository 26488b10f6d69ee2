package dev.conveyor.bench;

import dev.conveyor.workflows.TaskQueues;
import dev.conveyor.workflows.WorkflowIds;
import dev.conveyor.workflows.deploy.DeployRequest;
import dev.conveyor.workflows.deploy.DeployResult;
import dev.conveyor.workflows.deploy.ServiceDeploymentWorkflow;
import dev.conveyor.workflows.release.ReleaseRequest;
import dev.conveyor.workflows.release.ReleaseResult;
import dev.conveyor.workflows.release.StackReleaseWorkflow;
import io.temporal.api.enums.v1.EventType;
import io.temporal.api.history.v1.HistoryEvent;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Benchmark 1: a generated stack released by the real {@code StackReleaseWorkflowImpl} (every
 * member a real {@code ServiceDeploymentWorkflowImpl} child in its real lane), against the critical
 * path computed from the DAG and the step times, and against the same services deployed one after
 * another.
 */
final class OverheadScenario {
  record Params(
      int services,
      int depth,
      long seed,
      double scale,
      boolean sequential,
      int buildConcurrency,
      int warmup,
      double warmupScale,
      boolean warmupOwnServer,
      WorkerTuning tuning) {

    Map<String, Object> asMap() {
      Map<String, Object> map = new LinkedHashMap<>();
      map.put("services", services);
      map.put("depth", depth);
      map.put("seed", seed);
      map.put("scale", scale);
      map.put("stepMillis", StepDurations.issueExample().scaled(scale).asMap());
      map.put("buildConcurrency", buildConcurrency);
      map.put("warmupServices", warmup);
      map.put("warmupScale", warmupScale);
      map.put("warmupServer", warmupOwnServer ? "own (closed before the measured run)" : "same");
      map.put("sequentialBaseline", sequential ? "measured" : "computed (sum of step times)");
      map.put("worker", tuning.asMap());
      return map;
    }
  }

  /** The tuning a release of {@code services} needs for "every build starts at once". */
  static WorkerTuning tuningFor(int services) {
    return WorkerTuning.workerDefaults()
        .withActivities(Math.max(50, services), services)
        .withActivityPollers(8, 8)
        .withWorkflowTasks(8, 4)
        .withCache(Math.max(600, 3 * services), Math.max(600, 3 * services));
  }

  Map<String, Object> run(Params p) {
    StepDurations durations = StepDurations.issueExample().scaled(p.scale());
    FakeSteps fakes = new FakeSteps(durations, new Recorder());
    GeneratedStack stack =
        GeneratedStack.generate("stack" + p.services(), p.services(), p.depth(), p.seed());
    Map<String, Object> result = new LinkedHashMap<>();
    // Warm-up: JIT, thread pools and connections, on a stack of its own (10 services at the
    // measured scale unless --warmup / --warmup-scale say otherwise). With --warmup-server=own it
    // runs on a server of its own that is closed before the measured run, so the measured server
    // holds nothing but the measured release (the JIT's work stays: same JVM, same classes).
    int warmSize = Math.max(p.depth(), p.warmup());
    GeneratedStack warm = GeneratedStack.generate("warmup", warmSize, p.depth(), p.seed() + 1);
    long warmStarted = System.nanoTime();
    if (p.warmupOwnServer()) {
      FakeSteps warmFakes =
          new FakeSteps(StepDurations.issueExample().scaled(p.warmupScale()), new Recorder());
      try (BenchServer warmServer =
          new BenchServer(p.tuning(), warmFakes.build(), warmFakes.control(), warmFakes.deploy())) {
        release(warmServer.client(), warmFakes, warm, "warmup", warm.size());
      }
    }
    result.put("warmupMillis", (System.nanoTime() - warmStarted) / 1_000_000);
    try (BenchServer server =
        new BenchServer(p.tuning(), fakes.build(), fakes.control(), fakes.deploy())) {
      WorkflowClient client = server.client();
      if (!p.warmupOwnServer()) {
        fakes.durations(StepDurations.issueExample().scaled(p.warmupScale()));
        release(client, fakes, warm, "warmup", warm.size());
        fakes.durations(durations);
      }

      long bound = stack.criticalPathMillis(durations);
      long startedAt = System.currentTimeMillis();
      long started = System.nanoTime();
      ReleaseResult released = release(client, fakes, stack, "bench", p.buildConcurrency());
      long wall = (System.nanoTime() - started) / 1_000_000;
      result.put("breakdown", breakdown(fakes.recorder(), stack, "bench", startedAt, durations));
      result.put("startup", startup(client, fakes.recorder(), stack, "bench", startedAt));
      result.put("outcome", released.outcome());
      result.put("wallMillis", wall);
      result.put("criticalPathMillis", bound);
      result.put("ratio", round3((double) wall / bound));
      result.put("overheadMillis", wall - bound);
      result.put("layerSizes", stack.layers().stream().map(List::size).toList());
      long sequentialBound = stack.sequentialMillis(durations);
      result.put("sequentialLowerBoundMillis", sequentialBound);
      if (p.sequential()) {
        long seqStarted = System.nanoTime();
        for (String service : stack.order()) {
          deploy(client, "bench-seq", service, stack.commit(service));
        }
        long seqWall = (System.nanoTime() - seqStarted) / 1_000_000;
        result.put("sequentialWallMillis", seqWall);
        result.put("speedupVsSequential", round3((double) seqWall / wall));
      } else {
        result.put("speedupVsSequentialLowerBound", round3((double) sequentialBound / wall));
      }
    }
    return result;
  }

  private static ReleaseResult release(
      WorkflowClient client,
      FakeSteps fakes,
      GeneratedStack stack,
      String env,
      int buildConcurrency) {
    fakes.plan(stack.name(), stack.plan(env));
    StackReleaseWorkflow release =
        client.newWorkflowStub(
            StackReleaseWorkflow.class,
            WorkflowOptions.newBuilder()
                .setWorkflowId(WorkflowIds.release(env, stack.name(), "r" + stack.seed()))
                .setTaskQueue(TaskQueues.CONTROL)
                .build());
    ReleaseResult result =
        release.release(
            new ReleaseRequest(
                FakeSteps.DEFINITIONS,
                env,
                stack.name(),
                List.of(),
                Map.of(),
                "bench",
                false,
                buildConcurrency,
                0));
    if (!"SUCCEEDED".equals(result.outcome())) {
      throw new IllegalStateException("release " + stack.name() + " ended " + result.outcome());
    }
    return result;
  }

  static DeployResult deploy(WorkflowClient client, String env, String service, String commit) {
    return deploy(client, FakeSteps.DEFINITIONS, env, service, commit);
  }

  static DeployResult deploy(
      WorkflowClient client, String definitions, String env, String service, String commit) {
    ServiceDeploymentWorkflow deployment =
        client.newWorkflowStub(
            ServiceDeploymentWorkflow.class,
            WorkflowOptions.newBuilder()
                .setWorkflowId(WorkflowIds.deployment(env, service, commit))
                .setTaskQueue(TaskQueues.CONTROL)
                .build());
    DeployResult result =
        deployment.deploy(new DeployRequest(definitions, env, service, commit, "bench", false));
    if (!DeployResult.SUCCEEDED.equals(result.outcome())) {
      throw new IllegalStateException(
          "deployment of " + service + " ended " + result.outcome() + ": " + result.reason());
    }
    return result;
  }

  /**
   * Where the time beyond the step times went: how long until every build phase was done, how long
   * a service waited after its dependencies returned before its rollout began (the release's
   * reaction), and how much longer a rollout took than its steps.
   */
  static Map<String, Object> breakdown(
      Recorder recorder, GeneratedStack stack, String env, long startedAt, StepDurations d) {
    Map<String, Map<String, Recorder.Span>> byService = new java.util.HashMap<>();
    String prefix = "deploy/" + env + "/";
    for (Recorder.Span span : recorder.spans()) {
      if (!span.workflowId().startsWith(prefix)) {
        continue;
      }
      String service =
          span.workflowId().substring(prefix.length(), span.workflowId().lastIndexOf('/'));
      byService.computeIfAbsent(service, k -> new java.util.HashMap<>()).put(span.step(), span);
    }
    long lastPush = 0;
    java.util.List<Long> gateReaction = new java.util.ArrayList<>();
    java.util.List<Long> rolloutExtra = new java.util.ArrayList<>();
    java.util.List<Long> buildPhaseExtra = new java.util.ArrayList<>();
    java.util.List<Long> resolveStart = new java.util.ArrayList<>();
    java.util.List<Long> buildGap = new java.util.ArrayList<>();
    java.util.List<Long> pushGap = new java.util.ArrayList<>();
    for (String service : stack.order()) {
      Map<String, Recorder.Span> steps = byService.getOrDefault(service, Map.of());
      Recorder.Span push = steps.get("push");
      Recorder.Span kv = steps.get("kv");
      Recorder.Span notify = steps.get("notify");
      if (push == null || kv == null || notify == null) {
        continue;
      }
      lastPush = Math.max(lastPush, push.endedAt() - startedAt);
      Recorder.Span resolve = steps.get("resolve");
      Recorder.Span build = steps.get("build");
      if (resolve != null && build != null) {
        resolveStart.add(resolve.startedAt() - startedAt);
        buildGap.add(build.startedAt() - resolve.endedAt());
        pushGap.add(push.startedAt() - build.endedAt());
      }
      buildPhaseExtra.add(push.endedAt() - startedAt - d.plan() - d.beforeGate());
      long ready = push.endedAt();
      for (String dep : stack.dependsOn().get(service)) {
        Recorder.Span depNotify = byService.getOrDefault(dep, Map.of()).get("notify");
        if (depNotify != null) {
          ready = Math.max(ready, depNotify.endedAt());
        }
      }
      gateReaction.add(kv.startedAt() - ready);
      rolloutExtra.add(notify.endedAt() - kv.startedAt() - d.afterGate());
    }
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("layers", layers(byService, stack, startedAt, d));
    out.put("lastBuildPhaseDoneMillis", lastPush);
    out.put("buildPhaseExtraMillis", Stats.summary(buildPhaseExtra));
    out.put("resolveStartMillis", Stats.summary(resolveStart));
    out.put("resolveToBuildMillis", Stats.summary(buildGap));
    out.put("buildToPushMillis", Stats.summary(pushGap));
    out.put("gateReactionMillis", Stats.summary(gateReaction));
    out.put("rolloutExtraMillis", Stats.summary(rolloutExtra));
    return out;
  }

  /**
   * Per layer of the DAG (millis since the release started): when its last member's build phase
   * ended, when its last member's rollout began (KV) and when its last deployment returned, the
   * ideal end (build phase + (k + 1) rollouts), and how much later than the previous layer's end
   * plus one rollout it ended ({@code addedMillis}: what this layer added to the overhead).
   */
  private static List<Map<String, Object>> layers(
      Map<String, Map<String, Recorder.Span>> byService,
      GeneratedStack stack,
      long startedAt,
      StepDurations d) {
    List<Map<String, Object>> out = new java.util.ArrayList<>();
    long previousEnd = d.plan() + d.beforeGate();
    int k = 0;
    for (List<String> layer : stack.layers()) {
      long lastPush = 0;
      long lastKv = 0;
      long lastEnd = 0;
      long maxGate = 0;
      for (String service : layer) {
        Map<String, Recorder.Span> steps = byService.getOrDefault(service, Map.of());
        Recorder.Span push = steps.get("push");
        Recorder.Span kv = steps.get("kv");
        Recorder.Span notify = steps.get("notify");
        if (push == null || kv == null || notify == null) {
          continue;
        }
        lastPush = Math.max(lastPush, push.endedAt() - startedAt);
        lastKv = Math.max(lastKv, kv.startedAt() - startedAt);
        lastEnd = Math.max(lastEnd, notify.endedAt() - startedAt);
        long ready = push.endedAt();
        for (String dep : stack.dependsOn().get(service)) {
          Recorder.Span depNotify = byService.getOrDefault(dep, Map.of()).get("notify");
          if (depNotify != null) {
            ready = Math.max(ready, depNotify.endedAt());
          }
        }
        maxGate = Math.max(maxGate, kv.startedAt() - ready);
      }
      Map<String, Object> row = new LinkedHashMap<>();
      row.put("layer", k);
      row.put("services", layer.size());
      row.put("lastBuildPhaseDone", lastPush);
      row.put("lastRolloutStart", lastKv);
      row.put("lastEnd", lastEnd);
      row.put("idealEnd", d.plan() + d.beforeGate() + (k + 1) * d.afterGate());
      row.put("addedMillis", lastEnd - previousEnd - d.afterGate());
      row.put("maxGateReactionMillis", maxGate);
      out.add(row);
      previousEnd = lastEnd;
      k++;
    }
    return out;
  }

  /**
   * The start-up burst from the histories (server timestamps, millis since the release started):
   * when the release initiated its children and when they started, when each deployment scheduled
   * its first step (resolve), and how many workflow tasks it completed before that.
   */
  private static Map<String, Object> startup(
      WorkflowClient client, Recorder recorder, GeneratedStack stack, String env, long startedAt) {
    Map<String, Object> out = new LinkedHashMap<>();
    String releaseId = WorkflowIds.release(env, stack.name(), "r" + stack.seed());
    List<Long> initiated = new java.util.ArrayList<>();
    List<Long> childStarted = new java.util.ArrayList<>();
    for (HistoryEvent e : client.fetchHistory(releaseId).getEvents()) {
      if (e.getEventType() == EventType.EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_INITIATED) {
        initiated.add(millis(e) - startedAt);
      } else if (e.getEventType() == EventType.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_STARTED) {
        childStarted.add(millis(e) - startedAt);
      }
    }
    java.util.Set<String> deployments = new java.util.TreeSet<>();
    String prefix = "deploy/" + env + "/";
    for (Recorder.Span span : recorder.spans()) {
      if (span.workflowId().startsWith(prefix)) {
        deployments.add(span.workflowId());
      }
    }
    List<Long> resolveScheduled = new java.util.ArrayList<>();
    List<Long> tasksBefore = new java.util.ArrayList<>();
    List<Long> firstTaskStarted = new java.util.ArrayList<>();
    for (String id : deployments) {
      long tasks = 0;
      boolean firstTask = true;
      for (HistoryEvent e : client.fetchHistory(id).getEvents()) {
        if (e.getEventType() == EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED && firstTask) {
          firstTaskStarted.add(millis(e) - startedAt);
          firstTask = false;
        } else if (e.getEventType() == EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED) {
          tasks++;
        } else if (e.getEventType() == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED) {
          resolveScheduled.add(millis(e) - startedAt);
          tasksBefore.add(tasks);
          break;
        }
      }
    }
    out.put("childInitiatedMillis", Stats.summary(initiated));
    out.put("childStartedMillis", Stats.summary(childStarted));
    out.put("deploymentFirstTaskStartedMillis", Stats.summary(firstTaskStarted));
    out.put("resolveScheduledMillis", Stats.summary(resolveScheduled));
    out.put("workflowTasksBeforeResolve", Stats.summary(tasksBefore));
    return out;
  }

  private static long millis(HistoryEvent e) {
    return e.getEventTime().getSeconds() * 1000 + e.getEventTime().getNanos() / 1_000_000;
  }

  static double round3(double value) {
    return Math.round(value * 1000) / 1000.0;
  }
}
