package dev.conveyor.cli;

import static dev.conveyor.cli.ConveyorCliTests.cli;
import static org.assertj.core.api.Assertions.assertThat;

import dev.conveyor.cli.ConveyorCliTests.Run;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@code conveyor validate} over the definitions module's bad fixtures, as a user runs it: exit 1,
 * the problem printed as {@code file:line:column: message}, and the definitions directory byte for
 * byte as it was. (A deployment of such definitions fails at its resolve step, which only reads:
 * ServiceDeploymentWorkflowTests.failsAtOnceWithTheValidatorMessagesWhenDefinitionsAreInvalid.)
 * Listed in docs/bad-inputs.md.
 */
class ValidateBadInputTests {
  private static final Path FIXTURES =
      ConveyorCliTests.ROOT.resolve("definitions/src/test/resources/fixtures");

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      textBlock =
          """
          yaml-syntax-error   | conveyor.yaml:8:16: YAML syntax error: mapping values are not allowed here
          unknown-key         | unknown key 'dependson' in services.billing (did you mean 'dependsOn'?)
          unsupported-version | conveyor.yaml:1:10: version 2 is not supported (supported versions: 1)
          unknown-target      | unknown target 'dokcer' in environments.qa (did you mean 'docker'?)
          marathon-without-url | environments.prod.marathon.url is missing
          inline-secrets      | environments.prod.marathon.url holds a password in the URL
          unknown-dependency  | services.billing.dependsOn names unknown service 'acounts' (did you mean 'accounts'?)
          dependency-cycles   | dependency cycle
          duplicate-key       | duplicate key 'accounts' (first written at line 6, column 3)
          app-template-missing | app template marathon/billing-app.json of service 'billing' does not exist
          app-path-outside    | services.accounts.app must be a relative path inside the definitions repository
          template-not-json   | JSON syntax error: Unexpected character ('}' (code 125))
          template-negative-instances | instances must be a non-negative integer, not -1
          """)
  void badDefinitionsExitOneNameTheProblemAndChangeNoFile(String fixture, String message) {
    Path dir = FIXTURES.resolve(fixture);
    Map<Path, byte[]> before = snapshot(dir);

    Run run = cli("validate", dir.toString());

    assertThat(run.exitCode()).as(run.out() + run.err()).isEqualTo(1);
    assertThat(run.out()).contains(message);
    Map<Path, byte[]> after = snapshot(dir);
    assertThat(after.keySet()).isEqualTo(before.keySet());
    after.forEach(
        (path, bytes) -> assertThat(bytes).as(path.toString()).isEqualTo(before.get(path)));
  }

  private static Map<Path, byte[]> snapshot(Path dir) {
    Map<Path, byte[]> files = new TreeMap<>();
    try (Stream<Path> paths = Files.walk(dir)) {
      for (Path path : paths.filter(Files::isRegularFile).toList()) {
        files.put(dir.relativize(path), Files.readAllBytes(path));
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return files;
  }
}
