package dev.conveyor.workflows.promotion;

/**
 * The {@code approve} signal.
 *
 * @param by who approves
 * @param comment optional, may be null
 */
public record Approval(String by, String comment) {}
