package dev.conveyor.activities.resolve;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.conveyor.activities.gitops.ConfigRepo;
import dev.conveyor.activities.gitops.GitOpsSettings;
import dev.conveyor.activities.registry.ImageRef;
import dev.conveyor.definitions.ChronosEndpoint;
import dev.conveyor.definitions.Definitions;
import dev.conveyor.definitions.Environment;
import dev.conveyor.definitions.Job;
import dev.conveyor.definitions.JobTemplate;
import dev.conveyor.definitions.LoadResult;
import dev.conveyor.definitions.Problem;
import dev.conveyor.definitions.Service;
import dev.conveyor.definitions.Target;
import dev.conveyor.workflows.steps.FailureTypes;
import dev.conveyor.workflows.steps.HealthSpec;
import dev.conveyor.workflows.steps.JobResolveActivities;
import dev.conveyor.workflows.steps.NotifierSpec;
import dev.conveyor.workflows.steps.ResolveActivities;
import dev.conveyor.workflows.steps.ResolvedDeployment;
import dev.conveyor.workflows.steps.ResolvedJob;
import io.temporal.failure.ApplicationFailure;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.function.BiFunction;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Step 1, for services and for jobs. Reads the definitions at the config repo's current head,
 * validates them with the definitions module, and resolves what later steps need. Read-only: a
 * repeat reads the head again, which is what a retried resolve should do.
 */
public final class ResolveActivitiesImpl implements ResolveActivities, JobResolveActivities {
  private final GitOpsSettings settings;

  public ResolveActivitiesImpl(GitOpsSettings settings) {
    this.settings = settings;
  }

  @Override
  public ResolvedDeployment resolve(ResolveRequest request) {
    return atHead(
        request.definitions(),
        (definitions, configCommit) -> resolve(request, definitions, configCommit));
  }

  private ResolvedDeployment resolve(
      ResolveRequest request, Definitions definitions, String configCommit) {
    Environment env = definitions.environments().get(request.env());
    if (env == null) {
      throw unknown("environment", request.env(), definitions.environments().keySet());
    }
    Service service = definitions.services().get(request.service());
    if (service == null) {
      throw unknown("service", request.service(), definitions.services().keySet());
    }
    ObjectNode app = definitions.appTemplate(service.name());
    JsonNode id = app.get("id");
    String appId = id == null || id.asText().isBlank() ? "/" + service.name() : id.asText();
    List<NotifierSpec> notifiers = notifiers(definitions);
    return new ResolvedDeployment(
        request.definitions(),
        configCommit,
        env.name(),
        service.name(),
        request.commit(),
        env.target() == Target.MARATHON ? "marathon" : "docker",
        registry(definitions, env),
        registry(definitions, env) + "/" + service.name(),
        sourceRepo(request.definitions(), service.repo()),
        service.dockerfile(),
        service.context(),
        service.app(),
        appId,
        new HealthSpec(
            service.health().path(),
            service.health().port(),
            service.health().timeout().toSeconds()),
        env.marathon().map(m -> m.url()).orElse(null),
        env.consul().map(c -> c.url()).orElse(null),
        notifiers,
        env.bakeWindow().toSeconds(),
        env.autoRollback());
  }

  /**
   * Where the environment's images go: the definitions' registry, or {@link
   * ImageRef#LOCAL_REGISTRY} in local-image mode ({@code registry: local}), whose tags the build
   * step keeps in the worker's engine instead of pushing.
   */
  private static String registry(Definitions definitions, Environment env) {
    return env.localImages() ? ImageRef.LOCAL_REGISTRY : definitions.registry();
  }

  /**
   * A job's deployment: the same read of the definitions at the head, then the job, its template's
   * Chronos name and the environment's Chronos.
   */
  @Override
  public ResolvedJob resolveJob(JobResolveRequest request) {
    return atHead(
        request.definitions(),
        (definitions, configCommit) -> resolveJob(request, definitions, configCommit));
  }

