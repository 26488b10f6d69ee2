package dev.conveyor.activities.release;

import dev.conveyor.activities.gitops.GitOpsSettings;
import dev.conveyor.activities.kv.KvReader;
import dev.conveyor.activities.registry.ImageRef;
import dev.conveyor.activities.target.DeployTarget;
import dev.conveyor.definitions.Definitions;
import dev.conveyor.definitions.Environment;
import dev.conveyor.workflows.steps.DeployActivities.TargetRequest;
import dev.conveyor.workflows.steps.FailureTypes;
import dev.conveyor.workflows.steps.PromotionActivities;
import dev.conveyor.workflows.steps.TargetHealthActivities.LiveCheck;
import dev.conveyor.workflows.steps.TargetHealthActivities.LiveReport;
import io.temporal.failure.ApplicationFailure;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Reads a promotion's source: the KV records of the source environment and what its target runs
 * ({@link DeployTarget#live}). Read-only, so a retry reads again.
 */
public final class PromotionActivitiesImpl implements PromotionActivities {
  private final GitOpsSettings settings;
  private final KvReader kv;
  private final Map<String, DeployTarget> targets = new HashMap<>();

  /**
   * @param settings the config repo access
   * @param kv reads the source environment's KV
   * @param targets the worker's deploy targets
   */
  public PromotionActivitiesImpl(GitOpsSettings settings, KvReader kv, List<DeployTarget> targets) {
    this.settings = settings;
    this.kv = kv;
    targets.forEach(t -> this.targets.put(t.kind(), t));
  }

  @Override
  public LiveStack readLive(LiveStackRequest request) {
    return DefinitionsAt.read(
        settings,
        request.definitions(),
        null,
        (commit, definitions) -> readLive(request, commit, definitions));
  }

  private LiveStack readLive(LiveStackRequest request, String commit, Definitions definitions) {
    Environment from = environment(definitions, request.from());
    Environment to = environment(definitions, request.to());
    List<String> stack = definitions.stacks().get(request.stack());
    if (stack == null) {
      throw DefinitionsAt.unknown("stack", request.stack(), definitions.stacks().keySet());
    }
    List<String> wanted =
        request.services() == null || request.services().isEmpty() ? stack : request.services();
    List<String> outside = wanted.stream().filter(s -> !stack.contains(s)).toList();
    if (!outside.isEmpty()) {
      throw DefinitionsAt.invalid(
          "cannot promote stack "
              + request.stack()
              + ": "
              + String.join(", ", outside)
              + " not in it ("
              + String.join(", ", stack)
              + ")");
    }
    List<LiveService> services = new ArrayList<>();
    for (String service : wanted) {
      services.add(service(request, commit, definitions, from, service));
    }
    return new LiveStack(commit, to.approvalRequired(), services);
  }

  private LiveService service(
      LiveStackRequest request,
      String configCommit,
      Definitions definitions,
      Environment from,
      String service) {
    Optional<KvReader.Recorded> recorded =
        kv.read(from.consul().map(c -> c.url()).orElse(null), from.name(), service);
    if (recorded.isEmpty()) {
      return new LiveService(
          service, null, null, false, "nothing recorded for " + service + " on " + from.name());
    }
    TargetRequest target =
        TargetHealthActivitiesImpl.request(
            new LiveCheck(request.definitions(), configCommit, from.name(), service), definitions);
    DeployTarget deployTarget = targets.get(target.target());
    if (deployTarget == null) {
      throw ApplicationFailure.newNonRetryableFailure(
          "this worker has no deploy target '" + target.target() + "'", FailureTypes.MISCONFIGURED);
    }
    String image = recorded.get().image();
    if (!isPinnedImage(image)) {
      // Written by hand, or by something else: promoting it would deploy whatever it names.
      return new LiveService(
          service,
          recorded.get().commit(),
          image,
          false,
          recorded.get().key()
              + " holds '"
              + image
              + "', which is not a digest-pinned image reference (<registry>/<name>@sha256:…);"
              + " deploy "
              + service
              + " to "
              + from.name()
              + " again to record one");
    }
    LiveReport live = deployTarget.live(target);
    if (!live.healthy()) {
      return new LiveService(
          service,
          recorded.get().commit(),
          image,
          false,
          "not healthy on " + from.name() + ": " + live.summary());
    }
    if (!image.equals(live.image())) {
      return new LiveService(
          service,
          recorded.get().commit(),
          image,
          false,
          from.name() + " runs " + live.image() + ", but KV records " + image);
    }
    return new LiveService(service, recorded.get().commit(), image, true, live.summary());
  }

  private static boolean isPinnedImage(String image) {
    try {
      return ImageRef.parse(image).isDigest();
    } catch (IllegalArgumentException e) {
      return false;
    }
  }

  private static Environment environment(Definitions definitions, String name) {
    Environment env = definitions.environments().get(name);
    if (env == null) {
      throw DefinitionsAt.unknown("environment", name, definitions.environments().keySet());
    }
    return env;
  }
}
