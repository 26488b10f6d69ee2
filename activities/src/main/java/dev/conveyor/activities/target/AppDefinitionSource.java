package dev.conveyor.activities.target;

import com.fasterxml.jackson.databind.node.ObjectNode;

/** Reads the app definition that the commit step wrote, at the config commit it made. */
@FunctionalInterface
public interface AppDefinitionSource {
  /**
   * @param definitions the config repo location from the request
   * @param configCommit the commit that holds the definition
   * @param path the file, e.g. {@code marathon/qa/billing.json}
   */
  ObjectNode read(String definitions, String configCommit, String path);
}
