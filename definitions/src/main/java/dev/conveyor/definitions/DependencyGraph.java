package dev.conveyor.definitions;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * The {@code dependsOn} relation between services: an edge {@code a -> b} means {@code a} depends
 * on {@code b}, so {@code b} is deployed and healthy before {@code a}. Immutable.
 */
public final class DependencyGraph {

  /** Enumerating cycles stops after this many: a graph that tangled needs untangling first. */
  static final int MAX_CYCLES = 100;

  private final Map<String, List<String>> dependencies;
  private final Map<String, List<String>> dependents;

  private DependencyGraph(Map<String, List<String>> dependencies) {
    this.dependencies = dependencies;
    Map<String, List<String>> reverse = new LinkedHashMap<>();
    dependencies.keySet().forEach(name -> reverse.put(name, new ArrayList<>()));
    dependencies.forEach((name, deps) -> deps.forEach(dep -> reverse.get(dep).add(name)));
    Map<String, List<String>> sortedReverse = new LinkedHashMap<>();
    reverse.forEach((name, list) -> sortedReverse.put(name, sortedCopy(list)));
    this.dependents = Collections.unmodifiableMap(sortedReverse);
  }

  /**
   * A graph over the keys of {@code dependsOn}, each mapped to the services it depends on.
   *
   * @throws IllegalArgumentException when a service depends on one that is not a key
   */
  public static DependencyGraph of(Map<String, ? extends Collection<String>> dependsOn) {
    Map<String, List<String>> copy = new LinkedHashMap<>();
    dependsOn.forEach(
        (name, deps) -> {
          for (String dep : deps) {
            if (!dependsOn.containsKey(dep)) {
              throw new IllegalArgumentException(
                  "service '" + name + "' depends on unknown service '" + dep + "'");
            }
          }
          copy.put(name, sortedCopy(new TreeSet<>(deps)));
        });
    return new DependencyGraph(Collections.unmodifiableMap(copy));
  }

  /** Every service, in the order they were given. */
  public Set<String> services() {
    return dependencies.keySet();
  }

  /** The services {@code service} depends on directly, sorted. */
  public List<String> dependencies(String service) {
    return dependencies.get(known(service));
  }

  /** The services that depend directly on {@code service}, sorted. */
  public List<String> dependents(String service) {
    return dependents.get(known(service));
  }

  /** Everything {@code service} needs, directly or through other services; sorted. */
  public Set<String> transitiveDependencies(String service) {
    return reachable(known(service), dependencies);
  }

  /** Everything that needs {@code service}, directly or through other services; sorted. */
  public Set<String> transitiveDependents(String service) {
    return reachable(known(service), dependents);
  }

  /**
   * Deployment order: layer 0 holds the services with no dependencies; each later layer holds the
   * services whose dependencies all sit in earlier layers (a service lands one layer after its
   * deepest dependency). Names are sorted inside a layer; services of one layer may deploy in
   * parallel.
   *
   * @throws IllegalStateException when the graph has a cycle (the message shows it)
   */
  public List<List<String>> layers() {
    findCycle()
        .ifPresent(
            cycle -> {
              throw new IllegalStateException("dependency cycle: " + String.join(" -> ", cycle));
            });
    Map<String, Integer> depth = new HashMap<>();
    List<List<String>> layers = new ArrayList<>();
    for (String name : dependencies.keySet()) {
      int layer = depth(name, depth);
      while (layers.size() <= layer) {
        layers.add(new ArrayList<>());
      }
      layers.get(layer).add(name);
    }
    return layers.stream().map(DependencyGraph::sortedCopy).toList();
  }

  /** The first cycle of {@link #cycles()}, as a path that ends where it starts. */
  public Optional<List<String>> findCycle() {
    List<List<String>> cycles = cycles();
    return cycles.isEmpty() ? Optional.empty() : Optional.of(cycles.get(0));
  }

  /**
   * Every elementary cycle once (at most {@value #MAX_CYCLES}), each as a path that starts at its
   * alphabetically first service and ends where it starts: {@code [a, b, c, a]}. Sorted by that
   * path.
   */
  public List<List<String>> cycles() {
    List<List<String>> found = new ArrayList<>();
    Map<String, Integer> component = stronglyConnectedComponents();
    for (String start : new TreeSet<>(dependencies.keySet())) {
      Deque<String> path = new ArrayDeque<>();
      path.addLast(start);
      walkCycles(start, start, component, path, found);
      if (found.size() >= MAX_CYCLES) {
        break;
      }
    }
    found.sort(
        (a, b) -> {
          for (int i = 0; i < Math.min(a.size(), b.size()); i++) {
            int c = a.get(i).compareTo(b.get(i));
            if (c != 0) {
              return c;
            }
          }
          return Integer.compare(a.size(), b.size());
        });
    return List.copyOf(found);
  }

