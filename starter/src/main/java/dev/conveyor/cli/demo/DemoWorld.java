package dev.conveyor.cli.demo;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;

/**
 * The demo's repositories under its data dir: a bare source repo per service with a work clone to
 * commit in, and the config repo (definitions) they deploy by. Everything is made with the git CLI,
 * the way a user would.
 *
 * <pre>
 * repos/accounts.git  repos/billing.git  repos/web.git  repos/config.git   (bare, "the server")
 * work/accounts       work/billing       work/web       work/config        (clones)
 * </pre>
 */
final class DemoWorld {
  static final String ENV = "demo";
  static final String STACK = "shop";

  /** The chain the demo deploys: each depends on the one before. */
  static final List<String> SERVICES = List.of("accounts", "billing", "web");

  /** The service the broken commit goes to. */
  static final String BROKEN = "billing";

  private static final Duration GIT = Duration.ofSeconds(60);

  private final Path root;
  private final Path busybox;
  private final boolean localImages;

  /**
   * @param localImages local-image mode: the demo environment gets {@code registry: local}, so its
   *     images stay in the Docker engine and are never pushed
   */
  DemoWorld(Path root, Path busybox, boolean localImages) {
    this.root = root;
    this.busybox = busybox;
    this.localImages = localImages;
  }

  Path repos() {
    return root.resolve("repos");
  }

  Path sourceRepo(String service) {
    return repos().resolve(service + ".git");
  }

  Path configRepo() {
    return repos().resolve("config.git");
  }

  Path work(String name) {
    return root.resolve("work").resolve(name);
  }

  /** Creates every repository with a first commit pushed. */
  void create() {
    for (String service : SERVICES) {
      Path work = newRepo(service);
      writeService(work, service, 1, true);
      commitAndPush(work, service + ": first version");
    }
    Path config = newRepo("config");
    write(config.resolve("conveyor.yaml"), definitions());
    for (String service : SERVICES) {
      write(config.resolve("marathon/" + service + ".json"), appTemplate(service));
    }
    commitAndPush(config, "definitions for the demo");
  }

  /** A new version of {@code service}; {@code healthy} false leaves out its health file. */
  String change(String service, int version, boolean healthy) {
    Path work = work(service);
    writeService(work, service, version, healthy);
    git(work, "add", "-A");
    git(
        work,
        "commit",
        "-q",
        "-m",
        service + ": version " + version + (healthy ? "" : " (health check broken)"));
    return git(work, "rev-parse", "HEAD").strip();
  }

  /** {@code git push} from the work clone; returns what the server (the hook) said. */
  String push(String service) {
    return Shell.of(work(service), "git", "push", "origin", "HEAD:main")
        .check(Duration.ofMinutes(2));
  }

  String head(String service) {
    return git(work(service), "rev-parse", "HEAD").strip();
  }

  private Path newRepo(String name) {
    Path bare = repos().resolve(name + ".git");
    Path work = work(name);
    mkdirs(bare.getParent());
    mkdirs(work.getParent());
    git(repos(), "init", "-q", "--bare", "-b", "main", bare.toString());
    git(root, "clone", "-q", bare.toString(), work.toString());
    git(work, "config", "user.name", "Conveyor Demo");
    git(work, "config", "user.email", "demo@conveyor.local");
    git(work, "checkout", "-q", "-b", "main");
    return work;
  }

  private void writeService(Path work, String service, int version, boolean healthy) {
    write(
        work.resolve("Dockerfile"),
        """
        # FROM scratch with a static busybox: nothing is pulled from a registry.
        FROM scratch
        COPY busybox /bin/busybox
        COPY www /www
        EXPOSE 8080
        # httpd runs as PID 1, which ignores SIGTERM, and has nothing to drain: stop it at once
        # instead of sitting out Docker's 10 s stop timeout when a new version replaces it.
        STOPSIGNAL SIGKILL
        ENTRYPOINT ["/bin/busybox", "httpd", "-f", "-p", "8080", "-h", "/www"]
        """);
    write(work.resolve("www/index.html"), service + " version " + version + "\n");
    Path health = work.resolve("www/health");
    if (healthy) {
      write(health, "ok\n");
    } else {
      try {
        Files.deleteIfExists(health);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    Path binary = work.resolve("busybox");
    if (!Files.exists(binary)) {
      try {
        Files.copy(busybox, binary, StandardCopyOption.REPLACE_EXISTING);
        Files.setPosixFilePermissions(binary, PosixFilePermissions.fromString("rwxr-xr-x"));
      } catch (IOException e) {
        throw new UncheckedIOException("cannot copy " + busybox, e);
      }
    }
  }

  private String definitions() {
    StringBuilder yaml = new StringBuilder();
    yaml.append(
        """
        # The demo's definitions: three services in a chain, deployed to the local Docker engine.
        version: 1
        registry: 127.0.0.1:5000
        environments:
          demo:
            target: docker
        """);
    if (localImages) {
      yaml.append("    registry: local   # no registry: images stay in the Docker engine\n");
    }
    yaml.append("services:\n");
    String previous = null;
    for (String service : SERVICES) {
      yaml.append("  ").append(service).append(":\n");
      yaml.append("    repo: ../").append(service).append(".git\n");
      yaml.append("    health: { path: /health, port: 8080, timeout: 20s }\n");
      if (previous != null) {
        yaml.append("    dependsOn: [").append(previous).append("]\n");
      }
      previous = service;
    }
    yaml.append("stacks:\n  ")
        .append(STACK)
        .append(": [")
        .append(String.join(", ", SERVICES))
        .append("]\n");
    return yaml.toString();
  }

  private static String appTemplate(String service) {
    return """
        {
          "id": "/demo/%s",
          "instances": 1,
          "cpus": 0.1,
          "mem": 32,
          "container": {
            "type": "DOCKER",
            "docker": {
              "image": "",
              "network": "BRIDGE",
              "portMappings": [{ "containerPort": 8080, "hostPort": 0 }]
            }
          },
          "healthChecks": [{ "protocol": "HTTP", "path": "/health", "portIndex": 0 }]
        }
        """
        .formatted(service);
  }

  private void commitAndPush(Path work, String message) {
    git(work, "add", "-A");
    git(work, "commit", "-q", "-m", message);
    git(work, "push", "-q", "origin", "HEAD:main");
  }

  private static String git(Path dir, String... args) {
    String[] words = new String[args.length + 1];
    words[0] = "git";
    System.arraycopy(args, 0, words, 1, args.length);
    return Shell.of(dir, words).check(GIT);
  }

  private static void write(Path file, String text) {
    try {
      mkdirs(file.getParent());
      Files.writeString(file, text);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + file, e);
    }
  }

  private static void mkdirs(Path dir) {
    try {
      Files.createDirectories(dir);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create " + dir, e);
    }
  }
}
