package dev.conveyor.activities.kv;

import dev.conveyor.workflows.steps.FailureTypes;
import io.temporal.failure.ApplicationFailure;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import okhttp3.HttpUrl;
import okhttp3.OkHttpClient;

/**
 * Reads what the KV step recorded for a service in an environment ({@code
 * conveyor/<env>/<service>/image} and {@code …/commit}), from the environment's Consul or the
 * worker's file store, as {@link KvActivitiesImpl} writes them. Read-only. Consul's 5xx and
 * connection errors propagate as transient {@link ConsulException}s.
 */
public final class KvReader {
  private final KvSettings settings;
  private final OkHttpClient http;
  private final ConcurrentMap<String, KvStore> consulStores = new ConcurrentHashMap<>();
  private volatile KvStore fileStore;

  public KvReader(KvSettings settings) {
    this.settings = settings;
    this.http =
        new OkHttpClient.Builder()
            .connectTimeout(settings.timeout())
            .readTimeout(settings.timeout())
            .callTimeout(settings.timeout())
            .build();
  }

  /**
   * The recorded image and commit.
   *
   * @param consulUrl the environment's Consul, or null for the worker's file store
   * @return empty when nothing was recorded for the service in that environment
   */
  public Optional<Recorded> read(String consulUrl, String env, String service) {
    String base = KvActivitiesImpl.PREFIX + "/" + env + "/" + service;
    KvStore store = storeFor(consulUrl);
    Optional<KvStore.Entry> image = store.get(base + "/image");
    if (image.isEmpty()) {
      return Optional.empty();
    }
    String commit = store.get(base + "/commit").map(KvStore.Entry::value).orElse(null);
    return Optional.of(new Recorded(base + "/image", image.get().value(), commit));
  }

  /** What the KV step wrote: the digest-pinned image and the source commit it was built from. */
  public record Recorded(String key, String image, String commit) {}

  private KvStore storeFor(String consulUrl) {
    if (consulUrl == null || consulUrl.isBlank()) {
      KvStore store = fileStore;
      if (store == null) {
        synchronized (this) {
          if (fileStore == null) {
            fileStore = new FileKvStore(settings.dataDir().resolve("kv"), settings.timeout());
          }
          store = fileStore;
        }
      }
      return store;
    }
    return consulStores.computeIfAbsent(
        consulUrl,
        url -> {
          HttpUrl parsed = HttpUrl.parse(url);
          if (parsed == null) {
            throw ApplicationFailure.newNonRetryableFailure(
                "consul.url '" + url + "' is not an http(s) URL", FailureTypes.INVALID_DEFINITIONS);
          }
          return new ConsulKvStore(parsed, http, settings.consulToken());
        });
  }
}