  /**
   * The graph restricted to {@code services}, keeping only the edges between them: e.g. the members
   * of one stack, whose {@link #layers()} give a release's order.
   *
   * @throws IllegalArgumentException when one of {@code services} is unknown
   */
  public DependencyGraph subgraph(Collection<String> services) {
    Set<String> keep = new LinkedHashSet<>();
    services.forEach(name -> keep.add(known(name)));
    Map<String, List<String>> copy = new LinkedHashMap<>();
    for (String name : dependencies.keySet()) {
      if (keep.contains(name)) {
        copy.put(name, dependencies.get(name).stream().filter(keep::contains).toList());
      }
    }
    return new DependencyGraph(Collections.unmodifiableMap(copy));
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof DependencyGraph other && dependencies.equals(other.dependencies);
  }

  @Override
  public int hashCode() {
    return dependencies.hashCode();
  }

  @Override
  public String toString() {
    return "DependencyGraph" + dependencies;
  }

  private void walkCycles(
      String start,
      String current,
      Map<String, Integer> component,
      Deque<String> path,
      List<List<String>> found) {
    for (String next : dependencies.get(current)) {
      if (found.size() >= MAX_CYCLES) {
        return;
      }
      if (next.equals(start)) {
        List<String> cycle = new ArrayList<>(path);
        cycle.add(start);
        found.add(List.copyOf(cycle));
      } else if (next.compareTo(start) > 0
          && component.get(next).equals(component.get(start))
          && !path.contains(next)) {
        path.addLast(next);
        walkCycles(start, next, component, path, found);
        path.removeLast();
      }
    }
  }

  /** Tarjan's algorithm: the component number of every service. */
  private Map<String, Integer> stronglyConnectedComponents() {
    Map<String, Integer> index = new HashMap<>();
    Map<String, Integer> low = new HashMap<>();
    Map<String, Integer> component = new HashMap<>();
    Deque<String> stack = new ArrayDeque<>();
    Set<String> onStack = new HashSet<>();
    int[] counter = {0, 0};
    for (String name : dependencies.keySet()) {
      if (!index.containsKey(name)) {
        connect(name, index, low, component, stack, onStack, counter);
      }
    }
    return component;
  }

  private void connect(
      String name,
      Map<String, Integer> index,
      Map<String, Integer> low,
      Map<String, Integer> component,
      Deque<String> stack,
      Set<String> onStack,
      int[] counter) {
    index.put(name, counter[0]);
    low.put(name, counter[0]);
    counter[0]++;
    stack.push(name);
    onStack.add(name);
    for (String dep : dependencies.get(name)) {
      if (!index.containsKey(dep)) {
        connect(dep, index, low, component, stack, onStack, counter);
        low.put(name, Math.min(low.get(name), low.get(dep)));
      } else if (onStack.contains(dep)) {
        low.put(name, Math.min(low.get(name), index.get(dep)));
      }
    }
    if (low.get(name).equals(index.get(name))) {
      String member;
      do {
        member = stack.pop();
        onStack.remove(member);
        component.put(member, counter[1]);
      } while (!member.equals(name));
      counter[1]++;
    }
  }

  private int depth(String name, Map<String, Integer> memo) {
    Integer known = memo.get(name);
    if (known != null) {
      return known;
    }
    int depth = 0;
    for (String dep : dependencies.get(name)) {
      depth = Math.max(depth, depth(dep, memo) + 1);
    }
    memo.put(name, depth);
    return depth;
  }

  private static Set<String> reachable(String from, Map<String, List<String>> edges) {
    Set<String> seen = new TreeSet<>();
    Deque<String> todo = new ArrayDeque<>(edges.get(from));
    while (!todo.isEmpty()) {
      String next = todo.pop();
      if (seen.add(next)) {
        todo.addAll(edges.get(next));
      }
    }
    seen.remove(from);
    return Collections.unmodifiableSet(seen);
  }

  private String known(String service) {
    if (!dependencies.containsKey(service)) {
      throw new IllegalArgumentException(
          "unknown service '" + service + "' (known: " + String.join(", ", services()) + ")");
    }
    return service;
  }

  private static List<String> sortedCopy(Collection<String> names) {
    return List.copyOf(new TreeSet<>(names));
  }
}
