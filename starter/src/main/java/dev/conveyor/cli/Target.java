package dev.conveyor.cli;

import java.util.Locale;

/**
 * What a push to a mapped branch starts: a deployment of one service, or a release of a stack.
 *
 * @param kind service or stack
 * @param name the service or stack name from conveyor.yaml
 */
record Target(Kind kind, String name) {
  enum Kind {
    SERVICE,
    STACK;

    String label() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  static Target service(String name) {
    return new Target(Kind.SERVICE, name);
  }

  static Target stack(String name) {
    return new Target(Kind.STACK, name);
  }

  @Override
  public String toString() {
    return kind.label() + " " + name;
  }
}
