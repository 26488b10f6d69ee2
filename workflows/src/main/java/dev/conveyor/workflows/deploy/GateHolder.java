package dev.conveyor.workflows.deploy;

import io.temporal.workflow.SignalMethod;

/** The workflow that holds a deployment's {@link ReleaseGate}: a release. */
public interface GateHolder {
  /** The gated deployment's image is built and pushed; it now waits at the gate. */
  @SignalMethod
  void built(BuiltNotice notice);
}
