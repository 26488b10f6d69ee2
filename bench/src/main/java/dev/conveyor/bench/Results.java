package dev.conveyor.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/** Writes one JSON file per run: machine, parameters, results. */
final class Results {
  private static final ObjectMapper JSON =
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  private final Path dir;

  Results(Path dir) {
    this.dir = dir;
  }

  /** {@code bench/target/bench-results} from the repository root, else {@code target/...}. */
  static Path defaultDir() {
    Path fromRoot = Path.of("bench", "target");
    return (Files.isDirectory(fromRoot) ? fromRoot : Path.of("target")).resolve("bench-results");
  }

  static Map<String, Object> machine() {
    Map<String, Object> machine = new LinkedHashMap<>();
    machine.put("cores", Runtime.getRuntime().availableProcessors());
    machine.put(
        "memoryBytes",
        ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
            .getTotalMemorySize());
    machine.put("maxHeapBytes", Runtime.getRuntime().maxMemory());
    machine.put("java", System.getProperty("java.version"));
    machine.put(
        "loadAverageAtEnd", ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
    return machine;
  }

  Path write(String name, Map<String, Object> parameters, Map<String, Object> result) {
    Map<String, Object> doc = new LinkedHashMap<>();
    doc.put("benchmark", name);
    doc.put("at", Instant.now().toString());
    doc.put("machine", machine());
    doc.put("parameters", parameters);
    doc.put("result", result);
    try {
      Files.createDirectories(dir);
      Path file = dir.resolve(name + ".json");
      JSON.writeValue(file.toFile(), doc);
      return file;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static String toJson(Object value) {
    try {
      return JSON.writeValueAsString(value);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
