package dev.conveyor.workflows.job;

import dev.conveyor.workflows.deploy.StepState;

/**
 * One step as the status query shows it. Times are workflow time in epoch milliseconds, 0 when the
 * step has not started or ended.
 */
public record JobStepStatus(
    JobStep step, StepState state, long startedAt, long endedAt, String detail) {

  static JobStepStatus pending(JobStep step) {
    return new JobStepStatus(step, StepState.PENDING, 0, 0, "");
  }

  public long millis() {
    return startedAt == 0 || endedAt == 0 ? 0 : endedAt - startedAt;
  }
}
