package dev.conveyor.workflows.steps;

import io.temporal.activity.ActivityInterface;
import java.util.List;

/** The Chronos steps of a job deployment: register, verify, and an optional smoke run. */
@ActivityInterface
public interface JobActivities {
  /**
   * Registers the committed job definition with Chronos: {@code POST <prefix>/iso8601} for a job
   * with a {@code schedule}, {@code <prefix>/dependency} for one with {@code parents}. Idempotent:
   * Chronos upserts by name, and when its listing already shows the job with every field of the
   * committed definition, nothing is posted ({@code alreadyRegistered}). A 400 is {@link
   * FailureTypes#REJECTED} with Chronos's answer.
   */
  JobRegistration registerJob(RegisterJobRequest request);

  /**
   * Checks that Chronos lists the job with the pinned image, looking again for a short while (a
   * listing may lag the upsert). Read-only. A job still missing or on another image at the end is
   * {@link FailureTypes#REJECTED}: Chronos did not keep what it accepted.
   */
  ListedJob verifyJob(VerifyJobRequest request);

  /**
   * Triggers one run ({@code PUT <prefix>/job/<name>}) and waits until Chronos reports a success
   * newer than the run, heartbeating what it sees. A reported failure, or no success before the
   * deadline, is {@link FailureTypes#SMOKE_RUN_FAILED}. A retry after a worker crash does not
   * trigger again once the heartbeat recorded the trigger; it keeps waiting with the first
   * attempt's deadline.
   */
  SmokeRunResult smokeRunJob(SmokeRunRequest request);

  /**
   * An environment's Chronos.
   *
   * @param url base URL as written in the definitions (may hold {@code ${env:NAME}} references,
   *     resolved on the worker)
   * @param apiPrefix {@code /v1/scheduler} (3.x) or {@code /scheduler} (2.x)
   */
  record Scheduler(String env, String url, String apiPrefix) {}

  /**
   * @param jobPath the committed definition, e.g. {@code chronos/qa/report.json}
   * @param chronosName the job's name in Chronos
   */
  record RegisterJobRequest(
      Scheduler scheduler,
      String definitions,
      String configCommit,
      String jobPath,
      String chronosName,
      String pinnedImage,
      String workflowId) {}

  /** {@code endpoint} is {@code iso8601} or {@code dependency}: how the job was registered. */
  record JobRegistration(String chronosName, String endpoint, boolean alreadyRegistered) {}

  record VerifyJobRequest(Scheduler scheduler, String chronosName, String pinnedImage) {}

  /** The job as Chronos lists it. {@code schedule} is null for a job with parents. */
  record ListedJob(
      String chronosName, String image, String schedule, List<String> parents, boolean disabled) {}

  record SmokeRunRequest(
      Scheduler scheduler,
      String chronosName,
      String pinnedImage,
      long timeoutSeconds,
      String workflowId) {}

  /** {@code lastSuccess} is Chronos's timestamp of the run's success. */
  record SmokeRunResult(
      String chronosName, long successCount, String lastSuccess, String summary) {}
}
