package dev.conveyor.workflows.steps;

import java.util.Map;

/**
 * One entry of {@code notify:} as written in the definitions. {@code target} keeps {@code
 * ${env:NAME}} references unresolved: the worker resolves them when it sends, so no secret enters
 * workflow history.
 */
public record NotifierSpec(String type, String target, Map<String, String> options) {}
