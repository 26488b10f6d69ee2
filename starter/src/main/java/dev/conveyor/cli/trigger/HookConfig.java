package dev.conveyor.cli.trigger;

import dev.conveyor.cli.ConveyorCli;
import dev.conveyor.cli.Target;
import dev.conveyor.cli.TemporalOptions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The hook's settings, kept in the {@code [conveyor]} section of the repository's own git config so
 * the installed hook needs no arguments and {@code git config --get-regexp '^conveyor\.'} shows
 * them:
 *
 * <pre>
 * [conveyor]
 *     service = billing
 *     branch = main=qa
 *     branch = release/*=staging
 *     definitions = /srv/conveyor-config
 *     temporal = 127.0.0.1:7233
 *     namespace = default
 * </pre>
 *
 * @param trigger what pushes start
 * @param temporal the Temporal frontend, {@code HOST:PORT}
 * @param namespace the Temporal namespace
 */
record HookConfig(TriggerConfig trigger, String temporal, String namespace) {
  static final String SECTION = "conveyor";

  /**
   * Reads the settings from the repository's config.
   *
   * @throws ConveyorCli.EnvironmentException naming every missing or conflicting setting
   */
  static HookConfig read(GitRepo repo) {
    GitConfigFile config = repo.config();
    List<GitConfigFile.Entry> entries = config.entries();
    List<String> service = GitConfigFile.values(entries, SECTION, "service");
    List<String> stack = GitConfigFile.values(entries, SECTION, "stack");
    List<String> branches = GitConfigFile.values(entries, SECTION, "branch");
    List<String> definitions = GitConfigFile.values(entries, SECTION, "definitions");
    List<String> temporal = GitConfigFile.values(entries, SECTION, "temporal");
    List<String> namespace = GitConfigFile.values(entries, SECTION, "namespace");
    List<String> problems = new ArrayList<>();
    if (service.isEmpty() == stack.isEmpty()) {
      problems.add(
          service.isEmpty()
              ? "conveyor.service (or conveyor.stack) is not set"
              : "both conveyor.service and conveyor.stack are set");
    }
    if (branches.isEmpty()) {
      problems.add("no conveyor.branch mapping is set");
    }
    if (definitions.isEmpty()) {
      problems.add("conveyor.definitions is not set");
    }
    BranchMapping mapping = null;
    try {
      mapping = BranchMapping.parse(branches);
    } catch (IllegalArgumentException e) {
      problems.add(e.getMessage());
    }
    if (!problems.isEmpty()) {
      throw new ConveyorCli.EnvironmentException(
          config.file()
              + ": "
              + String.join("; ", problems)
              + ". Run `conveyor hook install --repo "
              + repo.gitDir()
              + " --service S --branch main=ENV --definitions PATH` to set them.");
    }
    Target target = service.isEmpty() ? Target.stack(last(stack)) : Target.service(last(service));
    return new HookConfig(
        new TriggerConfig(target, mapping, last(definitions)),
        temporal.isEmpty() ? TemporalOptions.DEFAULT_TARGET : last(temporal),
        namespace.isEmpty() ? "default" : last(namespace));
  }

  /** The {@code [conveyor]} entries as they are in the repository's config now. */
  static List<GitConfigFile.Entry> entries(GitRepo repo) {
    return repo.config().entries().stream()
        .filter(entry -> entry.section().equals(SECTION) && entry.subsection() == null)
        .toList();
  }

  /** Writes the settings, replacing the previous ones; writing the same twice changes nothing. */
  void write(GitRepo repo) {
    List<Map.Entry<String, String>> values = new ArrayList<>();
    values.add(Map.entry(trigger.target().kind().label(), trigger.target().name()));
    for (String spec : trigger.branches().specs()) {
      values.add(Map.entry("branch", spec));
    }
    values.add(Map.entry("definitions", trigger.definitions()));
    values.add(Map.entry("temporal", temporal));
    values.add(Map.entry("namespace", namespace));
    repo.config().replaceSection(SECTION, values);
  }

  private static String last(List<String> values) {
    return values.get(values.size() - 1);
  }
}
