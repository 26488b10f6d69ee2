package dev.conveyor.workflows.deploy;

/**
 * One step as the status query shows it. Times are workflow time in epoch milliseconds, 0 when the
 * step has not started or ended.
 */
public record StepStatus(Step step, StepState state, long startedAt, long endedAt, String detail) {

  static StepStatus pending(Step step) {
    return new StepStatus(step, StepState.PENDING, 0, 0, "");
  }

  public long millis() {
    return startedAt == 0 || endedAt == 0 ? 0 : endedAt - startedAt;
  }
}
