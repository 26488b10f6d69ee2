package dev.conveyor.workflows.promotion;

/** The {@code reject} signal: who rejects and why. */
public record Rejection(String by, String reason) {}
