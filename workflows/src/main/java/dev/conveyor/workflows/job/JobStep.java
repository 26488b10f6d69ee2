package dev.conveyor.workflows.job;

/** The steps of a job deployment, in order. */
public enum JobStep {
  RESOLVE,
  BUILD,
  PUSH,
  DEPENDENCIES,
  KV,
  COMMIT,
  REGISTER,
  VERIFY,
  SMOKE,
  NOTIFY;

  public String label() {
    return name().toLowerCase(java.util.Locale.ROOT);
  }
}
