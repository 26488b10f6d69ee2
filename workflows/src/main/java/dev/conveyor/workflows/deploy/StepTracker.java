package dev.conveyor.workflows.deploy;

import dev.conveyor.workflows.SearchAttributes;
import io.temporal.workflow.Workflow;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * The state of each step, kept in workflow memory for the status query and mirrored into the {@code
 * ConveyorStep} search attribute and the UI's current details. Workflow time only.
 */
final class StepTracker {
  private final Map<Step, StepStatus> steps = new EnumMap<>(Step.class);
  private Step current;

  StepTracker() {
    for (Step step : Step.values()) {
      steps.put(step, StepStatus.pending(step));
    }
  }

  void start(Step step) {
    current = step;
    steps.put(step, new StepStatus(step, StepState.RUNNING, Workflow.currentTimeMillis(), 0, ""));
    Workflow.upsertTypedSearchAttributes(SearchAttributes.STEP.valueSet(step.label()));
    Workflow.setCurrentDetails("step " + step.label() + " running");
  }

  void done(Step step, String detail) {
    end(step, StepState.DONE, detail);
  }

  void failed(Step step, String detail) {
    end(step, StepState.FAILED, detail);
  }

  void skipped(Step step, String detail) {
    long now = Workflow.currentTimeMillis();
    steps.put(step, new StepStatus(step, StepState.SKIPPED, now, now, detail));
  }

  /** The step that is running or ran last: the one a failure belongs to. */
  Step current() {
    return current;
  }

  List<StepStatus> snapshot() {
    return List.copyOf(new ArrayList<>(steps.values()));
  }

  private void end(Step step, StepState state, String detail) {
    StepStatus started = steps.get(step);
    long now = Workflow.currentTimeMillis();
    long startedAt = started.startedAt() == 0 ? now : started.startedAt();
    steps.put(step, new StepStatus(step, state, startedAt, now, detail == null ? "" : detail));
  }
}
