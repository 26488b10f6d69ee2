package dev.conveyor.bench;

import dev.conveyor.workflows.TaskQueues;
import dev.conveyor.workflows.WorkflowIds;
import dev.conveyor.workflows.deploy.DeployRequest;
import dev.conveyor.workflows.deploy.DeployResult;
import dev.conveyor.workflows.deploy.ServiceDeploymentWorkflow;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.distribution.HistogramSnapshot;
import io.micrometer.core.instrument.distribution.ValueAtPercentile;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowStub;
import io.temporal.worker.MetricsType;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Benchmark 4: {@code count} deployments of {@code count} different services started at once on one
 * worker (this JVM, which also hosts the in-process Temporal server), with short fake steps.
 */
final class CapacityScenario {
  /**
   * @param startRate deployments started per second, evenly spaced; 0 starts them all at once (a
   *     burst: every start in the same second)
   * @param healthMillis how long the fake health gate takes; negative: the scaled issue example
   */
  record Params(
      int count,
      double scale,
      WorkerTuning tuning,
      long timeoutSeconds,
      double startRate,
      long healthMillis) {
    StepDurations durations() {
      StepDurations d = StepDurations.issueExample().scaled(scale);
      return healthMillis < 0 ? d : d.withHealth(healthMillis);
    }

    Map<String, Object> asMap() {
      Map<String, Object> map = new LinkedHashMap<>();
      map.put("deployments", count);
      map.put("start", startRate > 0 ? startRate + " per second" : "all at once (burst)");
      map.put("scale", scale);
      map.put("stepMillis", durations().asMap());
      map.put("worker", tuning.asMap());
      map.put("maxHeapBytes", Runtime.getRuntime().maxMemory());
      return map;
    }
  }

  Map<String, Object> run(Params p) throws InterruptedException {
    StepDurations durations = p.durations();
    FakeSteps fakes = new FakeSteps(durations, new Recorder());
    Map<String, Object> result = new LinkedHashMap<>();
    HeapSampler heap = new HeapSampler();
    try (BenchServer server =
        new BenchServer(p.tuning(), fakes.build(), fakes.control(), fakes.deploy())) {
      WorkflowClient client = server.client();
      // warm-up at the scaled step times (without a long health gate: it would only wait)
      fakes.durations(StepDurations.issueExample().scaled(p.scale()));
      for (int i = 0; i < 3; i++) {
        OverheadScenario.deploy(client, "warmup", "warm-" + i, FakeSteps.commitOf("warm" + i));
      }
      fakes.durations(durations);
      server.metrics().clear();
      System.gc();
      heap.start();
      String env = "capacity";
      long started = System.nanoTime();
      List<CompletableFuture<DeployResult>> results = new ArrayList<>();
      ConcurrentLinkedQueue<Long> latencies = new ConcurrentLinkedQueue<>();
      AtomicLong lastDone = new AtomicLong();
      java.util.concurrent.atomic.AtomicInteger inFlight =
          new java.util.concurrent.atomic.AtomicInteger();
      java.util.concurrent.atomic.AtomicInteger peakInFlight =
          new java.util.concurrent.atomic.AtomicInteger();
      for (int i = 0; i < p.count(); i++) {
        if (p.startRate() > 0) {
          long due = started + Math.round(i * 1e9 / p.startRate());
          long wait = due - System.nanoTime();
          if (wait > 0) {
            TimeUnit.NANOSECONDS.sleep(wait);
          }
        }
        String service = String.format("cap-%04d", i);
        String commit = FakeSteps.commitOf("capacity/" + service);
        String id = WorkflowIds.deployment(env, service, commit);
        ServiceDeploymentWorkflow stub =
            client.newWorkflowStub(
                ServiceDeploymentWorkflow.class,
                WorkflowOptions.newBuilder()
                    .setWorkflowId(id)
                    .setTaskQueue(TaskQueues.CONTROL)
                    .build());
        long at = System.nanoTime();
        peakInFlight.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
        WorkflowClient.start(
            stub::deploy,
            new DeployRequest(FakeSteps.DEFINITIONS, env, service, commit, "bench", false));
        WorkflowStub untyped = WorkflowStub.fromTyped(stub);
        results.add(
            untyped
                .getResultAsync(p.timeoutSeconds(), TimeUnit.SECONDS, DeployResult.class)
                .whenComplete(
                    (r, e) -> {
                      long now = System.nanoTime();
                      inFlight.decrementAndGet();
                      latencies.add((now - at) / 1_000_000);
                      lastDone.accumulateAndGet(now, Math::max);
                    }));
      }
      long allStarted = System.nanoTime();
      int errors = 0;
      List<String> firstErrors = new ArrayList<>();
      for (CompletableFuture<DeployResult> f : results) {
        try {
          DeployResult r = f.join();
          if (!DeployResult.SUCCEEDED.equals(r.outcome())) {
            errors++;
          }
        } catch (RuntimeException e) {
          errors++;
          if (firstErrors.size() < 3) {
            firstErrors.add(String.valueOf(e.getMessage()));
          }
        }
      }
      heap.stop();
      double seconds = (lastDone.get() - started) / 1e9;
      result.put("completed", p.count() - errors);
      result.put("errors", errors);
      result.put("firstErrors", firstErrors);
      result.put("startAllMillis", (allStarted - started) / 1_000_000);
      result.put("peakInFlight", peakInFlight.get());
      result.put("wallMillis", Math.round(seconds * 1000));
      result.put("completionsPerSecond", OverheadScenario.round3(p.count() / seconds));
      result.put("deploymentLatencyMillis", Stats.summary(new ArrayList<>(latencies)));
      result.put("peakHeapUsedBytes", heap.peak());
      result.put(
          "workflowTaskScheduleToStartMillis",
          timers(server.metrics(), MetricsType.WORKFLOW_TASK_SCHEDULE_TO_START_LATENCY));
      result.put(
          "workflowTaskExecutionMillis",
          timers(server.metrics(), MetricsType.WORKFLOW_TASK_EXECUTION_LATENCY));
      result.put(
          "activityScheduleToStartMillis",
          timers(server.metrics(), MetricsType.ACTIVITY_SCHEDULE_TO_START_LATENCY));
      result.put("gcCollections", gcCount());
    }
    return result;
  }

