package dev.conveyor.build;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The pure modules can never pull I/O libraries or Spring: a copy of each module's real pom with
 * docker-java, JGit, OkHttp and Spring added must fail the build with the enforcer's message. The
 * copy drops the dependencies on sibling modules, which a probe build outside the reactor cannot
 * resolve; the rule under test comes from the parent pom and the module's .pure-module marker.
 */
class BuildRulesTests {
  private static final String BANNED =
      """
          <dependency>
            <groupId>com.github.docker-java</groupId>
            <artifactId>docker-java-core</artifactId>
          </dependency>
          <dependency>
            <groupId>org.eclipse.jgit</groupId>
            <artifactId>org.eclipse.jgit</artifactId>
          </dependency>
          <dependency>
            <groupId>com.squareup.okhttp3</groupId>
            <artifactId>okhttp-jvm</artifactId>
          </dependency>
          <dependency>
            <groupId>org.springframework</groupId>
            <artifactId>spring-context</artifactId>
          </dependency>
      """;

  @ParameterizedTest
  @ValueSource(strings = {"definitions", "workflows"})
  void addingIoLibrariesOrSpringToAPureModuleFailsTheBuild(String module, @TempDir Path probe)
      throws Exception {
    Path root = Path.of(System.getProperty("conveyor.root.dir", "..")).toAbsolutePath().normalize();
    String pom = Files.readString(root.resolve(module).resolve("pom.xml"));
    String modified =
        pom.replaceFirst(
                "(?s)<dependency>\\s*<groupId>dev\\.conveyor</groupId>.*?</dependency>", "")
            .replace(
                "</parent>",
                // relative: Maven 3.9 joins an absolute relativePath onto the module's directory
                "  <relativePath>"
                    + probe.toAbsolutePath().relativize(root.resolve("pom.xml"))
                    + "</relativePath>\n  </parent>")
            .replaceFirst("<dependencies>", "<dependencies>\n" + BANNED);
    Files.writeString(probe.resolve("pom.xml"), modified);
    Files.copy(root.resolve(module).resolve(".pure-module"), probe.resolve(".pure-module"));

    Result result = maven(root, probe);

    assertThat(result.exitCode()).as(result.output()).isNotZero();
    assertThat(result.output())
        .contains(
            "definitions and workflows must stay free of docker-java, JGit, OkHttp and Spring")
        .contains("com.github.docker-java:docker-java-core")
        .contains("org.eclipse.jgit:org.eclipse.jgit")
        .contains("com.squareup.okhttp3:okhttp-jvm")
        .contains("org.springframework:spring-context");
  }

  private record Result(int exitCode, String output) {}

  private static Result maven(Path root, Path probe) throws IOException, InterruptedException {
    Path log = probe.resolve("maven.log");
    Process process =
        new ProcessBuilder(
                List.of(
                    root.resolve("mvnw").toString(),
                    "-B",
                    "-ntp",
                    "validate",
                    "-f",
                    probe.resolve("pom.xml").toString()))
            .directory(probe.toFile())
            .redirectErrorStream(true)
            .redirectOutput(log.toFile())
            .start();
    if (!process.waitFor(5, TimeUnit.MINUTES)) {
      process.destroyForcibly();
      throw new AssertionError("the probe build did not finish in 5 minutes");
    }
    return new Result(process.exitValue(), Files.readString(log, StandardCharsets.UTF_8));
  }
}
