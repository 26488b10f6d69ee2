package dev.conveyor.definitions;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;

/** Chronos job templates as Jackson trees: read one, and write the image Conveyor built into it. */
public final class JobTemplate {

  private static final ObjectMapper JSON = new ObjectMapper();

  private JobTemplate() {}

  /**
   * The template in {@code file}.
   *
   * @throws IOException when the file cannot be read or is not JSON
   * @throws IllegalArgumentException when the JSON is not an object
   */
  public static ObjectNode read(Path file) throws IOException {
    JsonNode node = JSON.readTree(Files.readString(file));
    if (node instanceof ObjectNode object) {
      return object;
    }
    throw new IllegalArgumentException(
        "a job template must be a JSON object, not "
            + (node == null ? "empty" : node.getNodeType()));
  }

  /**
   * A copy of {@code template} with {@code container.image} set to {@code image}, creating {@code
   * container} (type DOCKER) when absent. The template is not changed.
   */
  public static ObjectNode withImage(ObjectNode template, String image) {
    Objects.requireNonNull(image, "image");
    ObjectNode job = template.deepCopy();
    ObjectNode container;
    if (job.get("container") instanceof ObjectNode existing) {
      container = existing;
    } else {
      container = job.putObject("container");
      container.put("type", "DOCKER");
    }
    container.put("image", image);
    return job;
  }

  /** {@code container.image}, when it is a string. */
  public static Optional<String> image(JsonNode job) {
    JsonNode image = job.path("container").path("image");
    return image.isTextual() ? Optional.of(image.asText()) : Optional.empty();
  }

  /** The Chronos job's {@code name}, when it is a string. */
  public static Optional<String> name(JsonNode job) {
    JsonNode name = job.path("name");
    return name.isTextual() ? Optional.of(name.asText()) : Optional.empty();
  }
}
