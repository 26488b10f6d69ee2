package dev.conveyor.activities.notify;

import dev.conveyor.definitions.SecretRef;
import dev.conveyor.workflows.steps.FailureTypes;
import io.temporal.failure.ApplicationFailure;
import java.util.function.Function;

/**
 * Resolves {@code ${env:NAME}} references in notifier targets and options on the worker, so the
 * secret never travels through workflow inputs or history. A reference to an unset variable is a
 * worker misconfiguration: the failure names the variable, never a value. The syntax is the
 * definitions module's {@link SecretRef}.
 */
final class SecretReferences {
  private final Function<String, String> env;

  SecretReferences(Function<String, String> env) {
    this.env = env;
  }

  /** {@code value} with every reference replaced; null stays null. */
  String resolve(String value, String where) {
    if (value == null) {
      return null;
    }
    try {
      return SecretRef.resolve(value, env);
    } catch (IllegalArgumentException unset) {
      String name =
          SecretRef.names(value).stream().filter(n -> env.apply(n) == null).findFirst().orElse("?");
      throw ApplicationFailure.newNonRetryableFailure(
          where
              + " refers to ${env:"
              + name
              + "} but "
              + name
              + " is not set in the worker's environment: set it where the worker runs",
          FailureTypes.MISCONFIGURED);
    }
  }

  static boolean hasReference(String value) {
    return value != null && SecretRef.containsReference(value);
  }
}
