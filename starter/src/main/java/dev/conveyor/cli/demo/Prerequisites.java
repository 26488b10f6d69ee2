package dev.conveyor.cli.demo;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * What the demo needs on this machine: git, a Docker engine, a static busybox (the demo's images
 * are built FROM scratch with it, so nothing is pulled). A registry on 127.0.0.1:5000 is optional
 * (see {@link DemoServices#startRegistryIfNeeded}). Each check says how to get what is missing.
 */
final class Prerequisites {
  static final String REGISTRY = "127.0.0.1:5000";
  static final List<Path> BUSYBOX = List.of(Path.of("/bin/busybox"), Path.of("/usr/bin/busybox"));
  private static final Duration CHECK = Duration.ofSeconds(15);

  private Prerequisites() {}

  static void requireGit() {
    if (!Shell.of(null, "git", "--version").run(CHECK).ok()) {
      throw new DemoException(
          "git is missing: install it (Debian/Ubuntu: sudo apt-get install -y git; macOS: xcode-select --install)",
          2);
    }
  }

  static void requireDocker() {
    Shell.Result info =
        Shell.of(null, "docker", "info", "--format", "{{.ServerVersion}}").run(CHECK);
    if (!info.ok()) {
      throw new DemoException(
          "no Docker engine answers (`docker info`: "
              + firstLine(info.output())
              + ").\n  Debian/Ubuntu: sudo apt-get install -y docker.io && sudo systemctl start docker"
              + " (or, without systemd: sudo dockerd &)\n  macOS: brew install --cask docker, then start"
              + " Docker Desktop\n  or run scripts/start-services.sh as root",
          2);
    }
  }

  static Path requireBusybox() {
    for (Path candidate : BUSYBOX) {
      if (Files.isExecutable(candidate) && isStatic(candidate)) {
        return candidate;
      }
    }
    throw new DemoException(
        "a static busybox binary is missing (the demo's images are FROM scratch with busybox in"
            + " them): Debian/Ubuntu: sudo apt-get install -y busybox-static",
        2);
  }

  /** A dynamically linked busybox would not run in a FROM scratch image. */
  private static boolean isStatic(Path binary) {
    Shell.Result ldd = Shell.of(null, "ldd", binary.toString()).run(CHECK);
    return !ldd.ok()
        || ldd.output().contains("not a dynamic executable")
        || ldd.output().contains("statically linked");
  }

  static boolean registryAnswers() {
    try {
      HttpResponse<Void> response =
          HttpClient.newBuilder()
              .connectTimeout(Duration.ofSeconds(2))
              .build()
              .send(
                  HttpRequest.newBuilder(URI.create("http://" + REGISTRY + "/v2/"))
                      .timeout(Duration.ofSeconds(3))
                      .GET()
                      .build(),
                  HttpResponse.BodyHandlers.discarding());
      return response.statusCode() == 200 || response.statusCode() == 401;
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  static String firstLine(String text) {
    String stripped = text.strip();
    int newline = stripped.indexOf('\n');
    return newline < 0 ? stripped : stripped.substring(0, newline);
  }
}
