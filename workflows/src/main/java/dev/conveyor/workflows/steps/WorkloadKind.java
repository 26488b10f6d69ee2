package dev.conveyor.workflows.steps;

/**
 * What a KV record or config commit is for: a long-running service (Marathon or Docker) or a batch
 * job (Chronos). Requests recorded before jobs existed carry none and read as {@link #SERVICE}.
 */
public enum WorkloadKind {
  SERVICE,
  JOB
}
