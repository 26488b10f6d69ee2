package dev.conveyor.worker.queues;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.ConfigurationProperty;
import org.springframework.boot.context.properties.source.ConfigurationPropertyName;
import org.springframework.boot.context.properties.source.ConfigurationPropertyName.Form;
import org.springframework.boot.context.properties.source.ConfigurationPropertySource;
import org.springframework.boot.context.properties.source.ConfigurationPropertySources;
import org.springframework.boot.context.properties.source.IterableConfigurationPropertySource;
import org.springframework.boot.env.EnvironmentPostProcessor;
import org.springframework.core.Ordered;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.MapPropertySource;

/**
 * Applies {@code conveyor.worker.queues} to the Temporal starter's worker list.
 *
 * <p>{@code spring.temporal.workers} (application.yaml) stays the one catalogue of what runs on
 * which task queue. The starter registers every entry of that list, so this post-processor, which
 * runs after the configuration files are loaded, puts a copy of the list without the entries for
 * Conveyor queues this process does not serve in front of all other property sources. Entries for
 * other task queues are kept. Spring binds a list from the single highest-priority source that has
 * it, so the copy replaces the original whole.
 */
final class QueueSelection implements EnvironmentPostProcessor, Ordered {
  static final String PROPERTY = "conveyor.worker.queues";
  static final String SOURCE_NAME = "conveyorServedQueues";
  private static final ConfigurationPropertyName WORKERS =
      ConfigurationPropertyName.of("spring.temporal.workers");
  private static final int INDEX_ELEMENT = WORKERS.getNumberOfElements();

  @Override
  public int getOrder() {
    // after ConfigDataEnvironmentPostProcessor has loaded application.yaml and profiles
    return Ordered.LOWEST_PRECEDENCE;
  }

  @Override
  public void postProcessEnvironment(
      ConfigurableEnvironment environment, SpringApplication application) {
    ServedQueues served;
    try {
      served =
          ServedQueues.parse(
              Binder.get(environment)
                  .bind(PROPERTY, Bindable.listOf(String.class))
                  .orElse(List.of("build", "control")));
    } catch (IllegalArgumentException invalid) {
      // reported by QueuesConfiguration once logging is set up, as one line
      return;
    }
    Map<Integer, Map<String, Object>> workers = configuredWorkers(environment);
    List<Map<String, Object>> kept = new ArrayList<>();
    for (Map<String, Object> worker : workers.values()) {
      if (!served.excludes(taskQueue(environment, worker))) {
        kept.add(worker);
      }
    }
    if (kept.size() == workers.size()) {
      return;
    }
    Map<String, Object> properties = new LinkedHashMap<>();
    for (int i = 0; i < kept.size(); i++) {
      for (Map.Entry<String, Object> entry : kept.get(i).entrySet()) {
        properties.put(WORKERS + "[" + i + "]." + entry.getKey(), entry.getValue());
      }
    }
    environment.getPropertySources().addFirst(new MapPropertySource(SOURCE_NAME, properties));
  }

  private static String taskQueue(ConfigurableEnvironment environment, Map<String, Object> worker) {
    Object queue = worker.get("task-queue");
    return queue == null ? null : environment.resolvePlaceholders(queue.toString());
  }

  /**
   * The entries of {@code spring.temporal.workers} as Spring would bind them: from the first
   * property source that has any, by index, each as sub-property name (e.g. {@code
   * activity-beans[0]}) to its raw value.
   */
  private static Map<Integer, Map<String, Object>> configuredWorkers(
      ConfigurableEnvironment environment) {
    Map<Integer, Map<String, Object>> workers = new TreeMap<>();
    for (ConfigurationPropertySource source : ConfigurationPropertySources.get(environment)) {
      if (!(source instanceof IterableConfigurationPropertySource iterable)) {
        continue;
      }
      List<ConfigurationPropertyName> names =
          iterable.stream().filter(WORKERS::isAncestorOf).toList();
      for (ConfigurationPropertyName name : names) {
        if (name.getNumberOfElements() <= INDEX_ELEMENT + 1
            || !name.isNumericIndex(INDEX_ELEMENT)) {
          continue;
        }
        ConfigurationProperty property = iterable.getConfigurationProperty(name);
        if (property == null) {
          continue;
        }
        int index = Integer.parseInt(name.getElement(INDEX_ELEMENT, Form.UNIFORM));
        workers
            .computeIfAbsent(index, i -> new LinkedHashMap<>())
            .put(name.subName(INDEX_ELEMENT + 1).toString(), property.getValue());
      }
      if (!workers.isEmpty()) {
        return workers;
      }
    }
    return workers;
  }
}
