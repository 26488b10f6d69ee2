package dev.conveyor.activities.chronos;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;

/**
 * One job as {@code GET <prefix>/jobs} lists it: the definition as Chronos keeps it, plus the run
 * statistics Chronos adds ({@code successCount}, {@code errorCount}, {@code lastSuccess}, {@code
 * lastError}; the times are ISO 8601 strings, empty before the first of each).
 *
 * @param definition the whole listed object, for comparing with a committed definition
 * @param image {@code container.image}, or null when the job has no container image
 * @param schedule the schedule, or null for a job with parents
 */
record ChronosJob(
    String name,
    ObjectNode definition,
    String image,
    String schedule,
    List<String> parents,
    boolean disabled,
    long successCount,
    long errorCount,
    String lastSuccess,
    String lastError) {

  static ChronosJob from(ObjectNode job) {
    List<String> parents = new ArrayList<>();
    job.path("parents").forEach(p -> parents.add(p.asText()));
    JsonNode image = job.path("container").path("image");
    JsonNode schedule = job.path("schedule");
    return new ChronosJob(
        job.path("name").asText(),
        job,
        image.isTextual() ? image.asText() : null,
        schedule.isTextual() && !schedule.asText().isEmpty() ? schedule.asText() : null,
        List.copyOf(parents),
        job.path("disabled").asBoolean(false),
        job.path("successCount").asLong(0),
        job.path("errorCount").asLong(0),
        job.path("lastSuccess").asText(""),
        job.path("lastError").asText(""));
  }
}
