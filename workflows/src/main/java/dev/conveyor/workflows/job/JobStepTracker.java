package dev.conveyor.workflows.job;

import dev.conveyor.workflows.SearchAttributes;
import dev.conveyor.workflows.deploy.StepState;
import io.temporal.workflow.Workflow;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * The state of each step, kept in workflow memory for the status query and mirrored into the {@code
 * ConveyorStep} search attribute and the UI's current details. Workflow time only.
 */
final class JobStepTracker {
  private final Map<JobStep, JobStepStatus> steps = new EnumMap<>(JobStep.class);
  private JobStep current;

  JobStepTracker() {
    for (JobStep step : JobStep.values()) {
      steps.put(step, JobStepStatus.pending(step));
    }
  }

  void start(JobStep step) {
    current = step;
    steps.put(
        step, new JobStepStatus(step, StepState.RUNNING, Workflow.currentTimeMillis(), 0, ""));
    Workflow.upsertTypedSearchAttributes(SearchAttributes.STEP.valueSet(step.label()));
    Workflow.setCurrentDetails("step " + step.label() + " running");
  }

  /** Shows what a running step is waiting for, without ending it. */
  void progress(JobStep step, String detail) {
    JobStepStatus running = steps.get(step);
    steps.put(step, new JobStepStatus(step, running.state(), running.startedAt(), 0, detail));
    Workflow.setCurrentDetails("step " + step.label() + ": " + detail);
  }

  void done(JobStep step, String detail) {
    end(step, StepState.DONE, detail);
  }

  void failed(JobStep step, String detail) {
    end(step, StepState.FAILED, detail);
  }

  void skipped(JobStep step, String detail) {
    long now = Workflow.currentTimeMillis();
    steps.put(step, new JobStepStatus(step, StepState.SKIPPED, now, now, detail));
  }

  /** The step that is running or ran last: the one a failure belongs to. */
  JobStep current() {
    return current;
  }

  List<JobStepStatus> snapshot() {
    return List.copyOf(new ArrayList<>(steps.values()));
  }

  private void end(JobStep step, StepState state, String detail) {
    JobStepStatus started = steps.get(step);
    long now = Workflow.currentTimeMillis();
    long startedAt = started.startedAt() == 0 ? now : started.startedAt();
    steps.put(step, new JobStepStatus(step, state, startedAt, now, detail == null ? "" : detail));
  }
}
