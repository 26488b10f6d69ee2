package dev.conveyor.worker;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.conveyor.activities.build.BuildActivitiesImpl;
import dev.conveyor.activities.build.BuildSettings;
import dev.conveyor.activities.chronos.ChronosActivitiesImpl;
import dev.conveyor.activities.chronos.ChronosSettings;
import dev.conveyor.activities.docker.DockerSettings;
import dev.conveyor.activities.docker.DockerTarget;
import dev.conveyor.activities.docker.DockerTargetSettings;
import dev.conveyor.activities.gitops.ConfigRepo;
import dev.conveyor.activities.gitops.GitCredentials;
import dev.conveyor.activities.gitops.GitOpsActivitiesImpl;
import dev.conveyor.activities.gitops.GitOpsSettings;
import dev.conveyor.activities.kv.KvActivitiesImpl;
import dev.conveyor.activities.kv.KvReader;
import dev.conveyor.activities.kv.KvSettings;
import dev.conveyor.activities.marathon.MarathonSettings;
import dev.conveyor.activities.marathon.MarathonTarget;
import dev.conveyor.activities.notify.NotifyActivitiesImpl;
import dev.conveyor.activities.notify.NotifySettings;
import dev.conveyor.activities.registry.RegistryCredentials;
import dev.conveyor.activities.registry.RegistrySettings;
import dev.conveyor.activities.release.PromotionActivitiesImpl;
import dev.conveyor.activities.release.ReleasePlanActivitiesImpl;
import dev.conveyor.activities.release.TargetHealthActivitiesImpl;
import dev.conveyor.activities.resolve.ResolveActivitiesImpl;
import dev.conveyor.activities.target.AppDefinitionSource;
import dev.conveyor.activities.target.DeployActivitiesImpl;
import dev.conveyor.workflows.steps.FailureTypes;
import io.temporal.failure.ApplicationFailure;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Builds the activity implementations from {@link WorkerProperties}. The bean names are the ones
 * {@code spring.temporal.workers[].activity-beans} lists in application.yaml.
 */
@Configuration(proxyBeanMethods = false)
class ActivitiesConfiguration {
  /** How often the health gate looks at the target. */
  static final Duration HEALTH_POLL = Duration.ofSeconds(1);

  private static final ObjectMapper JSON = new ObjectMapper();

  @Bean
  GitOpsSettings gitOpsSettings(WorkerProperties properties) {
    WorkerProperties.Git git = properties.git();
    Optional<GitCredentials> credentials =
        isSet(git.username())
            ? Optional.of(new GitCredentials(git.host(), git.username(), git.password()))
            : Optional.empty();
    return new GitOpsSettings(
        properties.dataDir(),
        git.authorName(),
        git.authorEmail(),
        credentials,
        Optional.empty(),
        GitOpsSettings.DEFAULT_TIMEOUT);
  }

  @Bean
  RegistrySettings registrySettings(WorkerProperties properties) {
    WorkerProperties.Registry registry = properties.registry();
    RegistrySettings settings = RegistrySettings.defaults();
    return isSet(registry.username())
        ? settings.withCredentials(
            new RegistryCredentials(registry.username(), registry.password()))
        : settings;
  }

  @Bean
  DockerSettings dockerSettings(WorkerProperties properties) {
    DockerSettings defaults = DockerSettings.defaults();
    String host = properties.docker().host();
    return isSet(host)
        ? new DockerSettings(host, defaults.connectTimeout(), defaults.responseTimeout())
        : defaults;
  }

  @Bean
  ResolveActivitiesImpl resolveActivities(GitOpsSettings settings) {
    return new ResolveActivitiesImpl(settings);
  }

  @Bean(destroyMethod = "close")
  BuildActivitiesImpl buildActivities(
      WorkerProperties properties, DockerSettings docker, RegistrySettings registry) {
    BuildSettings defaults = BuildSettings.defaults(properties.dataDir());
    return new BuildActivitiesImpl(
        new BuildSettings(
            properties.dataDir(),
            docker,
            registry,
            defaults.buildTimeout(),
            defaults.pushTimeout(),
            defaults.gitTimeout(),
            defaults.heartbeatInterval()));
  }

  @Bean
  KvActivitiesImpl kvActivities(WorkerProperties properties) {
    WorkerProperties.Consul consul = properties.consul();
    return new KvActivitiesImpl(
        new KvSettings(
            properties.dataDir(),
            consul.token(),
            consul.timeout(),
            KvSettings.DEFAULT_CAS_ATTEMPTS));
  }

