package dev.conveyor.definitions;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLParser;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;

/**
 * Reads YAML or JSON text into a {@link Node} tree with positions, reporting syntax errors and
 * duplicate keys at the parser's location.
 */
final class TreeReader {

  enum Format {
    YAML,
    JSON
  }

  private static final YAMLFactory YAML = new YAMLFactory();
  private static final JsonFactory JSON = new JsonFactory();

  private final Report report;

  private TreeReader(Report report) {
    this.report = report;
  }

  /**
   * The document in {@code text}, or empty when it is empty or cannot be parsed (the reason is in
   * {@code report}).
   */
  static Optional<Node> read(String text, Format format, Report report) {
    return new TreeReader(report).readDocument(text, format);
  }

  private Optional<Node> readDocument(String text, Format format) {
    JsonFactory factory = format == Format.YAML ? YAML : JSON;
    try (JsonParser parser = factory.createParser(text)) {
      if (parser.nextToken() == null) {
        report.error(Position.START, "the file is empty");
        return Optional.empty();
      }
      Node root = readValue(parser);
      if (parser.nextToken() != null) {
        report.error(
            position(parser.currentTokenLocation()),
            format == Format.YAML
                ? "a second YAML document begins here (after a --- line); keep one document per file"
                : "unexpected content after the end of the JSON value");
        return Optional.empty();
      }
      return Optional.of(root);
    } catch (JsonProcessingException e) {
      syntaxError(e, format);
      return Optional.empty();
    } catch (IOException e) {
      // Parsing a String does no real I/O: anything else is a bug, not a user error.
      throw new UncheckedIOException(e);
    }
  }

  private Node readValue(JsonParser parser) throws IOException {
    JsonToken token = parser.currentToken();
    Position at = position(parser.currentTokenLocation());
    return switch (token) {
      case START_OBJECT -> readMapping(parser, at);
      case START_ARRAY -> readSequence(parser, at);
      case VALUE_STRING, VALUE_EMBEDDED_OBJECT ->
          new Node.Scalar(at, Node.Scalar.Type.STRING, parser.getText());
      case VALUE_NUMBER_INT ->
          new Node.Scalar(at, Node.Scalar.Type.INTEGER, parser.getBigIntegerValue().toString());
      case VALUE_NUMBER_FLOAT -> new Node.Scalar(at, Node.Scalar.Type.DECIMAL, parser.getText());
      case VALUE_TRUE, VALUE_FALSE ->
          new Node.Scalar(at, Node.Scalar.Type.BOOLEAN, token.asString());
      case VALUE_NULL -> new Node.Scalar(at, Node.Scalar.Type.NULL, "null");
      default -> throw new IllegalStateException("unexpected token " + token + " at " + at);
    };
  }

  private Node readMapping(JsonParser parser, Position at) throws IOException {
    Map<String, Node.Field> fields = new LinkedHashMap<>();
    while (parser.nextToken() == JsonToken.FIELD_NAME) {
      String key = parser.currentName();
      Position keyAt = position(parser.currentTokenLocation());
      parser.nextToken();
      if (skipAlias(parser)) {
        continue;
      }
      Node value = readValue(parser);
      Node.Field first = fields.get(key);
      if (first != null) {
        report.error(
            keyAt,
            "duplicate key '"
                + key
                + "' (first written at "
                + first.keyPosition()
                + "); keep one of them");
      } else {
        fields.put(key, new Node.Field(key, keyAt, value));
      }
    }
    return new Node.Mapping(at, fields);
  }

  private Node readSequence(JsonParser parser, Position at) throws IOException {
    List<Node> items = new ArrayList<>();
    while (parser.nextToken() != JsonToken.END_ARRAY) {
      if (!skipAlias(parser)) {
        items.add(readValue(parser));
      }
    }
    return new Node.Sequence(at, items);
  }

  /**
   * Reports a YAML alias ({@code *name}) and says to skip it: Jackson hands an alias over as its
   * name, not as the anchored value, so reading on would validate the wrong thing.
   */
  private boolean skipAlias(JsonParser parser) throws IOException {
    if (parser instanceof YAMLParser yaml && yaml.isCurrentAlias()) {
      report.error(
          position(parser.currentTokenLocation()),
          "YAML aliases (*"
              + parser.getText()
              + ") are not supported; write the value out in full");
      return true;
    }
    return false;
  }

  private void syntaxError(JsonProcessingException e, Format format) {
    if (e.getCause() instanceof MarkedYAMLException yaml && yaml.getProblemMark() != null) {
      String message = "YAML syntax error: " + yaml.getProblem();
      Mark context = yaml.getContextMark();
      if (yaml.getContext() != null && context != null) {
        message +=
            " ("
                + yaml.getContext()
                + " started at "
                + new Position(context.getLine() + 1, context.getColumn() + 1)
                + ")";
      }
      Mark mark = yaml.getProblemMark();
      report.error(new Position(mark.getLine() + 1, mark.getColumn() + 1), message);
      return;
    }
    JsonLocation location = e.getLocation();
    Position at = location == null ? Position.START : position(location);
    report.error(at, format + " syntax error: " + describe(e.getOriginalMessage()));
  }

  private static String describe(String parserMessage) {
    // Jackson's YAML parser names SnakeYAML event classes here; say what it means instead.
    if (parserMessage.startsWith("Expected a field name (Scalar value in YAML)")) {
      return "keys must be plain text, not lists or mappings";
    }
    return firstLine(parserMessage);
  }

  private static String firstLine(String message) {
    int newline = message.indexOf('\n');
    return (newline < 0 ? message : message.substring(0, newline)).strip();
  }

  private static Position position(JsonLocation location) {
    return new Position(Math.max(1, location.getLineNr()), Math.max(1, location.getColumnNr()));
  }
}
