package dev.conveyor.cli.trigger;

import dev.conveyor.cli.ConveyorCli;
import dev.conveyor.cli.Target;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

/**
 * The webhook server's configuration: a file in git-config syntax (read with {@code git config
 * -f}), one {@code [repo "<full name>"]} section per repository. Secrets are never in the file:
 * {@code secretEnv} names the environment variable that holds one.
 *
 * <pre>
 * [webhook]
 *     maxBodyBytes = 1048576                   # larger bodies get 413 (default 1 MiB)
 * [webhook "github"]
 *     secretEnv = CONVEYOR_GITHUB_SECRET       # default secret of every GitHub repo below
 * [repo "acme/billing"]                        # GitHub/Gitea full_name, GitLab path_with_namespace
 *     service = billing
 *     branch = main=qa
 *     branch = release/*=staging
 *     definitions = /srv/conveyor-config       # relative paths: from this file's directory
 *     secretEnv = BILLING_WEBHOOK_SECRET       # optional: this repo's own secret
 * </pre>
 *
 * @param maxBodyBytes requests with a larger body are refused with 413 before they are read
 * @param serverSecrets the default secret per server kind
 * @param repos by full name in lower case (GitHub and Gitea names are case-insensitive)
 */
record WebhookConfig(
    long maxBodyBytes, Map<GitServer, byte[]> serverSecrets, Map<String, Repo> repos) {
  static final long DEFAULT_MAX_BODY_BYTES = 1024 * 1024;

  /**
   * One configured repository.
   *
   * @param name full name as the payload carries it, e.g. {@code acme/billing}
   * @param trigger what pushes start
   * @param secret this repository's own secret, or null to use its server kind's default
   */
  record Repo(String name, TriggerConfig trigger, byte[] secret) {}

  /** The secret that must sign a push of {@code repo} arriving from {@code server}, or null. */
  byte[] secretFor(Repo repo, GitServer server) {
    return repo.secret() != null ? repo.secret() : serverSecrets.get(server);
  }

  /** Every distinct secret a request from {@code server} may be signed with. */
  List<byte[]> candidateSecrets(GitServer server) {
    List<byte[]> secrets = new ArrayList<>();
    if (serverSecrets.containsKey(server)) {
      secrets.add(serverSecrets.get(server));
    }
    for (Repo repo : repos.values()) {
      if (repo.secret() != null) {
        secrets.add(repo.secret());
      }
    }
    return secrets;
  }

  /**
   * Reads and checks the file; {@code env} resolves the secret variables.
   *
   * @throws ConveyorCli.EnvironmentException listing every problem with its section
   */
  static WebhookConfig load(Path file, Function<String, String> env) {
    if (!Files.isRegularFile(file)) {
      throw new ConveyorCli.EnvironmentException(
          "--config " + file + ": no such file; see docs/triggers.md for its format");
    }
    Path base = file.toAbsolutePath().getParent();
    List<GitConfigFile.Entry> entries = new GitConfigFile(file).entries();
    List<String> problems = new ArrayList<>();
    long maxBody = DEFAULT_MAX_BODY_BYTES;
    Map<GitServer, byte[]> serverSecrets = new EnumMap<>(GitServer.class);
    Map<String, Map<String, List<String>>> repoSections = new LinkedHashMap<>();
    for (GitConfigFile.Entry entry : entries) {
      String where =
          "["
              + entry.section()
              + (entry.subsection() == null ? "" : " \"" + entry.subsection() + "\"")
              + "] "
              + entry.name();
      switch (entry.section()) {
        case "webhook" -> {
          if (entry.subsection() == null && entry.name().equals("maxbodybytes")) {
            try {
              maxBody = Long.parseLong(entry.value().trim());
            } catch (NumberFormatException e) {
              problems.add(where + ": '" + entry.value() + "' is not a number of bytes");
            }
          } else if (entry.subsection() != null && entry.name().equals("secretenv")) {
            GitServer server = GitServer.fromPath(entry.subsection().toLowerCase(Locale.ROOT));
            if (server == null) {
              problems.add(where + ": unknown server kind (github, gitea, gitlab)");
            } else {
              byte[] secret = secret(entry.value(), env, where, problems);
              if (secret != null) {
                serverSecrets.put(server, secret);
              }
            }
          } else {
            problems.add(where + ": unknown setting");
          }
        }
        case "repo" -> {
          if (entry.subsection() == null) {
            problems.add(where + ": a repo section needs a name: [repo \"owner/name\"]");
          } else {
            repoSections
                .computeIfAbsent(entry.subsection(), name -> new LinkedHashMap<>())
                .computeIfAbsent(entry.name(), name -> new ArrayList<>())
                .add(entry.value());
          }
        }
        default -> problems.add(where + ": unknown section (webhook, repo)");
      }
    }
    Map<String, Repo> repos = new LinkedHashMap<>();
    repoSections.forEach(
        (name, settings) -> {
          Repo repo = repo(name, settings, base, env, problems);
          if (repo != null) {
            repos.put(name.toLowerCase(Locale.ROOT), repo);
          }
        });
    for (Repo repo : repos.values()) {
      if (repo.secret() == null && serverSecrets.isEmpty()) {
        problems.add(
            "[repo \""
                + repo.name()
                + "\"]: no secret: set secretEnv here or in a [webhook \"github|gitea|gitlab\"]"
                + " section");
      }
    }
    if (repos.isEmpty() && problems.isEmpty()) {
      problems.add("no [repo \"owner/name\"] section: nothing could ever start");
    }
    if (!problems.isEmpty()) {
      throw new ConveyorCli.EnvironmentException(
          file
              + ": "
              + HookRunner.plural(problems.size(), "problem")
              + ":\n  "
              + String.join("\n  ", problems));
    }
    return new WebhookConfig(maxBody, serverSecrets, repos);
  }

  private static Repo repo(
      String name,
      Map<String, List<String>> settings,
      Path base,
      Function<String, String> env,
      List<String> problems) {
    String where = "[repo \"" + name + "\"]";
    int before = problems.size();
    for (String key : settings.keySet()) {
      if (!List.of("service", "stack", "branch", "definitions", "secretenv").contains(key)) {
        problems.add(
            where
                + " "
                + key
                + ": unknown setting (service, stack, branch, definitions, secretEnv)");
      }
    }
    String service = last(settings.get("service"));
    String stack = last(settings.get("stack"));
    if ((service == null) == (stack == null)) {
      problems.add(where + ": set exactly one of service and stack");
    }
    BranchMapping branches = null;
    List<String> specs = settings.getOrDefault("branch", List.of());
    if (specs.isEmpty()) {
      problems.add(where + ": no branch = PATTERN=ENV mapping");
    } else {
      try {
        branches = BranchMapping.parse(specs);
      } catch (IllegalArgumentException e) {
        problems.add(where + " branch: " + e.getMessage());
      }
    }
    String definitions = last(settings.get("definitions"));
    if (definitions == null) {
      problems.add(where + ": no definitions (the config repo that holds conveyor.yaml)");
    } else if (!definitions.contains("://") && !definitions.matches("[\\w.-]+@[\\w.-]+:.*")) {
      definitions = base.resolve(definitions).normalize().toString();
    }
    byte[] secret = null;
    String secretEnv = last(settings.get("secretenv"));
    if (secretEnv != null) {
      secret = secret(secretEnv, env, where + " secretEnv", problems);
    }
    if (problems.size() > before) {
      return null;
    }
    Target target = Target.service(service);
    return new Repo(name, new TriggerConfig(target, branches, definitions), secret);
  }

  private static byte[] secret(
      String variable, Function<String, String> env, String where, List<String> problems) {
    String value = env.apply(variable.trim());
    if (value == null || value.isEmpty()) {
      problems.add(
          where + ": environment variable " + variable + " is not set (it holds the secret)");
      return null;
    }
    return value.getBytes(StandardCharsets.UTF_8);
  }

  private static String last(List<String> values) {
    return values == null || values.isEmpty() ? null : values.get(values.size() - 1);
  }
}
