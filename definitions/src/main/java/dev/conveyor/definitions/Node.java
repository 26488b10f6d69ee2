package dev.conveyor.definitions;

import java.math.BigDecimal;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A parsed YAML or JSON value that remembers where it was written, so every problem can point at
 * the offending key or value. Jackson's own tree model drops locations; this one keeps them.
 */
sealed interface Node {

  Position position();

  /** A short description of the kind of value, for messages like "must be a list, not a string". */
  String kind();

  /** A mapping (YAML) or object (JSON); keys keep the order they were written in. */
  record Mapping(Position position, Map<String, Field> fields) implements Node {
    public Mapping {
      fields = Collections.unmodifiableMap(new LinkedHashMap<>(fields));
    }

    Optional<Field> field(String key) {
      return Optional.ofNullable(fields.get(key));
    }

    Optional<Node> value(String key) {
      return field(key).map(Field::value);
    }

    @Override
    public String kind() {
      return "a mapping";
    }
  }

  /** One key of a {@link Mapping} with its own position and its value. */
  record Field(String key, Position keyPosition, Node value) {}

  /** A sequence (YAML) or array (JSON). */
  record Sequence(Position position, List<Node> items) implements Node {
    public Sequence {
      items = List.copyOf(items);
    }

    @Override
    public String kind() {
      return "a list";
    }
  }

  /** A leaf: string, number, boolean or null. */
  record Scalar(Position position, Type type, String text) implements Node {

    enum Type {
      STRING,
      INTEGER,
      DECIMAL,
      BOOLEAN,
      NULL
    }

    boolean isString() {
      return type == Type.STRING;
    }

    boolean isInteger() {
      return type == Type.INTEGER;
    }

    boolean isNumber() {
      return type == Type.INTEGER || type == Type.DECIMAL;
    }

    /** The numeric value, or empty when it is not a finite number. */
    Optional<BigDecimal> number() {
      if (!isNumber()) {
        return Optional.empty();
      }
      try {
        return Optional.of(new BigDecimal(text));
      } catch (NumberFormatException e) {
        return Optional.empty();
      }
    }

    @Override
    public String kind() {
      return switch (type) {
        case STRING -> "a string";
        case INTEGER -> "an integer";
        case DECIMAL -> "a decimal number";
        case BOOLEAN -> "a boolean";
        case NULL -> "empty";
      };
    }
  }
}