  @Bean
  GitOpsActivitiesImpl gitOpsActivities(GitOpsSettings settings) {
    return new GitOpsActivitiesImpl(settings);
  }

  @Bean(destroyMethod = "close")
  DockerTarget dockerTarget(DockerSettings docker, RegistrySettings registry) {
    DockerTargetSettings defaults = DockerTargetSettings.defaults();
    return new DockerTarget(
        new DockerTargetSettings(
            docker,
            registry.credentials(),
            defaults.publishAddress(),
            defaults.healthRequestTimeout(),
            defaults.stopTimeout(),
            defaults.pullTimeout()));
  }

  @Bean
  MarathonTarget marathonTarget(WorkerProperties properties) {
    WorkerProperties.Marathon marathon = properties.marathon();
    return new MarathonTarget(
        new MarathonSettings(
            marathon.username(),
            marathon.password(),
            marathon.token(),
            marathon.timeout(),
            MarathonSettings.DEFAULT_LOCK_WAIT,
            MarathonSettings.DEFAULT_POLL_INTERVAL,
            marathon.events()));
  }

  @Bean
  DeployActivitiesImpl deployActivities(
      DockerTarget docker, MarathonTarget marathon, GitOpsSettings settings) {
    return new DeployActivitiesImpl(
        List.of(docker, marathon), committedDefinitions(settings), HEALTH_POLL);
  }

  /** The Chronos steps of job deployments; job definitions are read like app definitions. */
  @Bean
  ChronosActivitiesImpl jobActivities(WorkerProperties properties, GitOpsSettings settings) {
    WorkerProperties.Chronos chronos = properties.chronos();
    return new ChronosActivitiesImpl(
        new ChronosSettings(
            chronos.username(),
            chronos.password(),
            chronos.timeout(),
            ChronosSettings.DEFAULT_POLL_INTERVAL,
            ChronosSettings.DEFAULT_LISTING_WAIT),
        committedDefinitions(settings));
  }

  @Bean
  NotifyActivitiesImpl notifyActivities(WorkerProperties properties) {
    return new NotifyActivitiesImpl(
        new NotifySettings(
            properties.ui().baseUrl(),
            properties.ui().namespace(),
            NotifySettings.DEFAULT_TIMEOUT));
  }

  @Bean
  ReleasePlanActivitiesImpl releasePlanActivities(
      WorkerProperties properties, GitOpsSettings settings) {
    return new ReleasePlanActivitiesImpl(
        settings, BuildSettings.defaults(properties.dataDir()).gitTimeout());
  }

  @Bean
  TargetHealthActivitiesImpl targetHealthActivities(
      DockerTarget docker, MarathonTarget marathon, GitOpsSettings settings) {
    return new TargetHealthActivitiesImpl(settings, List.of(docker, marathon));
  }

  @Bean
  PromotionActivitiesImpl promotionActivities(
      WorkerProperties properties,
      DockerTarget docker,
      MarathonTarget marathon,
      GitOpsSettings settings) {
    WorkerProperties.Consul consul = properties.consul();
    KvSettings kv =
        new KvSettings(
            properties.dataDir(),
            consul.token(),
            consul.timeout(),
            KvSettings.DEFAULT_CAS_ATTEMPTS);
    return new PromotionActivitiesImpl(settings, new KvReader(kv), List.of(docker, marathon));
  }

  /** The deploy step reads the definition the commit step wrote, at that exact commit. */
  static AppDefinitionSource committedDefinitions(GitOpsSettings settings) {
    return (definitions, configCommit, path) -> {
      byte[] content =
          ConfigRepo.open(definitions, settings)
              .readAt(configCommit, path)
              .orElseThrow(
                  () ->
                      ApplicationFailure.newNonRetryableFailure(
                          path + " is missing at config commit " + configCommit,
                          FailureTypes.INVALID_DEFINITIONS));
      try {
        return (ObjectNode) JSON.readTree(content);
      } catch (IOException | ClassCastException e) {
        throw ApplicationFailure.newNonRetryableFailure(
            path + " at " + configCommit + " is not a JSON object: " + e.getMessage(),
            FailureTypes.INVALID_DEFINITIONS);
      }
    };
  }

  private static boolean isSet(String value) {
    return value != null && !value.isBlank();
  }
}
