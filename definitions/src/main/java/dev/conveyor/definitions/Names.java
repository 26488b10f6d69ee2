package dev.conveyor.definitions;

import java.util.regex.Pattern;

/** The rule for environment, service and stack names: they end up in ids, paths and DNS names. */
final class Names {

  static final String RULE = "[a-z0-9][a-z0-9-]{0,62}";
  private static final Pattern PATTERN = Pattern.compile(RULE);

  private Names() {}

  static boolean isValid(String name) {
    return PATTERN.matcher(name).matches();
  }

  /** The message for a name that breaks the rule, e.g. {@code service name 'Billing' ...}. */
  static String invalid(String what, String name) {
    return what
        + " name '"
        + name
        + "' must match "
        + RULE
        + " (lowercase letters, digits and dashes, starting with a letter or digit, at most 63"
        + " characters)";
  }
}
