package dev.conveyor.workflows.steps;

import java.util.List;
import java.util.Map;

/**
 * The services a release deploys and the dependency relation around them, read once from the
 * definitions at {@code configCommit}.
 *
 * @param configCommit the config repo commit the definitions were read at
 * @param services the release's members, each with the full commit to deploy
 * @param dependsOn every service of the definitions mapped to its {@code dependsOn} (empty list
 *     when none); a superset of {@code services}
 */
public record ReleasePlan(
    String configCommit,
    String env,
    String stack,
    List<PlannedService> services,
    Map<String, List<String>> dependsOn) {

  /** One member of the release and the commit it deploys. */
  public record PlannedService(String service, String commit) {}
}
