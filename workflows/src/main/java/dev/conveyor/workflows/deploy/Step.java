package dev.conveyor.workflows.deploy;

/** The eight steps of a service deployment, in order. */
public enum Step {
  RESOLVE,
  BUILD,
  PUSH,
  KV,
  COMMIT,
  DEPLOY,
  HEALTH,
  NOTIFY;

  public String label() {
    return name().toLowerCase(java.util.Locale.ROOT);
  }
}
