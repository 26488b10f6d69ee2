package dev.conveyor.activities.gitops;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.conveyor.workflows.steps.FailureTypes;
import io.temporal.failure.ApplicationFailure;

/**
 * The environment's Chronos job definition: the job template with {@code name} and {@code
 * container.image} set. Written like {@link AppDefinitionFile} (same deterministic output), so
 * "already holds that image" is a byte comparison here too.
 */
final class JobDefinitionFile {
  private JobDefinitionFile() {}

  /**
   * Renders the file for one job deployment.
   *
   * @param jobFile the template's path, for messages
   * @param configCommit the commit the template was read at, for messages
   * @param name the job's name in Chronos
   * @throws ApplicationFailure non-retryable {@link FailureTypes#INVALID_DEFINITIONS} when the
   *     template is not a JSON object with a {@code container} object
   */
  static byte[] render(
      String jobFile, String configCommit, byte[] template, String name, String image) {
    JsonNode parsed = AppDefinitionFile.parse(jobFile, configCommit, template);
    if (!(parsed instanceof ObjectNode job)) {
      throw invalid(jobFile + ": a job template must be a JSON object (a Chronos job)");
    }
    if (!(job.get("container") instanceof ObjectNode container)) {
      throw invalid(
          jobFile
              + ": container is missing (Conveyor writes the image to container.image; add"
              + " \"container\": {\"type\": \"DOCKER\", \"image\": \"\"})");
    }
    container.put("image", image);
    ObjectNode result = job;
    if (job.has("name")) {
      job.put("name", name);
    } else {
      // Chronos lists name first; keep new files readable the same way.
      result = AppDefinitionFile.newObject();
      result.put("name", name);
      result.setAll(job);
    }
    return AppDefinitionFile.write(result);
  }

  /**
   * The {@code container.image} of a committed job definition, or null when it has none.
   *
   * @throws ApplicationFailure non-retryable {@link FailureTypes#INVALID_DEFINITIONS} when {@code
   *     content} is not JSON
   */
  static String imageOf(byte[] content) {
    JsonNode parsed = AppDefinitionFile.parse("a committed job definition", "(history)", content);
    String image = parsed.path("container").path("image").asText("");
    return image.isBlank() ? null : image;
  }

  private static ApplicationFailure invalid(String message) {
    return ApplicationFailure.newNonRetryableFailure(message, FailureTypes.INVALID_DEFINITIONS);
  }
}
