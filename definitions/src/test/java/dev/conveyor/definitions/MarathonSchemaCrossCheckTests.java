package dev.conveyor.definitions;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Keeps {@link MarathonAppRules} honest against Marathon's own JSON schema (v1.7), read from the
 * shared reference at test time and never copied into the repository. Skipped when the reference is
 * absent.
 */
class MarathonSchemaCrossCheckTests {

  /** What Conveyor writes into container.docker.image before anything reaches Marathon. */
  private static final String IMAGE =
      "localhost:5000/accounts@sha256:" + "0123456789abcdef".repeat(4);

  private static final ObjectMapper JSON = new ObjectMapper();

  private static JsonNode schemaNode;
  private static JsonSchema schema;

  @BeforeAll
  static void loadSchema() throws IOException {
    Path file = Fixtures.sharedDir().resolve("reference/marathon/AppDefinition.schema.json");
    assumeTrue(
        Files.isRegularFile(file),
        "Marathon's AppDefinition.schema.json is not at "
            + file
            + "; set -Dconveyor.shared.dir to the shared directory to run the cross-check");
    schemaNode = JSON.readTree(file.toFile());
    ObjectNode withoutMetaSchema = schemaNode.deepCopy();
    // "$schema": "http://json-schema.org/schema#" names no draft (and would be fetched over the
    // network); the schema is written in draft-04 terms (boolean-free "required" arrays,
    // "additionalItems"), so validate it as draft-04.
    withoutMetaSchema.remove("$schema");
    schema = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V4).getSchema(withoutMetaSchema);
  }

  @Test
  void everyTemplateTheValidatorAcceptsPassesMarathonsSchemaOnceTheImageIsWritten()
      throws IOException {
    List<Path> accepted = new ArrayList<>();
    for (Path template : allTemplates()) {
      if (validatorErrors(template).isEmpty()) {
        accepted.add(template);
        ObjectNode app = AppTemplate.withImage(AppTemplate.read(template), IMAGE);
        assertThat(schema.validate(app))
            .as("schema errors for %s, which the validator accepts", template)
            .isEmpty();
      }
    }
    assertThat(accepted)
        .as("the examples and valid fixtures are among the accepted templates")
        .contains(
            Fixtures.examples().resolve("definitions/marathon/accounts.json"),
            Fixtures.examples().resolve("definitions/marathon/web.json"),
            Fixtures.fixture("valid-full").resolve("apps/accounts-app.json"))
        .hasSizeGreaterThan(20);
  }

  @Test
  void templatesRejectedForTheirInstanceCountOrTypeFailTheSchemaToo() throws IOException {
    for (String fixture :
        List.of("template-negative-instances", "template-instances-not-integer")) {
      Path template = Fixtures.fixture(fixture).resolve("marathon/accounts.json");

      assertThat(validatorErrors(template))
          .extracting(Problem::message)
          .singleElement()
          .asString()
          .startsWith("instances must be a non-negative integer");
      Set<ValidationMessage> schemaErrors =
          schema.validate(AppTemplate.withImage(AppTemplate.read(template), IMAGE));
      assertThat(schemaErrors)
          .extracting(ValidationMessage::getMessage)
          .singleElement()
          .asString()
          .contains("instances");
    }
  }

  @Test
  void anEmptyImageFailsTheSchemaUntilConveyorWritesOne() throws IOException {
    ObjectNode template =
        AppTemplate.read(Fixtures.examples().resolve("definitions/marathon/billing.json"));

    assertThat(schema.validate(template))
        .extracting(ValidationMessage::getMessage)
        .singleElement()
        .asString()
        .contains("image");
    assertThat(schema.validate(AppTemplate.withImage(template, IMAGE))).isEmpty();
  }

  @Test
  void appIdsTheValidatorAcceptsMatchTheSchemasPathPattern() throws IOException {
    List<String> accepted =
        List.of("/accounts", "accounts", "/payments/billing-v2", "/a", "/0/1.2/x-y.z", "/a.b");
    List<String> rejected = List.of("/Accounts", "/billing_v2", "/-web", "/web-", "/a b", "");
    for (String id : accepted) {
      assertThat(MarathonAppRules.APP_ID.matcher(id).matches()).as(id).isTrue();
      assertThat(schema.validate(appWithId(id))).as("schema errors for id %s", id).isEmpty();
    }
    for (String id : rejected) {
      assertThat(MarathonAppRules.APP_ID.matcher(id).matches()).as(id).isFalse();
      assertThat(schema.validate(appWithId(id))).as("schema errors for id %s", id).isNotEmpty();
    }
  }

  @Test
  void rulesNameTheSameFieldsAndValuesAsTheSchema() {
    JsonNode properties = schemaNode.get("properties");
    assertThat(MarathonAppRules.APP_FIELDS).containsExactlyInAnyOrderElementsOf(names(properties));
    JsonNode container = properties.get("container").get("properties");
    assertThat(MarathonAppRules.CONTAINER_FIELDS)
        .containsExactlyInAnyOrderElementsOf(names(container));
    assertThat(MarathonAppRules.CONTAINER_TYPES)
        .containsExactlyInAnyOrderElementsOf(texts(container.get("type").get("enum")));
    JsonNode docker = container.get("docker").get("properties");
    assertThat(MarathonAppRules.DOCKER_FIELDS).containsExactlyInAnyOrderElementsOf(names(docker));
    assertThat(MarathonAppRules.DOCKER_NETWORKS)
        .containsExactlyInAnyOrderElementsOf(texts(docker.get("network").get("enum")));
    JsonNode healthCheck = properties.get("healthChecks").get("items").get("properties");
    assertThat(MarathonAppRules.HEALTH_CHECK_FIELDS)
        .containsExactlyInAnyOrderElementsOf(names(healthCheck));
    assertThat(MarathonAppRules.HEALTH_PROTOCOLS)
        .containsExactlyInAnyOrderElementsOf(texts(healthCheck.get("protocol").get("enum")));
    assertThat(MarathonAppRules.IP_PROTOCOLS)
        .containsExactlyInAnyOrderElementsOf(texts(healthCheck.get("ipProtocol").get("enum")));
    JsonNode portMapping =
        schemaNode.get("definitions").get("containerPortMappings").get("items").get("properties");
    assertThat(MarathonAppRules.PORT_MAPPING_FIELDS)
        .containsExactlyInAnyOrderElementsOf(names(portMapping));
    assertThat(MarathonAppRules.PORT_PROTOCOLS)
        .containsExactlyInAnyOrderElementsOf(texts(portMapping.get("protocol").get("enum")));
  }

  /** Problems the validator finds in one template file on its own. */
  private static List<Problem> validatorErrors(Path template) throws IOException {
    Report report = Report.standalone(template.toString());
    TreeReader.read(Files.readString(template), TreeReader.Format.JSON, report)
        .ifPresent(tree -> MarathonAppRules.check(tree, report));
    return report.problems().stream().filter(Problem::isError).toList();
  }

  private static List<Path> allTemplates() throws IOException {
    List<Path> templates = new ArrayList<>();
    Path fixtures = Fixtures.fixture("valid-minimal").getParent();
    for (Path dir : List.of(fixtures, Fixtures.examples())) {
      try (Stream<Path> files = Files.walk(dir)) {
        files.filter(f -> f.toString().endsWith(".json")).sorted().forEach(templates::add);
      }
    }
    return templates;
  }

  private static ObjectNode appWithId(String id) {
    ObjectNode app = JSON.createObjectNode();
    app.put("id", id);
    return app;
  }

  private static Set<String> names(JsonNode object) {
    Set<String> names = new HashSet<>();
    object.fieldNames().forEachRemaining(names::add);
    return names;
  }

  private static List<String> texts(JsonNode array) {
    List<String> texts = new ArrayList<>();
    array.forEach(node -> texts.add(node.asText()));
    return texts;
  }
}