  /** p50/p99/max of every timer with that name (one per task queue and type), in ms. */
  static List<Map<String, Object>> timers(SimpleMeterRegistry registry, String name) {
    List<Map<String, Object>> out = new ArrayList<>();
    for (Timer timer : registry.find(name).timers()) {
      HistogramSnapshot snapshot = timer.takeSnapshot();
      Map<String, Object> t = new LinkedHashMap<>();
      Map<String, String> tags = new LinkedHashMap<>();
      timer
          .getId()
          .getTags()
          .forEach(
              tag -> {
                if (tag.getKey().equals("task_queue")
                    || tag.getKey().equals("workflow_type")
                    || tag.getKey().equals("activity_type")) {
                  tags.put(tag.getKey(), tag.getValue());
                }
              });
      t.put("tags", tags);
      t.put("count", snapshot.count());
      for (ValueAtPercentile v : snapshot.percentileValues()) {
        t.put(
            "p" + Math.round(v.percentile() * 100),
            OverheadScenario.round3(v.value(TimeUnit.MILLISECONDS)));
      }
      t.put("max", OverheadScenario.round3(snapshot.max(TimeUnit.MILLISECONDS)));
      out.add(t);
    }
    return out;
  }

  private static long gcCount() {
    long total = 0;
    for (var gc : ManagementFactory.getGarbageCollectorMXBeans()) {
      total += Math.max(0, gc.getCollectionCount());
    }
    return total;
  }

  /** Samples the used heap every 20 ms; the peak is what the run needed at most. */
  static final class HeapSampler {
    private final MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
    private final AtomicLong peak = new AtomicLong();
    private volatile boolean running;
    private Thread thread;

    void start() {
      running = true;
      thread =
          new Thread(
              () -> {
                while (running) {
                  peak.accumulateAndGet(memory.getHeapMemoryUsage().getUsed(), Math::max);
                  try {
                    Thread.sleep(20);
                  } catch (InterruptedException e) {
                    return;
                  }
                }
              },
              "heap-sampler");
      thread.setDaemon(true);
      thread.start();
    }

    void stop() throws InterruptedException {
      running = false;
      thread.join();
    }

    long peak() {
      return peak.get();
    }
  }
}
