package dev.conveyor.workflows.control;

import io.temporal.workflow.SignalMethod;

/**
 * Operator control between steps, shared by deployments and releases so that one CLI command
 * ({@code ./conveyor pause|resume|abort <workflow-id>}) and one {@code temporal workflow signal
 * --name pause|resume|abort} work on both. A workflow interface extends this one; what each signal
 * does per step is documented in docs/operations.md.
 *
 * <p>Signals are fire-and-forget: a signal the workflow cannot honour (a resume while not paused,
 * an abort after the end) is logged and ignored.
 */
public interface Pausable {
  /** Signal name of {@link #pause}. */
  String PAUSE = "pause";

  /** Signal name of {@link #resume}. */
  String RESUME = "resume";

  /** Signal name of {@link #abort}. */
  String ABORT = "abort";

  /**
   * The running step finishes; the next one waits until {@link #resume} (or the pause deadline).
   */
  @SignalMethod(name = PAUSE)
  void pause(OperatorAction action);

  /** A paused workflow goes on with its next step. */
  @SignalMethod(name = RESUME)
  void resume(OperatorAction action);

  /**
   * Stops at the next step boundary, leaving every service on its old or its new version, never a
   * mix; a paused workflow aborts at once.
   */
  @SignalMethod(name = ABORT)
  void abort(OperatorAction action);
}
