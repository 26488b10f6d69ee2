package dev.conveyor.activities.registry;

import java.util.regex.Pattern;

/**
 * A reference to an image in a registry: {@code <host[:port]>/<name>:<tag>} or {@code
 * <host[:port]>/<name>@<digest>}. Conveyor always names the registry explicitly (the definitions'
 * {@code registry}), so a reference without a host is rejected rather than sent to Docker Hub.
 *
 * <p>In local-image mode (an environment with {@code registry: local}) the host is {@link
 * #LOCAL_REGISTRY}: {@code local/<service>:<commit>} names an image in the worker's Docker engine
 * that was never pushed, and {@code local/<service>@sha256:<image id>} pins it by the engine's
 * image id. No registry is ever asked about such a reference.
 *
 * @param registry {@code host} or {@code host:port}
 * @param name the repository path inside the registry, e.g. {@code billing} or {@code team/billing}
 * @param reference a tag ({@code 3f2c…}) or a digest ({@code sha256:…})
 */
public record ImageRef(String registry, String name, String reference) {
  /** The host part of an image that lives only in the worker's Docker engine. */
  public static final String LOCAL_REGISTRY = "local";

  private static final Pattern NAME_COMPONENT =
      Pattern.compile("[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*");
  private static final Pattern TAG = Pattern.compile("[\\w][\\w.-]{0,127}");
  private static final Pattern DIGEST =
      Pattern.compile("[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-fA-F0-9]{32,}");

  public ImageRef {
    if (registry == null || registry.isBlank()) {
      throw new IllegalArgumentException("image reference needs a registry host");
    }
    for (String component : name.split("/", -1)) {
      if (!NAME_COMPONENT.matcher(component).matches()) {
        throw new IllegalArgumentException(
            "invalid repository name '"
                + name
                + "': each /-separated part must be lowercase letters and digits, joined by . _ or"
                + " -");
      }
    }
    if (!TAG.matcher(reference).matches() && !DIGEST.matcher(reference).matches()) {
      throw new IllegalArgumentException(
          "invalid tag or digest '" + reference + "' (a tag is up to 128 of [A-Za-z0-9_.-])");
    }
  }

  /**
   * Parses {@code <host[:port]>/<name>:<tag>} or {@code <host[:port]>/<name>@<digest>}. The first
   * path component is the host: it must contain a dot or a colon, or be {@code localhost}.
   *
   * @throws IllegalArgumentException with what is wrong and the expected form
   */
  public static ImageRef parse(String text) {
    String expected = " (expected <host[:port]>/<name>:<tag>, e.g. 127.0.0.1:5000/billing:3f2c1a)";
    int slash = text.indexOf('/');
    if (slash <= 0) {
      throw new IllegalArgumentException(
          "image reference '" + text + "' has no registry" + expected);
    }
    String host = text.substring(0, slash);
    if (!host.contains(".")
        && !host.contains(":")
        && !host.equals("localhost")
        && !host.equals(LOCAL_REGISTRY)) {
      throw new IllegalArgumentException(
          "image reference '" + text + "' does not start with a registry host" + expected);
    }
    String rest = text.substring(slash + 1);
    int at = rest.indexOf('@');
    if (at >= 0) {
      return new ImageRef(host, rest.substring(0, at), rest.substring(at + 1));
    }
    int colon = rest.lastIndexOf(':');
    if (colon < 0) {
      throw new IllegalArgumentException("image reference '" + text + "' has no tag" + expected);
    }
    return new ImageRef(host, rest.substring(0, colon), rest.substring(colon + 1));
  }

  /** {@code <registry>/<name>}: what Docker calls the repository. */
  public String repository() {
    return registry + "/" + name;
  }

  /** Whether the image lives only in the worker's Docker engine (local-image mode). */
  public boolean isLocal() {
    return registry.equals(LOCAL_REGISTRY);
  }

  /** Whether a pinned or tagged reference names a local image; false for anything unparsable. */
  public static boolean isLocal(String text) {
    return text != null && text.startsWith(LOCAL_REGISTRY + "/");
  }

  /** Whether {@link #reference()} is a digest rather than a tag. */
  public boolean isDigest() {
    return reference.contains(":");
  }

  /** {@code <registry>/<name>@<digest>}: the immutable form every step after push uses. */
  public String pinned(String digest) {
    return repository() + "@" + digest;
  }

  @Override
  public String toString() {
    return repository() + (isDigest() ? "@" : ":") + reference;
  }
}
