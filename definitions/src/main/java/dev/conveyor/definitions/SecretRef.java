package dev.conveyor.definitions;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Secret references of the form {@code ${env:NAME}}. Definitions keep them as written; only the
 * worker that needs the secret resolves them, so secrets never land in the repository, workflow
 * inputs or history.
 */
public final class SecretRef {

  /** The form of a reference, for messages. */
  public static final String FORM = "${env:NAME}";

  static final Pattern REFERENCE = Pattern.compile("\\$\\{env:([A-Za-z_][A-Za-z0-9_]*)}");

  private SecretRef() {}

  /** True when {@code value} is exactly one reference, e.g. {@code ${env:SMTP_PASSWORD}}. */
  public static boolean isReference(String value) {
    return value != null && REFERENCE.matcher(value).matches();
  }

  /** True when {@code value} holds at least one reference. */
  public static boolean containsReference(String value) {
    return value != null && REFERENCE.matcher(value).find();
  }

  /** The variable names referenced in {@code value}, in order, e.g. {@code [HOOK_TOKEN]}. */
  public static List<String> names(String value) {
    List<String> names = new ArrayList<>();
    Matcher m = REFERENCE.matcher(value);
    while (m.find()) {
      names.add(m.group(1));
    }
    return names;
  }

  /**
   * {@code value} with every {@code ${env:NAME}} replaced by {@code env.apply(NAME)}; text around
   * the references is kept.
   *
   * @throws IllegalArgumentException when {@code env} has no value (null) for a referenced name
   */
  public static String resolve(String value, Function<String, String> env) {
    Objects.requireNonNull(value, "value");
    Objects.requireNonNull(env, "env");
    Matcher m = REFERENCE.matcher(value);
    StringBuilder out = new StringBuilder();
    while (m.find()) {
      String name = m.group(1);
      String resolved = env.apply(name);
      if (resolved == null) {
        throw new IllegalArgumentException(
            "secret reference ${env:" + name + "} cannot be resolved: " + name + " is not set");
      }
      m.appendReplacement(out, Matcher.quoteReplacement(resolved));
    }
    m.appendTail(out);
    return out.toString();
  }

  /**
   * True when {@code value} has {@code ${} that does not start a well-formed reference, such as
   * {@code ${ENV:X}} or {@code ${env:}}: it would be passed on literally, which is never meant.
   */
  static boolean hasMalformedReference(String value) {
    return value.replaceAll(REFERENCE.pattern(), "").contains("${");
  }
}
