package dev.conveyor.workflows.deploy;

/** Opens a deployment's release gate: its dependencies in the release are healthy. */
public record GateProceed(String releaseWorkflowId) {}
