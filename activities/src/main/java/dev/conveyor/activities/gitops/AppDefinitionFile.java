package dev.conveyor.activities.gitops;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.StreamWriteFeature;
import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.core.util.Separators;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.cfg.JsonNodeFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.conveyor.workflows.steps.FailureTypes;
import io.temporal.failure.ApplicationFailure;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * The environment's app definition: the template with {@code id} and {@code container.docker.image}
 * set. Output is deterministic (the template's key order, numbers as written, two-space indent, one
 * value per line, a trailing newline), so equal inputs give equal bytes and "already holds that
 * image" is a byte comparison.
 */
final class AppDefinitionFile {
  private static final ObjectMapper MAPPER =
      JsonMapper.builder()
          .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
          .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
          .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
          .disable(JsonNodeFeature.STRIP_TRAILING_BIGDECIMAL_ZEROES)
          .enable(StreamWriteFeature.WRITE_BIGDECIMAL_AS_PLAIN)
          .build();

  private static final ObjectWriter WRITER = MAPPER.writer(prettyPrinter());

  private AppDefinitionFile() {}

  /**
   * The {@code container.docker.image} of a committed definition, or null when it has none.
   *
   * @throws ApplicationFailure non-retryable {@link FailureTypes#INVALID_DEFINITIONS} when {@code
   *     content} is not JSON
   */
  static String imageOf(byte[] content) {
    try {
      String image =
          MAPPER.readTree(content).path("container").path("docker").path("image").asText("");
      return image.isBlank() ? null : image;
    } catch (IOException e) {
      throw ApplicationFailure.newNonRetryableFailure(
          "a committed app definition is not JSON: " + e.getMessage(),
          FailureTypes.INVALID_DEFINITIONS);
    }
  }

  /**
   * Renders the file for one deployment.
   *
   * @param appFile the template's path, for messages
   * @param configCommit the commit the template was read at, for messages
   * @throws ApplicationFailure non-retryable {@link FailureTypes#INVALID_DEFINITIONS} when the
   *     template is not a JSON object with a {@code container.docker} object
   */
  static byte[] render(
      String appFile, String configCommit, byte[] template, String appId, String image) {
    JsonNode parsed = parse(appFile, configCommit, template);
    if (!(parsed instanceof ObjectNode app)) {
      throw invalid(
          appFile + ": an app template must be a JSON object (a Marathon app definition)");
    }
    JsonNode container = app.get("container");
    JsonNode docker = container == null ? null : container.get("docker");
    if (!(docker instanceof ObjectNode dockerObject)) {
      throw invalid(
          appFile
              + ": container.docker is missing (Conveyor writes the image to"
              + " container.docker.image; add \"container\": {\"type\": \"DOCKER\", \"docker\":"
              + " {\"image\": \"\"}})");
    }
    dockerObject.put("image", image);
    ObjectNode result = app;
    if (app.has("id")) {
      app.put("id", appId);
    } else {
      // Marathon shows id first; keep new files readable the same way.
      result = MAPPER.createObjectNode();
      result.put("id", appId);
      result.setAll(app);
    }
    return write(result);
  }

  /**
   * The template's JSON, numbers and key order as written.
   *
   * @throws ApplicationFailure non-retryable {@link FailureTypes#INVALID_DEFINITIONS} naming the
   *     file, line and column when it is not JSON
   */
  static JsonNode parse(String file, String configCommit, byte[] template) {
    try {
      return MAPPER.readTree(template);
    } catch (JacksonException e) {
      JsonLocation at = e.getLocation();
      String where = at == null ? "" : ":" + at.getLineNr() + ":" + at.getColumnNr();
      throw invalid(
          file
              + where
              + ": not valid JSON at config commit "
              + configCommit
              + ": "
              + e.getOriginalMessage());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The deterministic bytes of {@code definition}: same tree, same bytes. */
  static byte[] write(ObjectNode definition) {
    try {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      WRITER.writeValue(out, definition);
      out.write('\n');
      return out.toByteArray();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A new, empty object node of the same mapper. */
  static ObjectNode newObject() {
    return MAPPER.createObjectNode();
  }

  private static DefaultPrettyPrinter prettyPrinter() {
    DefaultIndenter indenter = new DefaultIndenter("  ", "\n");
    DefaultPrettyPrinter printer =
        new DefaultPrettyPrinter(
            Separators.createDefaultInstance()
                .withObjectFieldValueSpacing(Separators.Spacing.AFTER)
                .withObjectEmptySeparator("")
                .withArrayEmptySeparator(""));
    printer.indentObjectsWith(indenter);
    printer.indentArraysWith(indenter);
    return printer;
  }

  private static ApplicationFailure invalid(String message) {
    return ApplicationFailure.newNonRetryableFailure(message, FailureTypes.INVALID_DEFINITIONS);
  }
}
