package dev.conveyor.definitions;

import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * One batch job of conveyor.yaml: built like a service, scheduled by the environment's Chronos.
 *
 * @param name the key under {@code jobs}; shares the name rule (and the name space) with services
 * @param repo the source repository: a path relative to the definitions repository, or a URL
 * @param dockerfile Dockerfile path inside the source repository (default {@code Dockerfile})
 * @param context build context inside the source repository (default {@code .})
 * @param template the Chronos job template ({@code job} in conveyor.yaml), relative to the
 *     definitions repository (default {@code chronos/<name>.json})
 * @param dependsOn services that must be healthy on the environment before the job is registered
 * @param smokeRun whether a deployment triggers one run of the job and waits for its success
 * @param smokeTimeout how long that run may take ({@code smokeTimeout}, default {@link
 *     #DEFAULT_SMOKE_TIMEOUT})
 */
public record Job(
    String name,
    String repo,
    String dockerfile,
    String context,
    String template,
    List<String> dependsOn,
    boolean smokeRun,
    Duration smokeTimeout) {

  public static final Duration DEFAULT_SMOKE_TIMEOUT = Duration.ofMinutes(15);

  public Job {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(repo, "repo");
    Objects.requireNonNull(dockerfile, "dockerfile");
    Objects.requireNonNull(context, "context");
    Objects.requireNonNull(template, "template");
    Objects.requireNonNull(smokeTimeout, "smokeTimeout");
    dependsOn = List.copyOf(dependsOn);
  }

  /** The default template path for a job: {@code chronos/<name>.json}. */
  public static String defaultTemplate(String name) {
    return "chronos/" + name + ".json";
  }
}
