package dev.conveyor.workflows.deploy;

/** Where one step stands. */
public enum StepState {
  PENDING,
  RUNNING,
  DONE,
  SKIPPED,
  FAILED
}
