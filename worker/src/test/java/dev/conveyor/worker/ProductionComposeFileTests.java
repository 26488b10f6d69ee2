package dev.conveyor.worker;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.ConfigurationPropertySources;
import org.springframework.boot.env.YamlPropertySourceLoader;
import org.springframework.core.env.PropertySource;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.core.env.SystemEnvironmentPropertySource;
import org.springframework.core.io.ClassPathResource;

/**
 * docs/docker-compose.yml, checked without {@code docker compose} (not installed here): it parses,
 * has every part of the production topology, its references resolve, and the workers' environment
 * variables bind to the properties the worker really has.
 */
class ProductionComposeFileTests {
  private static final List<String> TOPOLOGY =
      List.of(
          "postgresql",
          "temporal",
          "temporal-ui",
          "consul",
          "registry",
          "zookeeper",
          "mesos-master",
          "mesos-agent",
          "marathon",
          "conveyor-control",
          "conveyor-build");

  private static JsonNode services;

  @BeforeAll
  static void parse() throws IOException {
    Path root = Path.of(System.getProperty("conveyor.root.dir", ".."));
    JsonNode compose =
        new ObjectMapper(new YAMLFactory())
            .readTree(Files.readString(root.resolve("docs/docker-compose.yml")));
    services = compose.path("services");
  }

  @Test
  void hasTheWholeTopologyWithPinnedImages() {
    assertThat(names(services)).containsExactlyInAnyOrderElementsOf(TOPOLOGY);
    for (String name : TOPOLOGY) {
      String image = services.path(name).path("image").asText();
      assertThat(image).as(name + " image").matches("[a-z0-9./-]+:[A-Za-z0-9._-]+");
      assertThat(image).as(name + " image").doesNotEndWith(":latest");
    }
  }

  @Test
  void everyDependencyIsAServiceAndNoHostPortIsPublishedTwice() {
    Set<String> hostPorts = new HashSet<>();
    for (String name : TOPOLOGY) {
      JsonNode service = services.path(name);
      JsonNode dependsOn = service.path("depends_on");
      List<String> dependencies = dependsOn.isArray() ? texts(dependsOn) : names(dependsOn);
      assertThat(dependencies).as(name + " depends_on").isSubsetOf(TOPOLOGY);
      for (String port : texts(service.path("ports"))) {
        assertThat(hostPorts.add(port.split(":")[0])).as("host port of " + port).isTrue();
      }
    }
  }

  @Test
  void temporalPersistsInPostgresqlAndTheUiTalksToIt() {
    JsonNode temporal = services.path("temporal").path("environment");
    assertThat(temporal.path("DB").asText()).isEqualTo("postgres12");
    assertThat(temporal.path("POSTGRES_SEEDS").asText()).isEqualTo("postgresql");
    assertThat(services.path("temporal-ui").path("environment").path("TEMPORAL_ADDRESS").asText())
        .isEqualTo("temporal:7233");
    assertThat(services.path("marathon").path("environment").path("MARATHON_MASTER").asText())
        .isEqualTo("zk://zookeeper:2181/mesos");
  }

  @Test
  void controlWorkerServesControlWithoutDockerAndChecksConsulAndMarathon() throws IOException {
    JsonNode control = services.path("conveyor-control");
    WorkerProperties properties = bind(control.path("environment"));

    assertThat(properties.queues()).containsExactly("control");
    assertThat(properties.dataDir()).isEqualTo(Path.of("/var/lib/conveyor"));
    assertThat(properties.health().consul()).containsExactly("http://consul:8500");
    assertThat(properties.health().marathon()).containsExactly("http://marathon:8080");
    assertThat(properties.health().registries()).containsExactly("http://registry:5000");
    assertThat(temporalTarget(control.path("environment"))).isEqualTo("temporal:7233");
    assertThat(texts(control.path("volumes"))).noneMatch(v -> v.contains("docker.sock"));
  }

  @Test
  void buildWorkerServesBuildWithTheHostsDockerEngine() throws IOException {
    JsonNode build = services.path("conveyor-build");
    WorkerProperties properties = bind(build.path("environment"));

    assertThat(properties.queues()).containsExactly("build");
    assertThat(properties.buildQueue().maxConcurrentActivities()).isEqualTo(2);
    assertThat(properties.health().registries()).containsExactly("http://registry:5000");
    assertThat(temporalTarget(build.path("environment"))).isEqualTo("temporal:7233");
    assertThat(texts(build.path("volumes"))).contains("/var/run/docker.sock:/var/run/docker.sock");
    for (String worker : List.of("conveyor-control", "conveyor-build")) {
      assertThat(texts(services.path(worker).path("volumes")))
          .contains("../worker/target/conveyor-worker.jar:/opt/conveyor/conveyor-worker.jar:ro");
    }
  }

  /** The worker's properties as Spring binds them from application.yaml and this environment. */
  private static WorkerProperties bind(JsonNode environment) throws IOException {
    return Binder.get(environmentOf(environment))
        .bindOrCreate("conveyor.worker", WorkerProperties.class);
  }

  private static String temporalTarget(JsonNode environment) throws IOException {
    return environmentOf(environment).getProperty("spring.temporal.connection.target");
  }

  private static StandardEnvironment environmentOf(JsonNode variables) throws IOException {
    Map<String, Object> env = new HashMap<>();
    variables.fields().forEachRemaining(e -> env.put(e.getKey(), e.getValue().asText()));
    StandardEnvironment environment = new StandardEnvironment();
    environment
        .getPropertySources()
        .remove(StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME);
    environment
        .getPropertySources()
        .addFirst(
            new SystemEnvironmentPropertySource(
                StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME, env));
    for (PropertySource<?> source :
        new YamlPropertySourceLoader()
            .load("application.yaml", new ClassPathResource("application.yaml"))) {
      environment.getPropertySources().addLast(source);
    }
    ConfigurationPropertySources.attach(environment);
    return environment;
  }

  private static List<String> names(JsonNode node) {
    List<String> names = new ArrayList<>();
    node.fieldNames().forEachRemaining(names::add);
    return names;
  }

  private static List<String> texts(JsonNode array) {
    List<String> texts = new ArrayList<>();
    for (Iterator<JsonNode> it = array.elements(); it.hasNext(); ) {
      texts.add(it.next().asText());
    }
    return texts;
  }
}
