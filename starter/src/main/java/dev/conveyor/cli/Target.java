package dev.conveyor.cli;

import java.util.Locale;

/**
 * What a push to a mapped branch starts: a deployment of one service, or a release of a stack.
 *
 * @param kind service or stack
 * @param name the service or stack name from conveyor.yaml
 */
public record Target(Kind kind, String name) {
  /** Whether a target names a service or a stack. */
  public enum Kind {
    SERVICE,
    STACK;

    /** {@code service} or {@code stack}. */
    public String label() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /** A deployment of service {@code name}. */
  public static Target service(String name) {
    return new Target(Kind.SERVICE, name);
  }

  /** A release of stack {@code name}. */
  public static Target stack(String name) {
    return new Target(Kind.STACK, name);
  }

  @Override
  public String toString() {
    return kind.label() + " " + name;
  }
}
