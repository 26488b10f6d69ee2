package dev.conveyor.activities.release;

import dev.conveyor.activities.build.SourceRepositories;
import dev.conveyor.activities.gitops.GitOpsSettings;
import dev.conveyor.activities.resolve.ResolveActivitiesImpl;
import dev.conveyor.definitions.Definitions;
import dev.conveyor.definitions.Job;
import dev.conveyor.definitions.Service;
import dev.conveyor.workflows.steps.FailureTypes;
import dev.conveyor.workflows.steps.ReleasePlan;
import dev.conveyor.workflows.steps.ReleasePlan.PlannedJob;
import dev.conveyor.workflows.steps.ReleasePlan.PlannedService;
import dev.conveyor.workflows.steps.ReleasePlanActivities;
import io.temporal.failure.ApplicationFailure;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Plans a release: reads the definitions at the config repo's head and resolves each member's
 * commit (and the commit of each job that depends on a member: the stack's jobs) in its source
 * repository (through {@link SourceRepositories}, the build step's access, with its own cache under
 * {@code <dataDir>/plan-source-cache}). Read-only apart from that cache, so a retry simply plans
 * again.
 */
public final class ReleasePlanActivitiesImpl implements ReleasePlanActivities {
  private final GitOpsSettings settings;
  private final SourceRepositories sources;

  /**
   * @param settings the config repo access (the one the resolve and GitOps steps use)
   * @param gitTimeout for each source repository network operation
   */
  public ReleasePlanActivitiesImpl(GitOpsSettings settings, Duration gitTimeout) {
    this.settings = settings;
    this.sources =
        new SourceRepositories(settings.dataDir().resolve("plan-source-cache"), gitTimeout);
  }

  @Override
  public ReleasePlan plan(PlanRequest request) {
    return DefinitionsAt.read(
        settings, request.definitions(), null, (commit, defs) -> plan(request, commit, defs));
  }

  private ReleasePlan plan(PlanRequest request, String configCommit, Definitions definitions) {
    if (!definitions.environments().containsKey(request.env())) {
      throw DefinitionsAt.unknown(
          "environment", request.env(), definitions.environments().keySet());
    }
    List<String> stack = definitions.stacks().get(request.stack());
    if (stack == null) {
      throw DefinitionsAt.unknown("stack", request.stack(), definitions.stacks().keySet());
    }
    List<String> requested = request.services() == null ? List.of() : request.services();
    Set<String> members = new LinkedHashSet<>(requested.isEmpty() ? stack : requested);
    List<String> problems = new ArrayList<>();
    for (String service : members) {
      if (!definitions.services().containsKey(service)) {
        problems.add("service '" + service + "' is not defined");
      } else if (!stack.contains(service)) {
        problems.add(
            "service '"
                + service
                + "' is not in stack "
                + request.stack()
                + " ("
                + String.join(", ", stack)
                + ")");
      }
    }
    Map<String, String> pins = request.commits() == null ? Map.of() : request.commits();
    List<Job> jobs = jobsOf(definitions, members);
    Set<String> jobNames = new LinkedHashSet<>();
    jobs.forEach(job -> jobNames.add(job.name()));
    for (String pinned : pins.keySet()) {
      if (!members.contains(pinned) && !jobNames.contains(pinned)) {
        problems.add("a commit is given for " + pinned + ", which is not part of this release");
      }
    }
    if (!problems.isEmpty()) {
      throw DefinitionsAt.invalid(
          "cannot release stack " + request.stack() + ": " + String.join("; ", problems));
    }
    List<PlannedService> planned = new ArrayList<>();
    for (String name : members) {
      Service service = definitions.services().get(name);
      String repo = ResolveActivitiesImpl.sourceRepo(request.definitions(), service.repo());
      planned.add(new PlannedService(name, commit(name, repo, pins.get(name), problems)));
    }
    List<PlannedJob> plannedJobs = new ArrayList<>();
    for (Job job : jobs) {
      String repo = ResolveActivitiesImpl.sourceRepo(request.definitions(), job.repo());
      plannedJobs.add(
          new PlannedJob(
              job.name(),
              commit("job " + job.name(), repo, pins.get(job.name()), problems),
              job.dependsOn()));
    }
    if (!problems.isEmpty()) {
      throw DefinitionsAt.invalid(
          "cannot release stack " + request.stack() + ": " + String.join("; ", problems));
    }
    Map<String, List<String>> dependsOn = new LinkedHashMap<>();
    definitions.services().forEach((name, service) -> dependsOn.put(name, service.dependsOn()));
    return new ReleasePlan(
        configCommit, request.env(), request.stack(), planned, dependsOn, plannedJobs);
  }

  /** The jobs that depend on at least one member, by name. */
  private static List<Job> jobsOf(Definitions definitions, Set<String> members) {
    return definitions.jobs().values().stream()
        .filter(job -> job.dependsOn().stream().anyMatch(members::contains))
        .sorted(java.util.Comparator.comparing(Job::name))
        .toList();
  }

  /** The full commit, or null with a problem added. */
  private String commit(String service, String repo, String pinned, List<String> problems) {
    String what = pinned == null || pinned.isBlank() ? "the default branch head" : pinned;
    Optional<String> found;
    try {
      found = sources.resolveCommit(repo, pinned);
    } catch (ApplicationFailure e) {
      if (FailureTypes.UNAUTHORIZED.equals(e.getType())) {
        throw e;
      }
      problems.add(service + ": " + e.getOriginalMessage());
      return null;
    }
    if (found.isEmpty()) {
      problems.add(
          service + ": " + what + " does not resolve in " + SourceRepositories.redact(repo));
      return null;
    }
    return found.get();
  }
}
