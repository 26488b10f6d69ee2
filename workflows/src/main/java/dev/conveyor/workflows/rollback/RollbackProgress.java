package dev.conveyor.workflows.rollback;

import dev.conveyor.workflows.SearchAttributes;
import dev.conveyor.workflows.steps.NotifyActivities.StepTiming;
import io.temporal.workflow.Workflow;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Where a rollback workflow stands (service or job): its phase, what it is doing, and the time each
 * finished phase took, for the status query, the notification and the Temporal UI (search attribute
 * {@code ConveyorStep}/{@code ConveyorStatus} and current details). Workflow code: time comes from
 * {@link Workflow#currentTimeMillis()}; the commands it sends are search-attribute upserts only.
 */
public final class RollbackProgress {
  private final List<StepTiming> timings = new ArrayList<>();
  private String phase;
  private String detail;
  private long phaseStarted;
  private boolean entered;

  /** Before its first step: {@code phase} names the wait (e.g. {@code WAITING}). */
  public RollbackProgress(String phase) {
    this.phase = phase;
  }

  /** Starts a phase; the one before it (except the initial wait) is recorded as succeeded. */
  public void enter(String next, String what) {
    long now = Workflow.currentTimeMillis();
    if (entered) {
      timings.add(new StepTiming(phase.toLowerCase(Locale.ROOT), "SUCCEEDED", now - phaseStarted));
    }
    entered = true;
    phase = next;
    phaseStarted = now;
    detail = what;
    Workflow.upsertTypedSearchAttributes(
        SearchAttributes.STEP.valueSet(next.toLowerCase(Locale.ROOT)));
    Workflow.setCurrentDetails("rolling back: " + what);
  }

  /** Records the running phase as failed; returns its name in lower case, for messages. */
  public String failCurrent() {
    String at = phase.toLowerCase(Locale.ROOT);
    timings.add(new StepTiming(at, "FAILED", Workflow.currentTimeMillis() - phaseStarted));
    return at;
  }

  /** The end: {@code outcome} becomes the phase, {@code status} the ConveyorStatus. */
  public void done(String outcome, String status, String what) {
    phase = outcome;
    detail = what;
    Workflow.upsertTypedSearchAttributes(SearchAttributes.STATUS.valueSet(status));
    Workflow.setCurrentDetails(status + ": " + what);
  }

  /** Says what the workflow waits for before its first phase. */
  public void waiting(String what) {
    detail = what;
    Workflow.setCurrentDetails(what);
  }

  public String phase() {
    return phase;
  }

  public String detail() {
    return detail;
  }

  /** The finished phases so far, a copy. */
  public List<StepTiming> timings() {
    return List.copyOf(timings);
  }
}
