package dev.conveyor.bench;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The worker options a benchmark runs with. The defaults are the worker's own ({@code
 * conveyor.worker.control-queue.*} and {@code build-queue.*} in docs/configuration.md, and the
 * Temporal SDK's sticky cache of 600 workflows), so a result says what a worker configured like
 * that carries.
 *
 * @param controlActivities {@code control-queue.max-concurrent-activities}
 * @param controlWorkflowTasks {@code control-queue.max-concurrent-workflow-tasks}
 * @param controlActivityPollers {@code control-queue.activity-pollers}
 * @param controlWorkflowPollers {@code control-queue.workflow-task-pollers}
 * @param buildActivities {@code build-queue.max-concurrent-activities}
 * @param buildPollers {@code build-queue.activity-pollers}
 * @param cacheSize sticky workflow cache ({@code spring.temporal.workflow-cache.max-instances})
 * @param cacheThreads workflow threads ({@code spring.temporal.workflow-cache.max-threads})
 */
record WorkerTuning(
    int controlActivities,
    int controlWorkflowTasks,
    int controlActivityPollers,
    int controlWorkflowPollers,
    int buildActivities,
    int buildPollers,
    int cacheSize,
    int cacheThreads) {

  static WorkerTuning workerDefaults() {
    return new WorkerTuning(50, 4, 2, 2, 2, 2, 600, 600);
  }

  WorkerTuning withActivities(int control, int build) {
    return new WorkerTuning(
        control,
        controlWorkflowTasks,
        controlActivityPollers,
        controlWorkflowPollers,
        build,
        buildPollers,
        cacheSize,
        cacheThreads);
  }

  WorkerTuning withWorkflowTasks(int tasks, int pollers) {
    return new WorkerTuning(
        controlActivities,
        tasks,
        controlActivityPollers,
        pollers,
        buildActivities,
        buildPollers,
        cacheSize,
        cacheThreads);
  }

  WorkerTuning withActivityPollers(int control, int build) {
    return new WorkerTuning(
        controlActivities,
        controlWorkflowTasks,
        control,
        controlWorkflowPollers,
        buildActivities,
        build,
        cacheSize,
        cacheThreads);
  }

  WorkerTuning withCache(int size, int threads) {
    return new WorkerTuning(
        controlActivities,
        controlWorkflowTasks,
        controlActivityPollers,
        controlWorkflowPollers,
        buildActivities,
        buildPollers,
        size,
        threads);
  }

  Map<String, Object> asMap() {
    Map<String, Object> map = new LinkedHashMap<>();
    map.put("control-queue.max-concurrent-activities", controlActivities);
    map.put("control-queue.max-concurrent-workflow-tasks", controlWorkflowTasks);
    map.put("control-queue.activity-pollers", controlActivityPollers);
    map.put("control-queue.workflow-task-pollers", controlWorkflowPollers);
    map.put("build-queue.max-concurrent-activities", buildActivities);
    map.put("build-queue.activity-pollers", buildPollers);
    map.put("workflow-cache.max-instances", cacheSize);
    map.put("workflow-cache.max-threads", cacheThreads);
    return map;
  }
}