  private ResolvedJob resolveJob(
      JobResolveRequest request, Definitions definitions, String configCommit) {
    Environment env = definitions.environments().get(request.env());
    if (env == null) {
      throw unknown("environment", request.env(), definitions.environments().keySet());
    }
    Job job = definitions.jobs().get(request.job());
    if (job == null) {
      throw unknown("job", request.job(), definitions.jobs().keySet());
    }
    ChronosEndpoint chronos =
        env.chronos()
            .orElseThrow(
                () ->
                    invalid(
                        "environment "
                            + env.name()
                            + " has no chronos in conveyor.yaml, so it cannot run job "
                            + job.name()
                            + "; add e.g. chronos: { url: \"http://chronos."
                            + env.name()
                            + ":4400\" } to environments."
                            + env.name()));
    String chronosName = JobTemplate.name(definitions.jobTemplate(job.name())).orElse(job.name());
    return new ResolvedJob(
        request.definitions(),
        configCommit,
        env.name(),
        job.name(),
        request.commit(),
        definitions.registry(),
        definitions.registry() + "/" + job.name(),
        sourceRepo(request.definitions(), job.repo()),
        job.dockerfile(),
        job.context(),
        job.template(),
        chronosName,
        chronos.url(),
        chronos.apiPrefix(),
        env.consul().map(c -> c.url()).orElse(null),
        job.dependsOn(),
        job.smokeRun(),
        job.smokeTimeout().toSeconds(),
        notifiers(definitions));
  }

  /**
   * Reads the definitions at the config repo's current head into a scratch directory, validates
   * them, and hands them with the head's commit to {@code body}.
   */
  private <T> T atHead(String location, BiFunction<Definitions, String, T> body) {
    ConfigRepo repo = ConfigRepo.open(location, settings);
    ConfigRepo.Snapshot head = repo.readHead();
    Path workDir = createWorkDir();
    try {
      LoadResult loaded = Definitions.load(head.materialize(workDir.resolve("definitions")));
      if (!loaded.ok()) {
        throw invalid(
            repo.location()
                + " at "
                + head.commit().substring(0, 12)
                + " has invalid definitions:\n"
                + loaded.errors().stream().map(Problem::format).collect(Collectors.joining("\n")));
      }
      return body.apply(loaded.definitions().orElseThrow(), head.commit());
    } finally {
      deleteQuietly(workDir);
    }
  }

  private static List<NotifierSpec> notifiers(Definitions definitions) {
    return definitions.notifiers().stream()
        .map(n -> new NotifierSpec(n.type(), n.url(), n.options()))
        .toList();
  }

  private static ApplicationFailure unknown(String what, String name, java.util.Set<String> names) {
    return invalid(
        "conveyor.yaml has no "
            + what
            + " '"
            + name
            + "' (it has "
            + (names.isEmpty() ? "none" : String.join(", ", names))
            + ")");
  }

  /**
   * A service's {@code repo} is a URL, an absolute path, or a path relative to the config repo
   * (e.g. {@code ../billing.git} next to it).
   */
  public static String sourceRepo(String definitions, String repo) {
    if (repo.contains("://") || repo.matches("[\\w.-]+@[\\w.-]+:.*")) {
      return repo;
    }
    if (Path.of(repo).isAbsolute()) {
      return Path.of(repo).normalize().toString();
    }
    if (definitions.contains("://")) {
      String base = definitions.endsWith("/") ? definitions : definitions + "/";
      return URI.create(base).resolve(repo).toString();
    }
    return Path.of(definitions).toAbsolutePath().resolve(repo).normalize().toString();
  }

  private Path createWorkDir() {
    try {
      Path parent = settings.dataDir().resolve("resolve");
      Files.createDirectories(parent);
      return Files.createTempDirectory(parent, "definitions-");
    } catch (IOException e) {
      throw new UncheckedIOException(
          "cannot create a work directory under " + settings.dataDir(), e);
    }
  }

  private static void deleteQuietly(Path dir) {
    try (Stream<Path> files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException ignored) {
      // A leftover temp dir is harmless; the next resolve uses a new one.
    }
  }

  private static ApplicationFailure invalid(String message) {
    return ApplicationFailure.newNonRetryableFailure(message, FailureTypes.INVALID_DEFINITIONS);
  }
}
