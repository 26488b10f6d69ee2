package dev.conveyor.workflows.release;

import dev.conveyor.definitions.DependencyGraph;
import dev.conveyor.workflows.steps.ReleasePlan;
import dev.conveyor.workflows.steps.ReleasePlan.PlannedService;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The release's view of the dependency graph. For each member it walks {@code dependsOn} through
 * services outside the release, stopping at members:
 *
 * <ul>
 *   <li>{@link #needs}: the members it reaches, whose deployments must be healthy before it
 *       deploys;
 *   <li>{@link #checks}: the non-members it passes, which must be healthy on the target instead.
 * </ul>
 *
 * So {@code web -> billing -> accounts} released as {@code [web, accounts]} makes web need accounts
 * and check billing. Pure and deterministic: sorted sets and insertion-ordered maps only.
 */
final class ReleaseGraph {
  private final List<PlannedService> order;
  private final Map<String, List<String>> needs = new LinkedHashMap<>();
  private final Map<String, List<String>> checks = new LinkedHashMap<>();
  private final Map<String, List<String>> dependents = new LinkedHashMap<>();

  private ReleaseGraph(List<PlannedService> order, DependencyGraph graph) {
    this.order = order;
    Set<String> members = new TreeSet<>();
    order.forEach(member -> members.add(member.service()));
    for (PlannedService member : order) {
      Set<String> reached = new TreeSet<>();
      Set<String> passed = new TreeSet<>();
      Deque<String> todo = new ArrayDeque<>(graph.dependencies(member.service()));
      while (!todo.isEmpty()) {
        String next = todo.pop();
        if (members.contains(next)) {
          reached.add(next);
        } else if (passed.add(next)) {
          todo.addAll(graph.dependencies(next));
        }
      }
      needs.put(member.service(), List.copyOf(reached));
      checks.put(member.service(), List.copyOf(passed));
      dependents.put(member.service(), new ArrayList<>());
    }
    needs.forEach((member, list) -> list.forEach(need -> dependents.get(need).add(member)));
  }

  /**
   * @throws IllegalArgumentException when the plan is inconsistent (a member or a dependency that
   *     the dependency map does not know) or its dependencies form a cycle
   */
  static ReleaseGraph of(ReleasePlan plan) {
    Map<String, List<String>> dependsOn = plan.dependsOn() == null ? Map.of() : plan.dependsOn();
    List<PlannedService> services = plan.services() == null ? List.of() : plan.services();
    Set<String> seen = new TreeSet<>();
    for (PlannedService member : services) {
      if (!seen.add(member.service())) {
        throw new IllegalArgumentException("the plan lists '" + member.service() + "' twice");
      }
      if (member.commit() == null || member.commit().isBlank()) {
        throw new IllegalArgumentException(
            "the plan gives no commit for '" + member.service() + "'");
      }
      if (!dependsOn.containsKey(member.service())) {
        throw new IllegalArgumentException(
            "the plan lists '" + member.service() + "' but not its dependsOn");
      }
    }
    DependencyGraph graph = DependencyGraph.of(new LinkedHashMap<>(dependsOn));
    List<List<String>> layers;
    try {
      layers = graph.layers();
    } catch (IllegalStateException cycle) {
      throw new IllegalArgumentException(cycle.getMessage(), cycle);
    }
    Map<String, Integer> layerOf = new HashMap<>();
    for (int i = 0; i < layers.size(); i++) {
      for (String service : layers.get(i)) {
        layerOf.put(service, i);
      }
    }
    List<PlannedService> order = new ArrayList<>(services);
    order.sort(
        Comparator.comparingInt((PlannedService s) -> layerOf.get(s.service()))
            .thenComparing(PlannedService::service));
    return new ReleaseGraph(List.copyOf(order), graph);
  }

  /** Members in start order: every member after all it depends on, then by name. */
  List<PlannedService> order() {
    return order;
  }

  List<String> needs(String member) {
    return needs.get(member);
  }

  List<String> checks(String member) {
    return checks.get(member);
  }

  /** The members that need {@code member} (the inverse of {@link #needs}), in start order. */
  List<String> dependents(String member) {
    return dependents.get(member);
  }
}
