package dev.conveyor.workflows.steps;

/** What "healthy" means for a service: an HTTP path on a container port, within a deadline. */
public record HealthSpec(String path, int port, long timeoutSeconds) {}
