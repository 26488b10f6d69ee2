package dev.conveyor.activities.release;

import com.fasterxml.jackson.databind.JsonNode;
import dev.conveyor.activities.gitops.GitOpsSettings;
import dev.conveyor.activities.target.DeployTarget;
import dev.conveyor.definitions.Definitions;
import dev.conveyor.definitions.Environment;
import dev.conveyor.definitions.Service;
import dev.conveyor.definitions.Target;
import dev.conveyor.workflows.steps.DeployActivities.TargetRequest;
import dev.conveyor.workflows.steps.FailureTypes;
import dev.conveyor.workflows.steps.HealthSpec;
import dev.conveyor.workflows.steps.TargetHealthActivities;
import io.temporal.failure.ApplicationFailure;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Asks the environment's {@link DeployTarget} once what runs for a service ({@link
 * DeployTarget#live}), with the target, app id and health check read from the definitions at the
 * given config commit. Read-only.
 */
public final class TargetHealthActivitiesImpl implements TargetHealthActivities {
  private final GitOpsSettings settings;
  private final Map<String, DeployTarget> targets = new HashMap<>();

  /**
   * @param settings the config repo access
   * @param targets the worker's deploy targets (the ones the deploy step uses)
   */
  public TargetHealthActivitiesImpl(GitOpsSettings settings, List<DeployTarget> targets) {
    this.settings = settings;
    targets.forEach(t -> this.targets.put(t.kind(), t));
  }

  @Override
  public LiveReport checkLive(LiveCheck check) {
    TargetRequest request =
        DefinitionsAt.read(
            settings,
            check.definitions(),
            check.configCommit(),
            (commit, definitions) -> request(check, definitions));
    DeployTarget target = targets.get(request.target());
    if (target == null) {
      throw ApplicationFailure.newNonRetryableFailure(
          "this worker has no deploy target '"
              + request.target()
              + "' (it has "
              + targets.keySet()
              + ")",
          FailureTypes.MISCONFIGURED);
    }
    return target.live(request);
  }

  /** What {@link DeployTarget#live} needs: target, env, service, app id, Marathon URL, health. */
  static TargetRequest request(LiveCheck check, Definitions definitions) {
    Environment env = definitions.environments().get(check.env());
    if (env == null) {
      throw DefinitionsAt.unknown("environment", check.env(), definitions.environments().keySet());
    }
    Service service = definitions.services().get(check.service());
    if (service == null) {
      throw DefinitionsAt.unknown("service", check.service(), definitions.services().keySet());
    }
    JsonNode id = definitions.appTemplate(service.name()).get("id");
    String appId = id == null || id.asText().isBlank() ? "/" + service.name() : id.asText();
    return new TargetRequest(
        env.target() == Target.MARATHON ? "marathon" : "docker",
        env.name(),
        service.name(),
        appId,
        env.marathon().map(m -> m.url()).orElse(null),
        check.definitions(),
        check.configCommit(),
        null,
        null,
        null,
        new HealthSpec(
            service.health().path(),
            service.health().port(),
            service.health().timeout().toSeconds()),
        null,
        false);
  }
}
