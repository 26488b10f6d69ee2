package dev.conveyor.activities.kv;

import dev.conveyor.workflows.steps.FailureTypes;
import dev.conveyor.workflows.steps.KvActivities;
import dev.conveyor.workflows.steps.WorkloadKind;
import io.temporal.failure.ApplicationFailure;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import okhttp3.HttpUrl;
import okhttp3.OkHttpClient;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Step 4: records the pinned image under {@code conveyor/<env>/<service>/} (a job's under {@code
 * conveyor/<env>/jobs/<job>/}): {@code image}, {@code commit} and {@code previous} (the image it
 * replaced). Uses the environment's Consul when the request names one, else the worker's {@link
 * FileKvStore} under {@code <dataDir>/kv}.
 *
 * <p><b>Idempotency and crash safety.</b> {@code image} is the commit point: it is written with a
 * compare-and-set against the index it had when read, and {@code previous} and {@code commit} are
 * written with it, never after it. On Consul the three keys go in one {@code /v1/txn}, applied all
 * or nothing. In the file store the other two are written first and {@code image} last, under the
 * store lock. So whenever {@code image} holds the pinned image, {@code previous} and {@code commit}
 * already hold what this deployment meant to write, and a retried activity that finds {@code image}
 * equal to the pinned image does nothing ({@code changed} false) and in particular does not touch
 * {@code previous}: rewriting it then would record the new image as its own predecessor. A crash
 * before {@code image} was written leaves {@code image} at its old value, and the retry redoes all
 * three writes from a fresh read. (In the file store a reader can meanwhile see {@code previous}
 * already equal to {@code image}; nothing reads it as the live image.)
 *
 * <p><b>Races.</b> A lost compare-and-set means another deployment wrote {@code image} between our
 * read and our write: we re-read (that image becomes {@code previous}) and try again, up to {@link
 * KvSettings#casAttempts()} times, then fail transiently for Temporal to retry later. This loop is
 * the compare-and-set protocol itself, not a retry of a failed call.
 *
 * <p><b>Failures.</b> 401/403 from Consul are {@link FailureTypes#UNAUTHORIZED} and 400/413 {@link
 * FailureTypes#REJECTED} (non-retryable); 5xx, timeouts and connection errors propagate as
 * transient exceptions.
 */
public final class KvActivitiesImpl implements KvActivities {
  private static final Logger log = LoggerFactory.getLogger(KvActivitiesImpl.class);

  /** The first segment of every key Conveyor writes. */
  public static final String PREFIX = "conveyor";

  /** Jobs' records live under {@code conveyor/<env>/jobs/<job>/}. */
  public static final String JOBS = "jobs";

  private final KvSettings settings;
  private final OkHttpClient http;
  private final ConcurrentMap<String, KvStore> consulStores = new ConcurrentHashMap<>();
  private volatile KvStore fileStore;

  public KvActivitiesImpl(KvSettings settings) {
    this.settings = settings;
    this.http =
        new OkHttpClient.Builder()
            .connectTimeout(settings.timeout())
            .readTimeout(settings.timeout())
            .writeTimeout(settings.timeout())
            .callTimeout(settings.timeout())
            .build();
  }

  @Override
  public KvResult recordImage(KvRequest request) {
    String base =
        PREFIX
            + "/"
            + segment("env", request.env())
            + "/"
            + (request.kind() == WorkloadKind.JOB
                ? JOBS + "/" + segment("job", request.service())
                : segment("service", request.service()));
    String imageKey = base + "/image";
    String pinned = required("pinnedImage", request.pinnedImage());
    String commit = required("commit", request.commit());
    KvStore store = storeFor(request.consulUrl());
    try {
      for (int attempt = 1; attempt <= settings.casAttempts(); attempt++) {
        Optional<KvStore.Entry> current = store.get(imageKey);
        if (current.isPresent() && current.get().value().equals(pinned)) {
          String previous = store.get(base + "/previous").map(KvStore.Entry::value).orElse(null);
          log.info("{} already holds {}: nothing to write", imageKey, pinned);
          return new KvResult(imageKey, previous, false);
        }
        String replaced = current.map(KvStore.Entry::value).orElse(null);
        Map<String, String> alongside = new LinkedHashMap<>();
        alongside.put(base + "/previous", replaced); // null: first deployment, no previous
        alongside.put(base + "/commit", commit);
        long index = current.map(KvStore.Entry::modifyIndex).orElse(0L);
        if (store.compareAndSetWith(imageKey, pinned, index, alongside)) {
          log.info("{} = {} (was {})", imageKey, pinned, replaced);
          return new KvResult(imageKey, replaced, true);
        }
        log.info("{} changed under us (attempt {}): reading it again", imageKey, attempt);
      }
    } catch (ConsulException e) {
      throw translate(e, request.consulUrl(), base);
    }
    throw new KvContentionException(
        "lost the compare-and-set on "
            + imageKey
            + " "
            + settings.casAttempts()
            + " times in a row: another deployment keeps writing it; the step will be retried");
  }

  /**
   * A rollback's KV write (a job's under {@code conveyor/<env>/jobs/<job>/}): {@code image} back to
   * the restored image, {@code commit} to its commit (deleted when unknown), {@code previous} to
   * the image it replaced (the rolled-back one), in the same compare-and-set as {@link
   * #recordImage} and with the same crash ordering. Idempotent: when {@code image} already holds
   * the restored image, nothing is written. When the request names the image it undoes and {@code
   * image} holds a third one, a newer deployment has moved on: {@link FailureTypes#CONFLICT},
   * nothing written.
   */
  @Override
  public KvResult restore(KvRestoreRequest request) {
    String base =
        PREFIX
            + "/"
            + segment("env", request.env())
            + "/"
            + (request.kind() == WorkloadKind.JOB
                ? JOBS + "/" + segment("job", request.service())
                : segment("service", request.service()));
    String imageKey = base + "/image";
    String image = required("image", request.image());
    KvStore store = storeFor(request.consulUrl());
    try {
      for (int attempt = 1; attempt <= settings.casAttempts(); attempt++) {
        Optional<KvStore.Entry> current = store.get(imageKey);
        if (current.isPresent() && current.get().value().equals(image)) {
          String previous = store.get(base + "/previous").map(KvStore.Entry::value).orElse(null);
          log.info("{} already holds {}: nothing to restore", imageKey, image);
          return new KvResult(imageKey, previous, false);
        }
        String replaced = current.map(KvStore.Entry::value).orElse(null);
        if (request.expectedImage() != null && !request.expectedImage().equals(replaced)) {
          throw ApplicationFailure.newNonRetryableFailure(
              imageKey
                  + " holds "
                  + replaced
                  + ", not "
                  + request.expectedImage()
                  + ": a newer deployment replaced the version to roll back; nothing restored",
              FailureTypes.CONFLICT);
        }
        Map<String, String> alongside = new LinkedHashMap<>();
        alongside.put(base + "/previous", replaced);
        alongside.put(base + "/commit", request.commit());
        long index = current.map(KvStore.Entry::modifyIndex).orElse(0L);
        if (store.compareAndSetWith(imageKey, image, index, alongside)) {
          log.info("{} = {} (restored; was {})", imageKey, image, replaced);
          return new KvResult(imageKey, replaced, true);
        }
        log.info("{} changed under us (attempt {}): reading it again", imageKey, attempt);
      }
    } catch (ConsulException e) {
      throw translate(e, request.consulUrl(), base);
    }
    throw new KvContentionException(
        "lost the compare-and-set on "
            + imageKey
            + " "
            + settings.casAttempts()
            + " times in a row while restoring; the step will be retried");
  }

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
                "consul.url '"
                    + url
                    + "' is not an http(s) URL: fix the environment in conveyor.yaml",
                FailureTypes.INVALID_DEFINITIONS);
          }
          return new ConsulKvStore(parsed, http, settings.consulToken());
        });
  }

  private static RuntimeException translate(ConsulException e, String consulUrl, String base) {
    if (e.unauthorized()) {
      return ApplicationFailure.newNonRetryableFailure(
          "Consul at "
              + consulUrl
              + " refused the worker's ACL token for "
              + base
              + " (HTTP "
              + e.status()
              + "): give the worker's Consul token write access to the key prefix '"
              + PREFIX
              + "/'",
          FailureTypes.UNAUTHORIZED);
    }
    if (e.rejected()) {
      return ApplicationFailure.newNonRetryableFailure(e.getMessage(), FailureTypes.REJECTED);
    }
    return e;
  }

  private static String segment(String what, String value) {
    String checked = required(what, value);
    if (checked.contains("/")) {
      throw ApplicationFailure.newNonRetryableFailure(
          what + " '" + value + "' cannot be a KV key segment (it contains '/')",
          FailureTypes.INVALID_DEFINITIONS);
    }
    return checked;
  }

  private static String required(String what, String value) {
    if (value == null || value.isBlank()) {
      throw ApplicationFailure.newNonRetryableFailure(
          "the KV step needs " + what + " but it is empty", FailureTypes.INVALID_DEFINITIONS);
    }
    return value;
  }
}
