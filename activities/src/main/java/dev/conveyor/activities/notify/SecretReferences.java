package dev.conveyor.activities.notify;

import dev.conveyor.workflows.steps.FailureTypes;
import io.temporal.failure.ApplicationFailure;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Resolves {@code ${env:NAME}} references in notifier targets and options on the worker, so the
 * secret never travels through workflow inputs or history. A reference to an unset variable is a
 * worker misconfiguration: the failure names the variable, never a value.
 */
final class SecretReferences {
  private static final Pattern REFERENCE = Pattern.compile("\\$\\{env:([A-Za-z_][A-Za-z0-9_]*)}");

  private final Function<String, String> env;

  SecretReferences(Function<String, String> env) {
    this.env = env;
  }

  /** {@code value} with every reference replaced; null stays null. */
  String resolve(String value, String where) {
    if (value == null) {
      return null;
    }
    Matcher m = REFERENCE.matcher(value);
    StringBuilder out = new StringBuilder();
    while (m.find()) {
      String name = m.group(1);
      String resolved = env.apply(name);
      if (resolved == null) {
        throw ApplicationFailure.newNonRetryableFailure(
            where
                + " refers to ${env:"
                + name
                + "} but "
                + name
                + " is not set in the worker's environment: set it where the worker runs",
            FailureTypes.MISCONFIGURED);
      }
      m.appendReplacement(out, Matcher.quoteReplacement(resolved));
    }
    m.appendTail(out);
    return out.toString();
  }

  static boolean hasReference(String value) {
    return value != null && REFERENCE.matcher(value).find();
  }
}
