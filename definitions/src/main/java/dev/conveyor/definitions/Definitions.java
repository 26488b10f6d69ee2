package dev.conveyor.definitions;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A valid definitions repository: what is deployed, where, and in which order. Immutable; maps keep
 * the order of conveyor.yaml. Obtain one with {@link #load(Path)}.
 *
 * @param version format version of conveyor.yaml (1)
 * @param registry Docker registry images are pushed to, {@code host[:port][/path]}
 * @param environments by name
 * @param services by name
 * @param stacks service names by stack name, in the order written
 * @param notifiers where deployment results go: the {@code notify} list of conveyor.yaml (a record
 *     component cannot be called {@code notify}, which is final in {@link Object})
 * @param root absolute path of the definitions directory; app templates are relative to it
 * @param jobs batch jobs by name (the {@code jobs} section; empty when there is none)
 */
public record Definitions(
    int version,
    String registry,
    Map<String, Environment> environments,
    Map<String, Service> services,
    Map<String, List<String>> stacks,
    List<Notifier> notifiers,
    Path root,
    Map<String, Job> jobs) {

  /** The name of the file at the root of a definitions directory. */
  public static final String FILE = DefinitionsLoader.FILE;

  public Definitions {
    Objects.requireNonNull(registry, "registry");
    Objects.requireNonNull(root, "root");
    environments = orderedCopy(environments);
    services = orderedCopy(services);
    Map<String, List<String>> stackCopy = new LinkedHashMap<>();
    stacks.forEach((name, members) -> stackCopy.put(name, List.copyOf(members)));
    stacks = Collections.unmodifiableMap(stackCopy);
    notifiers = List.copyOf(notifiers);
    jobs = orderedCopy(jobs);
  }

  /** Definitions without jobs. */
  public Definitions(
      int version,
      String registry,
      Map<String, Environment> environments,
      Map<String, Service> services,
      Map<String, List<String>> stacks,
      List<Notifier> notifiers,
      Path root) {
    this(version, registry, environments, services, stacks, notifiers, root, Map.of());
  }

  /**
   * Reads and validates the definitions directory {@code dir} (holding conveyor.yaml and the app
   * templates). Never throws for bad content: every problem found is in the result, with its file,
   * line and column.
   */
  public static LoadResult load(Path dir) {
    return DefinitionsLoader.load(dir);
  }

  /** The {@code dependsOn} graph of all services. */
  public DependencyGraph graph() {
    Map<String, List<String>> edges = new LinkedHashMap<>();
    services.forEach((name, service) -> edges.put(name, service.dependsOn()));
    return DependencyGraph.of(edges);
  }

  /**
   * The service called {@code name}.
   *
   * @throws IllegalArgumentException naming the known services when there is none
   */
  public Service service(String name) {
    return lookup(services, "service", name);
  }

  /**
   * The job called {@code name}.
   *
   * @throws IllegalArgumentException naming the known jobs when there is none
   */
  public Job job(String name) {
    return lookup(jobs, "job", name);
  }

  /**
   * The environment called {@code name}.
   *
   * @throws IllegalArgumentException naming the known environments when there is none
   */
  public Environment environment(String name) {
    return lookup(environments, "environment", name);
  }

  /**
   * The members of the stack called {@code name}, in the order written.
   *
   * @throws IllegalArgumentException naming the known stacks when there is none
   */
  public List<String> stack(String name) {
    return lookup(stacks, "stack", name);
  }

  /**
   * A fresh copy of the Marathon app template of {@code service}, read from {@link #root()}; set
   * the image with {@link AppTemplate#withImage}.
   *
   * @throws IllegalArgumentException when there is no such service
   * @throws UncheckedIOException when the template cannot be read any more (it was valid when
   *     loaded)
   */
  public ObjectNode appTemplate(String service) {
    Path file = root.resolve(service(service).app());
    try {
      return AppTemplate.read(file);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read app template " + file, e);
    }
  }

  /**
   * A fresh copy of the Chronos job template of {@code job}, read from {@link #root()}; set the
   * image with {@link JobTemplate#withImage}.
   *
   * @throws IllegalArgumentException when there is no such job
   * @throws UncheckedIOException when the template cannot be read any more (it was valid when
   *     loaded)
   */
  public ObjectNode jobTemplate(String job) {
    Path file = root.resolve(job(job).template());
    try {
      return JobTemplate.read(file);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read job template " + file, e);
    }
  }

  private static <V> Map<String, V> orderedCopy(Map<String, V> map) {
    return Collections.unmodifiableMap(new LinkedHashMap<>(map));
  }

  private static <V> V lookup(Map<String, V> map, String what, String name) {
    V value = map.get(name);
    if (value == null) {
      throw new IllegalArgumentException(
          "unknown "
              + what
              + " '"
              + name
              + "'"
              + Suggestions.didYouMean(name, map.keySet())
              + " (known: "
              + (map.isEmpty() ? "none" : String.join(", ", map.keySet()))
              + ")");
    }
    return value;
  }
}
