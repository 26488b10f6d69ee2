package dev.conveyor.worker;

import java.nio.file.Path;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
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
    @DefaultValue Git git,
    @DefaultValue Ui ui,
    @DefaultValue Docker docker,
    @DefaultValue Codec codec,
    @DefaultValue Test test) {

  /** Registry credentials for push and the registry API; empty for an open local registry. */
  public record Registry(String username, String password) {}

  /** Consul ACL token, sent as X-Consul-Token. */
  public record Consul(String token, @DefaultValue("10s") Duration timeout) {}

  /** Marathon HTTP Basic credentials, or a DC/OS token. */
  public record Marathon(
      String username, String password, String token, @DefaultValue("30s") Duration timeout) {}

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
