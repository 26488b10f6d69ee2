package dev.conveyor.definitions;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** What the {@code jobs} section and {@code chronos} endpoints load into. */
class JobDefinitionsTests {

  private static Definitions withJobs() {
    LoadResult result = Fixtures.load("jobs-valid");
    assertThat(result.problems()).isEmpty();
    return result.definitions().orElseThrow();
  }

  @Test
  void loadsEveryJobFieldAsWrittenAndTheDefaults() {
    Definitions d = withJobs();

    assertThat(d.jobs().keySet()).containsExactly("nightly-report", "cleanup");
    assertThat(d.job("nightly-report"))
        .isEqualTo(
            new Job(
                "nightly-report",
                "../report.git",
                "Dockerfile",
                ".",
                "chronos/nightly-report.json",
                List.of("accounts"),
                true,
                Duration.ofMinutes(20)));
    assertThat(d.job("cleanup"))
        .isEqualTo(
            new Job(
                "cleanup",
                "../tools.git",
                "cleanup/Dockerfile",
                "cleanup",
                "batch/cleanup-job.json",
                List.of(),
                false,
                Job.DEFAULT_SMOKE_TIMEOUT));
  }

  @Test
  void environmentsCarryTheirChronosWithTheApiPrefix() {
    Definitions d = withJobs();

    assertThat(d.environment("qa").chronos())
        .contains(new ChronosEndpoint("http://chronos.qa:4400", ChronosEndpoint.V3_PREFIX));
    assertThat(d.environment("prod").chronos())
        .contains(new ChronosEndpoint("${env:CHRONOS_URL}", "/scheduler"));
  }

  @Test
  void definitionsWithoutJobsHaveNoneAndNoChronos() {
    Definitions d = Fixtures.load("valid-minimal").definitions().orElseThrow();

    assertThat(d.jobs()).isEmpty();
    assertThat(d.environment("qa").chronos()).isEmpty();
    assertThatThrownBy(() -> d.job("report"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("unknown job 'report' (known: none)");
  }

  @Test
  void unknownJobNamesTheClosestOne() {
    assertThatThrownBy(() -> withJobs().job("nightly-reprot"))
        .hasMessage(
            "unknown job 'nightly-reprot' (did you mean 'nightly-report'?) (known: nightly-report,"
                + " cleanup)");
  }

  @Test
  void jobTemplateReadsTheTemplateAndWithImageWritesContainerImage() {
    ObjectNode template = withJobs().jobTemplate("cleanup");

    ObjectNode pinned =
        JobTemplate.withImage(template, "registry.example.com:5000/cleanup@sha256:ab");

    assertThat(JobTemplate.name(template)).contains("cleanup");
    assertThat(JobTemplate.image(template)).contains("");
    assertThat(JobTemplate.image(pinned)).contains("registry.example.com:5000/cleanup@sha256:ab");
    assertThat(pinned.path("parents").get(0).asText()).isEqualTo("nightly-report");
  }

  @Test
  void withImageAddsADockerContainerWhenThereIsNone() {
    ObjectNode template = new ObjectMapper().createObjectNode().put("name", "x");

    ObjectNode pinned = JobTemplate.withImage(template, "r/x@sha256:cd");

    assertThat(pinned.path("container").path("type").asText()).isEqualTo("DOCKER");
    assertThat(JobTemplate.image(pinned)).contains("r/x@sha256:cd");
    assertThat(template.has("container")).as("the template is left as it was").isFalse();
    assertThat(JobTemplate.image(template)).isEqualTo(Optional.empty());
  }

  @Test
  void aChronosEndpointRefusesAnUnknownPrefix() {
    assertThatThrownBy(() -> new ChronosEndpoint("http://c:4400", "/v2/scheduler"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThat(new ChronosEndpoint("http://c:4400").apiPrefix()).isEqualTo("/v1/scheduler");
  }
}
