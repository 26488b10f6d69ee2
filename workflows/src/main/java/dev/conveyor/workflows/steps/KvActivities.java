package dev.conveyor.workflows.steps;

import io.temporal.activity.ActivityInterface;

/** Step 4: record the image in the KV store (Consul, or the worker's file KV). */
@ActivityInterface
public interface KvActivities {
  /**
   * Sets {@code conveyor/<env>/<service>/image} (for a job: {@code
   * conveyor/<env>/jobs/<job>/image}) to the pinned image, {@code …/commit} to the commit and
   * {@code …/previous} to the value it replaced, with compare-and-set. Idempotent: when the image
   * key already holds the pinned image, nothing is written and {@code changed} is false.
   */
  KvResult recordImage(KvRequest request);

  /**
   * Puts an earlier image back (a rollback): {@code image} := {@code request.image()}, {@code
   * commit} := {@code request.commit()} (deleted when null) and {@code previous} := the image it
   * replaced, with the same compare-and-set and crash ordering as {@link #recordImage}. So after a
   * rollback {@code previous} names the rolled-back image, as after any other change. Idempotent:
   * when {@code image} already holds {@code request.image()}, nothing is written ({@code changed}
   * false).
   *
   * @throws io.temporal.failure.ApplicationFailure of type {@link FailureTypes#CONFLICT} when
   *     {@code expectedImage} is given and {@code image} holds neither it nor {@code
   *     request.image()}: a newer deployment replaced the version this rollback undoes
   */
  KvResult restore(KvRestoreRequest request);

  /**
   * @param expectedImage the image being rolled back (what {@code image} must hold now), or null to
   *     restore over whatever is there
   * @param image the image to make current again
   * @param commit the source commit of {@code image}, or null when unknown
   * @param kind which key tree to restore ({@code conveyor/<env>/jobs/<job>/} for {@link
   *     WorkloadKind#JOB}); null (requests recorded before jobs rolled back) means {@link
   *     WorkloadKind#SERVICE}
   */
  record KvRestoreRequest(
      String consulUrl,
      String env,
      String service,
      String expectedImage,
      String image,
      String commit,
      WorkloadKind kind) {
    public KvRestoreRequest {
      kind = kind == null ? WorkloadKind.SERVICE : kind;
    }

    /** A service's restore. */
    public KvRestoreRequest(
        String consulUrl,
        String env,
        String service,
        String expectedImage,
        String image,
        String commit) {
      this(consulUrl, env, service, expectedImage, image, commit, WorkloadKind.SERVICE);
    }
  }

  /**
   * @param service the service's name, or the job's when {@code kind} is {@link WorkloadKind#JOB}
   * @param kind which key tree to write; null (requests recorded before jobs existed) means {@link
   *     WorkloadKind#SERVICE}
   */
  record KvRequest(
      String consulUrl,
      String env,
      String service,
      String pinnedImage,
      String commit,
      WorkloadKind kind) {
    public KvRequest {
      kind = kind == null ? WorkloadKind.SERVICE : kind;
    }

    /** A service's record. */
    public KvRequest(
        String consulUrl, String env, String service, String pinnedImage, String commit) {
      this(consulUrl, env, service, pinnedImage, commit, WorkloadKind.SERVICE);
    }
  }

  /** {@code previous} is the image that was live before (null on a first deployment). */
  record KvResult(String key, String previous, boolean changed) {}
}
