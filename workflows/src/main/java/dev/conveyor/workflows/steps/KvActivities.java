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
