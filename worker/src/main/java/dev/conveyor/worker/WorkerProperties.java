package dev.conveyor.worker;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.ConstructorBinding;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Everything a worker needs besides the Temporal connection ({@code spring.temporal.*}). Secrets
 * come from environment variables through Spring's relaxed binding (e.g. {@code
 * CONVEYOR_WORKER_CONSUL_TOKEN}); they are never part of a workflow input. See
 * docs/configuration.md for every property.
 *
 * @param dataDir where the worker keeps config repo clones, source caches and the file KV
 * @param dev whether this worker also runs the in-process Temporal dev server
 * @param devPort the dev server's port
 * @param queues which of Conveyor's task queues this process serves: {@code build}, {@code control}
 *     or both (see docs/production.md)
 * @param buildQueue concurrency of this process's worker on the build queue
 * @param controlQueue concurrency of this process's worker on the control queue
 * @param health what {@code /actuator/health} checks besides Temporal and Docker
 * @param temporal connection settings the Temporal starter has no property for
 * @param codec end-to-end encryption of workflow payloads; off unless a key is set
 * @param test overrides for crash and fault tests only; empty in production
 */
@ConfigurationProperties("conveyor.worker")
public record WorkerProperties(
    @DefaultValue("${user.home}/.conveyor") Path dataDir,
    @DefaultValue("false") boolean dev,
    @DefaultValue("7233") int devPort,
    @DefaultValue Registry registry,
    @DefaultValue Consul consul,
    @DefaultValue Marathon marathon,
    @DefaultValue Chronos chronos,
    @DefaultValue Git git,
    @DefaultValue Ui ui,
    @DefaultValue Docker docker,
    @DefaultValue({"build", "control"}) List<String> queues,
    @DefaultValue BuildQueue buildQueue,
    @DefaultValue ControlQueue controlQueue,
    @DefaultValue Health health,
    @DefaultValue Temporal temporal,
    @DefaultValue Codec codec,
    @DefaultValue Test test) {

  /** Registry credentials for push and the registry API; empty for an open local registry. */
  public record Registry(String username, String password) {}

  /** Consul ACL token, sent as X-Consul-Token. */
  public record Consul(String token, @DefaultValue("10s") Duration timeout) {}

  /**
   * Marathon HTTP Basic credentials, or a DC/OS token, and how health gates wait.
   *
   * @param events whether health gates wake on Marathon's event stream ({@code /v2/events}) and
   *     confirm with a GET, instead of only polling every second; they poll while the stream is
   *     unavailable (see docs/benchmarks.md for the difference)
   */
  public record Marathon(
      String username,
      String password,
      String token,
      @DefaultValue("30s") Duration timeout,
      @DefaultValue("true") boolean events) {

    /** What Spring binds (a record with a second constructor must name it). */
    @ConstructorBinding
    public Marathon {}

    /** With the event-driven health gate on. */
    public Marathon(String username, String password, String token, Duration timeout) {
      this(username, password, token, timeout, true);
    }
  }

  /** Chronos HTTP Basic credentials ({@code --http_credentials} on Chronos), per-call timeout. */
  public record Chronos(String username, String password, @DefaultValue("15s") Duration timeout) {}

  /**
   * Identity of config repo commits, and credentials for an HTTPS config repo. The credentials are
   * offered only to {@code host}, because the repo location comes with each request.
   */
  public record Git(
      @DefaultValue("Conveyor") String authorName,
      @DefaultValue("conveyor@localhost") String authorEmail,
      String host,
      String username,
      String password) {}

  /** Base URL of the Temporal UI, for links in notifications (empty: no link). */
  public record Ui(String baseUrl, @DefaultValue("default") String namespace) {}

  /** Docker engine for builds and the local target; empty host = DOCKER_HOST or the socket. */
  public record Docker(String host) {}

  /**
   * Limits of the build queue's worker. Builds and pushes run in the Docker engine and mostly wait
   * for it; two at a time keep a 2-core host busy without starving the engine.
   *
   * @param maxConcurrentActivities builds and pushes running at once in this process
   * @param activityPollers concurrent long polls for build tasks
   */
  public record BuildQueue(
      @DefaultValue("2") int maxConcurrentActivities, @DefaultValue("2") int activityPollers) {}

  /**
   * Limits of the control queue's worker. Its activities are short HTTP and Git calls, plus health
   * gates that hold a slot while they wait (minutes each), hence many activity slots; workflow
   * tasks are CPU-bound and short, so a few per core.
   *
   * @param maxConcurrentActivities KV, Git, target, health-gate and notify calls running at once
   * @param maxConcurrentWorkflowTasks workflow tasks (deterministic workflow code) at once
   * @param activityPollers concurrent long polls for activity tasks
   * @param workflowTaskPollers concurrent long polls for workflow tasks (at least 2: one for the
   *     normal and one for the sticky queue)
   */
  public record ControlQueue(
      @DefaultValue("50") int maxConcurrentActivities,
      @DefaultValue("4") int maxConcurrentWorkflowTasks,
      @DefaultValue("2") int activityPollers,
      @DefaultValue("2") int workflowTaskPollers) {}

  /**
   * Endpoints {@code /actuator/health} checks. The worker has no definitions at start, so the
   * registry, Consul and Marathon endpoints of the environments it serves are listed here.
   *
   * @param registries registries ({@code host:port} or a URL), checked with {@code GET /v2/}; unset
   *     means 127.0.0.1:5000 on a worker that serves the build queue and none otherwise
   * @param consul Consul agents (URLs), checked with {@code GET /v1/status/leader}
   * @param marathon Marathon masters (URLs), checked with {@code GET /v2/info}
   * @param timeout per check
   */
  public record Health(
      List<String> registries,
      @DefaultValue List<String> consul,
      @DefaultValue List<String> marathon,
      @DefaultValue("3s") Duration timeout) {}

  /**
   * Temporal connection settings beside {@code spring.temporal.connection.*}.
   *
   * @param serverCaFile PEM file with the CA certificate(s) that signed the Temporal frontend's
   *     certificate, for a self-hosted cluster with a private CA; unset means the JVM's trust store
   */
  public record Temporal(Path serverCaFile) {}

  /**
   * Payload encryption (AES-GCM) of everything the workflows put into Temporal: inputs, results,
   * heartbeat details, query answers, failure messages. Every worker and client of the namespace
   * needs the same key. See {@link PayloadEncryption}.
   *
   * @param key base64 of a 16, 24 or 32 byte AES key (a secret: set {@code
   *     CONVEYOR_WORKER_CODEC_KEY}); unset: payloads are not encrypted
   * @param keyId written into each payload's metadata, so a payload encrypted under another key is
   *     refused with a clear message instead of garbage
   */
  public record Codec(String key, @DefaultValue("default") String keyId) {
    /** Never prints the key. */
    @Override
    public String toString() {
      return "Codec[key="
          + (key == null || key.isBlank() ? "none" : "***")
          + ", keyId="
          + keyId
          + "]";
    }
  }

  /**
   * Settings that exist for Conveyor's own crash and fault tests, never for production.
   *
   * @param heartbeatTimeout when set, every activity the deployment workflow schedules gets this
   *     heartbeat timeout instead of the workflow's own (none for quick calls, 1 min for build and
   *     push, 30 s for the health gate), so a SIGKILLed worker's activity is retried within
   *     seconds. Activities that do not heartbeat must then finish within it, which is why
   *     production leaves it unset. See {@link ActivityTimeoutOverrides}.
   */
  public record Test(Duration heartbeatTimeout) {}
}
