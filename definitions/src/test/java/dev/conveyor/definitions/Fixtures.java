package dev.conveyor.definitions;

import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;

/** Where test inputs live: fixtures on the test class path, examples and the shared reference. */
final class Fixtures {

  private Fixtures() {}

  /** {@code src/test/resources/fixtures/<name>} as copied to the test class path. */
  static Path fixture(String name) {
    URL url = Fixtures.class.getResource("/fixtures/" + name);
    if (url == null) {
      throw new IllegalArgumentException("no fixture " + name);
    }
    try {
      return Path.of(url.toURI());
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  static LoadResult load(String fixture) {
    return Definitions.load(fixture(fixture));
  }

  static Problem error(String file, int line, int column, String message) {
    return new Problem(file, line, column, Problem.Severity.ERROR, message);
  }

  static Problem warning(String file, int line, int column, String message) {
    return new Problem(file, line, column, Problem.Severity.WARNING, message);
  }

  /** The repository root: surefire's {@code conveyor.root.dir}, else the module's parent. */
  static Path repositoryRoot() {
    String configured = System.getProperty("conveyor.root.dir");
    Path root = configured != null ? Path.of(configured) : Path.of("..");
    return root.toAbsolutePath().normalize();
  }

  static Path examples() {
    return repositoryRoot().resolve("examples");
  }

  /**
   * The shared reference directory: surefire's {@code conveyor.shared.dir}, else {@code
   * ../../shared} from the module directory.
   */
  static Path sharedDir() {
    String configured = System.getProperty("conveyor.shared.dir");
    Path shared = configured != null ? Path.of(configured) : Path.of("../../shared");
    return shared.toAbsolutePath().normalize();
  }

  static boolean exists(Path path) {
    return Files.exists(path);
  }
}
