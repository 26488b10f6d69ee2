package dev.conveyor.definitions;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/** Where an environment runs its services: {@code docker} or {@code marathon} in conveyor.yaml. */
public enum Target {
  /** The local Docker engine of the worker. */
  DOCKER,
  /** A Marathon cluster, through its REST API. */
  MARATHON;

  /** The spelling used in conveyor.yaml. */
  public String yamlName() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** The target spelt {@code yamlName} in conveyor.yaml (exact, lowercase). */
  public static Optional<Target> fromYaml(String yamlName) {
    return Arrays.stream(values()).filter(t -> t.yamlName().equals(yamlName)).findFirst();
  }

  static List<String> yamlNames() {
    return Arrays.stream(values()).map(Target::yamlName).toList();
  }
}
