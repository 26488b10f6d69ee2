package dev.conveyor.definitions;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;

/**
 * Marathon app templates as Jackson trees: read one, and write the image Conveyor built into it.
 */
public final class AppTemplate {

  private static final ObjectMapper JSON = new ObjectMapper();

  private AppTemplate() {}

  /**
   * The template in {@code file}.
   *
   * @throws IOException when the file cannot be read or is not JSON
   * @throws IllegalArgumentException when the JSON is not an object
   */
  public static ObjectNode read(Path file) throws IOException {
    return parse(Files.readString(file));
  }

  /**
   * The template in {@code json}.
   *
   * @throws IOException when it is not JSON
   * @throws IllegalArgumentException when the JSON is not an object
   */
  public static ObjectNode parse(String json) throws IOException {
    JsonNode node = JSON.readTree(json);
    if (node instanceof ObjectNode object) {
      return object;
    }
    throw new IllegalArgumentException(
        "an app template must be a JSON object, not "
            + (node == null ? "empty" : node.getNodeType()));
  }

  /**
   * A copy of {@code template} with {@code container.docker.image} set to {@code image}, creating
   * {@code container} (type DOCKER) and {@code docker} when absent. The template is not changed.
   */
  public static ObjectNode withImage(ObjectNode template, String image) {
    Objects.requireNonNull(image, "image");
    ObjectNode app = template.deepCopy();
    JsonNode existing = app.get("container");
    ObjectNode container;
    if (existing instanceof ObjectNode object) {
      container = object;
    } else {
      container = app.putObject("container");
      container.put("type", "DOCKER");
    }
    JsonNode docker = container.get("docker");
    ObjectNode dockerObject =
        docker instanceof ObjectNode object ? object : container.putObject("docker");
    dockerObject.put("image", image);
    return app;
  }

  /** {@code container.docker.image}, when it is a string. */
  public static Optional<String> image(JsonNode app) {
    JsonNode image = app.path("container").path("docker").path("image");
    return image.isTextual() ? Optional.of(image.asText()) : Optional.empty();
  }

  /** The app's {@code id}, when it is a string. */
  public static Optional<String> id(JsonNode app) {
    JsonNode id = app.path("id");
    return id.isTextual() ? Optional.of(id.asText()) : Optional.empty();
  }
}
