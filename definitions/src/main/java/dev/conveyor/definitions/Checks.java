package dev.conveyor.definitions;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.Collection;
import java.util.List;
import java.util.Optional;

/**
 * Shape checks shared by the conveyor.yaml and app template readers. Each check reports what is
 * wrong at the value's position and returns empty, so the caller carries on with the next field.
 */
final class Checks {

  private final Report report;
  private final boolean json;

  /**
   * @param json whether messages should speak JSON ("an object", "an array") rather than YAML ("a
   *     mapping", "a list")
   */
  Checks(Report report, boolean json) {
    this.report = report;
    this.json = json;
  }

  Report report() {
    return report;
  }

  static String join(String parent, String key) {
    return parent.isEmpty() ? key : parent + "." + key;
  }

  static String index(String parent, int index) {
    return parent + "[" + index + "]";
  }

  /** How a value reads in a message: quoted strings, bare numbers, or its kind. */
  String describe(Node node) {
    if (node instanceof Node.Scalar scalar) {
      return switch (scalar.type()) {
        case STRING -> "\"" + scalar.text() + "\"";
        case NULL -> "empty";
        default -> scalar.text();
      };
    }
    return kindOf(node);
  }

  private String kindOf(Node node) {
    if (node instanceof Node.Mapping) {
      return json ? "an object" : "a mapping";
    }
    if (node instanceof Node.Sequence) {
      return json ? "an array" : "a list";
    }
    return node.kind();
  }

  Optional<Node.Mapping> mapping(Node node, String path) {
    if (node instanceof Node.Mapping mapping) {
      return Optional.of(mapping);
    }
    report.error(
        node.position(),
        path + " must be " + (json ? "an object" : "a mapping") + ", not " + describe(node));
    return Optional.empty();
  }

  Optional<Node.Sequence> sequence(Node node, String path) {
    if (node instanceof Node.Sequence sequence) {
      return Optional.of(sequence);
    }
    report.error(
        node.position(),
        path + " must be " + (json ? "an array" : "a list") + ", not " + describe(node));
    return Optional.empty();
  }

  Optional<String> string(Node node, String path) {
    if (node instanceof Node.Scalar scalar && scalar.isString()) {
      return Optional.of(scalar.text());
    }
    report.error(node.position(), path + " must be a string, not " + describe(node));
    return Optional.empty();
  }

  Optional<String> nonEmptyString(Node node, String path) {
    Optional<String> text = string(node, path);
    if (text.isPresent() && text.get().isBlank()) {
      report.error(node.position(), path + " must not be empty");
      return Optional.empty();
    }
    return text;
  }

  /** A boolean; YAML's and JSON's {@code true}/{@code false} only. */
  Optional<Boolean> bool(Node node, String path) {
    if (node instanceof Node.Scalar scalar && scalar.type() == Node.Scalar.Type.BOOLEAN) {
      return Optional.of(Boolean.parseBoolean(scalar.text()));
    }
    report.error(node.position(), path + " must be true or false, not " + describe(node));
    return Optional.empty();
  }

  /** An integer in {@code [min, max]}; {@code max} null means no upper bound. */
  Optional<BigInteger> integer(Node node, String path, long min, Long max) {
    if (node instanceof Node.Scalar scalar && scalar.isInteger()) {
      BigInteger value = new BigInteger(scalar.text());
      boolean inRange =
          value.compareTo(BigInteger.valueOf(min)) >= 0
              && (max == null || value.compareTo(BigInteger.valueOf(max)) <= 0);
      if (inRange) {
        return Optional.of(value);
      }
    }
    report.error(
        node.position(), path + " must be " + integerRange(min, max) + ", not " + describe(node));
    return Optional.empty();
  }

  private static String integerRange(long min, Long max) {
    if (max != null) {
      return "an integer from " + min + " to " + max;
    }
    return min == 0 ? "a non-negative integer" : "an integer of at least " + min;
  }

  /** A finite number (integer or decimal) of at least zero. */
  Optional<BigDecimal> nonNegativeNumber(Node node, String path) {
    if (node instanceof Node.Scalar scalar) {
      Optional<BigDecimal> number = scalar.number();
      if (number.isPresent() && number.get().signum() >= 0) {
        return number;
      }
    }
    report.error(node.position(), path + " must be a number of at least 0, not " + describe(node));
    return Optional.empty();
  }

  /** A string that must be one of {@code allowed} (exact case), with a did-you-mean hint. */
  Optional<String> oneOf(Node node, String path, List<String> allowed) {
    if (!(node instanceof Node.Scalar scalar && scalar.isString())) {
      report.error(
          node.position(),
          path + " must be one of " + String.join(", ", allowed) + ", not " + describe(node));
      return Optional.empty();
    }
    Optional<String> text = Optional.of(scalar.text());
    if (allowed.contains(text.get())) {
      return text;
    }
    report.error(
        node.position(),
        path
            + " must be one of "
            + String.join(", ", allowed)
            + ", not \""
            + text.get()
            + "\""
            + Suggestions.didYouMean(text.get(), allowed));
    return Optional.empty();
  }

  /**
   * Reports every key of {@code mapping} that is not in {@code allowed}, at the key. With no close
   * match the message ends with {@code otherwise} (e.g. the allowed keys).
   */
  void unknownKeys(
      Node.Mapping mapping, String path, Collection<String> allowed, String otherwise) {
    for (Node.Field field : mapping.fields().values()) {
      if (!allowed.contains(field.key())) {
        String hint = Suggestions.didYouMean(field.key(), allowed);
        report.error(
            field.keyPosition(),
            "unknown key '"
                + field.key()
                + "' "
                + (path.isEmpty() ? "at the top level" : "in " + path)
                + (hint.isEmpty() ? " " + otherwise : hint));
      }
    }
  }

  /** {@code (allowed: a, b, c)} for {@link #unknownKeys}. */
  static String allowedList(Collection<String> allowed) {
    return "(allowed: " + String.join(", ", allowed) + ")";
  }

  /** Reports {@code path} as missing at {@code anchor} with a hint on what to add. */
  void missing(Position anchor, String path, String hint) {
    report.error(anchor, path + " is missing" + (hint.isEmpty() ? "" : " (" + hint + ")"));
  }
}
