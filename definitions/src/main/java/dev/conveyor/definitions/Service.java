package dev.conveyor.definitions;

import java.util.List;
import java.util.Objects;

/**
 * One service of conveyor.yaml.
 *
 * @param name the key under {@code services}
 * @param repo the source repository: a path relative to the definitions repository, or a URL
 * @param dockerfile Dockerfile path inside the source repository (default {@code Dockerfile})
 * @param context build context inside the source repository (default {@code .})
 * @param app Marathon app template, relative to the definitions repository (default {@code
 *     marathon/<name>.json})
 * @param health health gate settings
 * @param dependsOn services that must be deployed and healthy first, as written
 */
public record Service(
    String name,
    String repo,
    String dockerfile,
    String context,
    String app,
    Health health,
    List<String> dependsOn) {

  public static final String DEFAULT_DOCKERFILE = "Dockerfile";
  public static final String DEFAULT_CONTEXT = ".";

  public Service {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(repo, "repo");
    Objects.requireNonNull(dockerfile, "dockerfile");
    Objects.requireNonNull(context, "context");
    Objects.requireNonNull(app, "app");
    Objects.requireNonNull(health, "health");
    dependsOn = List.copyOf(dependsOn);
  }

  /** The default template path for a service: {@code marathon/<name>.json}. */
  public static String defaultApp(String name) {
    return "marathon/" + name + ".json";
  }
}
