package dev.conveyor.bench;

import dev.conveyor.workflows.steps.ReleasePlan;
import dev.conveyor.workflows.steps.ReleasePlan.PlannedService;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeSet;

/**
 * A stack of {@code size} services in {@code depth} layers, generated from a seed: layer 0 has no
 * dependencies; every service of layer k depends on one to three services of layer k-1 (so the
 * longest chain has exactly {@code depth} services) and, with probability 1/3, on one more of any
 * lower layer.
 *
 * @param layers services per layer, in order
 * @param dependsOn every service mapped to its direct dependencies (sorted)
 */
record GeneratedStack(
    String name, long seed, List<List<String>> layers, Map<String, List<String>> dependsOn) {

  static GeneratedStack generate(String name, int size, int depth, long seed) {
    if (size < depth) {
      throw new IllegalArgumentException(
          "a stack of depth " + depth + " needs at least " + depth + " services, got " + size);
    }
    Random random = new Random(seed);
    List<List<String>> layers = new ArrayList<>();
    for (int k = 0; k < depth; k++) {
      layers.add(new ArrayList<>());
    }
    for (int i = 0; i < size; i++) {
      int layer = i < depth ? i : random.nextInt(depth);
      layers.get(layer).add(String.format("svc-%03d", i));
    }
    Map<String, List<String>> dependsOn = new LinkedHashMap<>();
    for (int k = 0; k < depth; k++) {
      for (String service : layers.get(k)) {
        TreeSet<String> deps = new TreeSet<>();
        if (k > 0) {
          List<String> below = layers.get(k - 1);
          int count = 1 + random.nextInt(Math.min(3, below.size()));
          while (deps.size() < count) {
            deps.add(below.get(random.nextInt(below.size())));
          }
          if (k > 1 && random.nextInt(3) == 0) {
            List<String> lower = layers.get(random.nextInt(k - 1));
            deps.add(lower.get(random.nextInt(lower.size())));
          }
        }
        dependsOn.put(service, List.copyOf(deps));
      }
    }
    return new GeneratedStack(name, seed, layers, dependsOn);
  }

  int size() {
    return dependsOn.size();
  }

  /** Services in dependency order (layer by layer). */
  List<String> order() {
    List<String> order = new ArrayList<>();
    layers.forEach(order::addAll);
    return order;
  }

  /** What the fake plan step returns: every service with a commit derived from the seed. */
  ReleasePlan plan(String env) {
    List<PlannedService> services = new ArrayList<>();
    for (String service : order()) {
      services.add(new PlannedService(service, commit(service)));
    }
    return new ReleasePlan(FakeSteps.CONFIG_COMMIT, env, name, services, dependsOn);
  }

  String commit(String service) {
    return FakeSteps.commitOf(name + "/" + seed + "/" + service);
  }

  /**
   * The release's lower bound: every service's build phase starts at once; a service's rollout
   * starts when its build is done and every dependency's deployment has returned; the release ends
   * with the last deployment. No orchestration cost at all.
   */
  long criticalPathMillis(StepDurations d) {
    Map<String, Long> done = new HashMap<>();
    long end = 0;
    for (String service : order()) {
      long start = d.plan() + d.beforeGate();
      for (String dep : dependsOn.get(service)) {
        start = Math.max(start, done.get(dep));
      }
      long finished = start + d.afterGate();
      done.put(service, finished);
      end = Math.max(end, finished);
    }
    return end;
  }

  /** One service after another, each build, push, then rollout: the sum of every step. */
  long sequentialMillis(StepDurations d) {
    return (long) size() * (d.beforeGate() + d.afterGate());
  }
}
