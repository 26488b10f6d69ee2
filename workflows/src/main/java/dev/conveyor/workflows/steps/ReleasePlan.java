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
 * @param jobs the stack's jobs the release deploys after the services they depend on: every job
 *     whose {@code dependsOn} names a member; null in plans recorded before releases had jobs
 */
public record ReleasePlan(
    String configCommit,
    String env,
    String stack,
    List<PlannedService> services,
    Map<String, List<String>> dependsOn,
    List<PlannedJob> jobs) {

  /** A plan without jobs. */
  public ReleasePlan(
      String configCommit,
      String env,
      String stack,
      List<PlannedService> services,
      Map<String, List<String>> dependsOn) {
    this(configCommit, env, stack, services, dependsOn, null);
  }

  /** One member of the release and the commit it deploys. */
  public record PlannedService(String service, String commit) {}

  /**
   * One job of the release.
   *
   * @param commit the full source commit to deploy
   * @param dependsOn the job's {@code dependsOn} services (all of them, members or not)
   */
  public record PlannedJob(String job, String commit, List<String> dependsOn) {}
}
