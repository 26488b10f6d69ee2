package dev.conveyor.definitions;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code environments.<env>.registry: local}: images stay in the worker's Docker engine. */
class LocalImagesTests {
  @TempDir Path dir;

  @Test
  void aDockerEnvironmentWithRegistryLocalUsesLocalImages() throws IOException {
    LoadResult result = load("demo: { target: docker, registry: local }\n  qa: { target: docker }");

    assertThat(result.problems()).isEmpty();
    Definitions definitions = result.definitions().orElseThrow();
    assertThat(definitions.environments().get("demo").localImages()).isTrue();
    assertThat(definitions.environments().get("qa").localImages()).isFalse();
  }

  @Test
  void rejectsRegistryLocalOnAMarathonEnvironment() throws IOException {
    LoadResult result =
        load("prod: { target: marathon, marathon: { url: \"http://m:8080\" }, registry: local }");

    assertThat(result.definitions()).isEmpty();
    assertThat(result.problems())
        .extracting(Problem::message)
        .containsExactly(
            "environments.prod.registry: local images never leave the worker's Docker engine, so"
                + " target marathon cannot run them; use target docker, or remove registry: local"
                + " and push to the top-level registry");
  }

  @Test
  void rejectsRegistryLocalWhereChronosRunsJobs() throws IOException {
    LoadResult result =
        load("qa: { target: docker, chronos: { url: \"http://c:4400\" }, registry: local }");

    assertThat(result.problems())
        .extracting(Problem::message)
        .containsExactly(
            "environments.qa.registry: Chronos runs jobs on its own hosts, which cannot see the"
                + " worker's local images; remove chronos from this environment or remove"
                + " registry: local");
  }

  @Test
  void rejectsAnyOtherEnvironmentRegistry() throws IOException {
    LoadResult result = load("qa: { target: docker, registry: \"registry.example.com\" }");

    assertThat(result.problems())
        .extracting(Problem::message)
        .containsExactly(
            "environments.qa.registry can only be \"local\" (build into the worker's Docker"
                + " engine, no push), not \"registry.example.com\"; the registry images are"
                + " pushed to is the top-level registry");
  }

  @Test
  void rejectsRegistryLocalAtTheTopLevel() throws IOException {
    LoadResult result = load("local", "qa: { target: docker }");

    assertThat(result.problems())
        .extracting(Problem::message)
        .containsExactly(
            "registry: local is set per environment (environments.<env>.registry: local), where"
                + " it can be checked against the target; the top-level registry is where the"
                + " other environments push, e.g. localhost:5000");
  }

  @Test
  void rejectsATopLevelRegistryWithoutAHostThatDockerWouldSendToDockerHub() throws IOException {
    LoadResult result = load("myregistry/team", "qa: { target: docker }");

    assertThat(result.problems())
        .extracting(Problem::message)
        .containsExactly(
            "registry \"myregistry/team\" has no host: the first part needs a dot or a port (e.g."
                + " myregistry.example.com or myregistry:5000) or must be localhost, else Docker"
                + " reads it as a Docker Hub namespace");
  }

  private LoadResult load(String environments) throws IOException {
    return load("127.0.0.1:5000", environments);
  }

  private LoadResult load(String registry, String environments) throws IOException {
    Files.writeString(
        dir.resolve("conveyor.yaml"),
        """
        version: 1
        registry: %s
        environments:
          %s
        services:
          billing: { repo: ../billing.git }
        """
            .formatted(registry, environments));
    Files.createDirectories(dir.resolve("marathon"));
    Files.writeString(
        dir.resolve("marathon/billing.json"),
        """
        {"id": "/billing", "instances": 1, "cpus": 0.1, "mem": 32,
         "container": {"type": "DOCKER", "docker": {"image": ""}}}
        """);
    return Definitions.load(dir);
  }
}
