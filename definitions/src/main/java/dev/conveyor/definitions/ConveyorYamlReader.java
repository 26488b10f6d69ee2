package dev.conveyor.definitions;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Reads the tree of conveyor.yaml into the model, reporting every problem of the file itself
 * (shape, keys, names, values). Checks across entries and files (references, cycles, templates) are
 * {@link DefinitionsLoader}'s.
 */
final class ConveyorYamlReader {

  static final List<Integer> SUPPORTED_VERSIONS = List.of(1);
  static final String DEFAULT_REGISTRY = "localhost:5000";

  static final List<String> TOP_KEYS =
      List.of("version", "registry", "environments", "services", "jobs", "stacks", "notify");
  static final List<String> ENVIRONMENT_KEYS =
      List.of(
          "target", "marathon", "consul", "chronos", "approval", "bake", "rollback", "registry");

  /** {@code environments.<env>.registry}: the one value, images stay in the worker's engine. */
  static final String LOCAL_REGISTRY = "local";

  static final List<String> ENDPOINT_KEYS = List.of("url");
  static final List<String> CHRONOS_KEYS = List.of("url", "apiPrefix");
  static final List<String> APPROVALS = List.of("required", "none");
  static final List<String> ROLLBACK_MODES = List.of("auto", "manual");
  static final List<String> SERVICE_KEYS =
      List.of("repo", "dockerfile", "context", "app", "health", "dependsOn");
  static final List<String> HEALTH_KEYS = List.of("path", "port", "timeout");
  static final List<String> JOB_KEYS =
      List.of("repo", "dockerfile", "context", "job", "dependsOn", "smokeRun", "smokeTimeout");
  static final List<String> NOTIFIER_TYPES =
      List.of(Notifier.WEBHOOK, Notifier.SLACK, Notifier.MAIL);
  static final Map<String, List<String>> NOTIFIER_KEYS =
      Map.of(
          Notifier.WEBHOOK, List.of("type", "url"),
          Notifier.SLACK, List.of("type", "url", "channel"),
          Notifier.MAIL, List.of("type", "to", "from", "smtp", "username", "password"));

  private static final Map<String, String> EXAMPLE_URLS =
      Map.of(
          "marathon", "http://marathon.prod:8080",
          "consul", "http://consul.prod:8500",
          "chronos", "http://chronos.prod:4400");
  private static final Pattern HTTP_URL = Pattern.compile("https?://[^\\s/?#]+\\S*");
  private static final Pattern REGISTRY = Pattern.compile("[A-Za-z0-9.-]+(:\\d{1,5})?(/\\S*)?");
  private static final Pattern SMTP = Pattern.compile("[A-Za-z0-9.-]+:(\\d{1,5})");
  private static final Pattern MAIL_ADDRESS = Pattern.compile("[^\\s@]+@[^\\s@]+");

  private final Checks checks;
  private final Report report;

  private int version = SUPPORTED_VERSIONS.get(0);
  private String registry = DEFAULT_REGISTRY;
  private final Map<String, Environment> environments = new LinkedHashMap<>();
  private final Map<String, Service> services = new LinkedHashMap<>();
  private final Map<String, List<String>> stacks = new LinkedHashMap<>();
  private final List<Notifier> notify = new ArrayList<>();
  private final Map<String, Position> serviceKeys = new LinkedHashMap<>();
  private final Map<String, List<ConveyorFile.Ref>> dependsOn = new LinkedHashMap<>();
  private final Map<String, Position> stackKeys = new LinkedHashMap<>();
  private final Map<String, List<ConveyorFile.Ref>> stackMembers = new LinkedHashMap<>();
  private final Map<String, ConveyorFile.Ref> apps = new LinkedHashMap<>();
  private final Map<String, Job> jobs = new LinkedHashMap<>();
  private final Map<String, Position> jobKeys = new LinkedHashMap<>();
  private final Map<String, List<ConveyorFile.Ref>> jobDependsOn = new LinkedHashMap<>();
  private final Map<String, ConveyorFile.Ref> jobTemplates = new LinkedHashMap<>();

  private ConveyorYamlReader(Report report) {
    this.report = report;
    this.checks = new Checks(report, false);
  }

  /** The file's content, or empty when the root is not a mapping (reported). */
  static Optional<ConveyorFile> read(Node root, Report report) {
    return new ConveyorYamlReader(report).readRoot(root);
  }

  private Optional<ConveyorFile> readRoot(Node rootNode) {
    SecretScanner.scan(rootNode, report);
    if (!(rootNode instanceof Node.Mapping root)) {
      report.error(
          rootNode.position(),
          "conveyor.yaml must be a mapping with "
              + String.join(", ", TOP_KEYS)
              + ", not "
              + checks.describe(rootNode));
      return Optional.empty();
    }
    checks.unknownKeys(root, "", TOP_KEYS, Checks.allowedList(TOP_KEYS));
    readVersion(root);
    root.value("registry").ifPresent(this::readRegistry);
    readRequiredSection(
        root,
        "environments",
        "add at least one environment, e.g. qa: { target: docker }",
        this::readEnvironment);
    readRequiredSection(
        root, "services", "add at least one service with its repo", this::readService);
    root.field("jobs")
        .ifPresent(
            jobsField ->
                checks
                    .mapping(jobsField.value(), "jobs")
                    .ifPresent(m -> m.fields().values().forEach(this::readJob)));
    root.field("stacks")
        .ifPresent(
            stacksField ->
                checks
                    .mapping(stacksField.value(), "stacks")
                    .ifPresent(m -> m.fields().values().forEach(this::readStack)));
    root.value("notify").ifPresent(this::readNotify);
    return Optional.of(
        new ConveyorFile(
            version,
            registry,
            environments,
            services,
            stacks,
            notify,
            serviceKeys,
            dependsOn,
            stackKeys,
            stackMembers,
            apps,
            jobs,
            jobKeys,
            jobDependsOn,
            jobTemplates));
  }

  private void readVersion(Node.Mapping root) {
    Optional<Node> node = root.value("version");
    String supported = "supported versions: " + joinInts(SUPPORTED_VERSIONS);
    if (node.isEmpty()) {
      checks.missing(root.position(), "version", "add \"version: 1\"; " + supported);
      return;
    }
    Node value = node.get();
    if (!(value instanceof Node.Scalar scalar && scalar.isInteger())) {
      report.error(
          value.position(),
          "version must be an integer (" + supported + "), not " + checks.describe(value));
      return;
    }
    String text = scalar.text();
    if (SUPPORTED_VERSIONS.stream().noneMatch(v -> String.valueOf(v).equals(text))) {
      report.error(value.position(), "version " + text + " is not supported (" + supported + ")");
      return;
    }
    version = Integer.parseInt(text);
  }

  private void readRegistry(Node node) {
    checks
        .nonEmptyString(node, "registry")
        .ifPresent(
            text -> {
              String host = text.contains("/") ? text.substring(0, text.indexOf('/')) : text;
              if (text.equals(LOCAL_REGISTRY)) {
                report.error(
                    node.position(),
                    "registry: local is set per environment (environments.<env>.registry: local),"
                        + " where it can be checked against the target; the top-level registry"
                        + " is where the other environments push, e.g. localhost:5000");
              } else if (REGISTRY.matcher(text).matches()
                  && !host.contains(".")
                  && !host.contains(":")
                  && !host.equals("localhost")) {
                // Docker would read "registry/billing" as the Docker Hub repository "registry/…".
                report.error(
                    node.position(),
                    "registry \""
                        + text
                        + "\" has no host: the first part needs a dot or a port (e.g. "
                        + host
                        + ".example.com or "
                        + host
                        + ":5000) or must be localhost, else Docker reads it as a Docker Hub"
                        + " namespace");
              } else if (REGISTRY.matcher(text).matches()) {
                registry = text;
              } else {
                report.error(
                    node.position(),
                    "registry must be host[:port][/path] without a scheme (e.g. localhost:5000 or"
                        + " registry.example.com/team), not \""
                        + text
                        + "\"");
              }
            });
  }

  private interface EntryReader {
    void read(Node.Field entry);
  }

  private void readRequiredSection(
      Node.Mapping root, String key, String hint, EntryReader entryReader) {
    Optional<Node.Field> field = root.field(key);
    if (field.isEmpty()) {
      checks.missing(root.position(), key, hint);
      return;
    }
    Optional<Node.Mapping> section = checks.mapping(field.get().value(), key);
    if (section.isEmpty()) {
      return;
    }
    if (section.get().fields().isEmpty()) {
      report.error(field.get().keyPosition(), key + " is empty (" + hint + ")");
    }
    section.get().fields().values().forEach(entryReader::read);
  }

  private void checkName(Node.Field entry, String what) {
    if (!Names.isValid(entry.key())) {
      report.error(entry.keyPosition(), Names.invalid(what, entry.key()));
    }
  }

  // ---- environments

  private void readEnvironment(Node.Field entry) {
    String name = entry.key();
    String path = "environments." + name;
    checkName(entry, "environment");
    Optional<Node.Mapping> mapping = checks.mapping(entry.value(), path);
    if (mapping.isEmpty()) {
      return;
    }
    Node.Mapping env = mapping.get();
    checks.unknownKeys(env, path, ENVIRONMENT_KEYS, Checks.allowedList(ENVIRONMENT_KEYS));

    Optional<Target> target = Optional.empty();
    Optional<Node.Field> targetField = env.field("target");
    if (targetField.isEmpty()) {
      checks.missing(
          entry.keyPosition(), path + ".target", String.join(" or ", Target.yamlNames()));
    } else {
      target = readTarget(targetField.get().value(), path);
    }
    Optional<MarathonEndpoint> marathon =
        readEndpoint(env, path, "marathon").map(MarathonEndpoint::new);
    Optional<ConsulEndpoint> consul = readEndpoint(env, path, "consul").map(ConsulEndpoint::new);
    Optional<ChronosEndpoint> chronos = readChronos(env, path);
    if (target.isPresent() && target.get() == Target.MARATHON && marathon.isEmpty()) {
      Optional<Node.Field> marathonField = env.field("marathon");
      if (marathonField.isEmpty()) {
        checks.missing(
            targetField.get().value().position(),
            path + ".marathon.url",
            "target marathon needs the Marathon API, e.g. marathon: { url:"
                + " \"http://marathon.prod:8080\" }");
      }
    }
    if (target.isPresent() && target.get() == Target.DOCKER) {
      env.field("marathon")
          .ifPresent(
              f ->
                  report.warning(
                      f.keyPosition(), path + ".marathon is ignored because the target is docker"));
    }
    boolean approvalRequired =
        env.value("approval")
            .flatMap(n -> checks.oneOf(n, path + ".approval", APPROVALS))
            .map("required"::equals)
            .orElse(false);
    Duration bake =
        env.value("bake")
            .flatMap(n -> duration(n, path + ".bake"))
            .orElse(Environment.DEFAULT_BAKE);
    boolean autoRollback =
        env.value("rollback")
            .flatMap(n -> checks.oneOf(n, path + ".rollback", ROLLBACK_MODES))
            .map("auto"::equals)
            .orElse(Environment.defaultAutoRollback(name));
    Optional<Boolean> localImages = readEnvironmentRegistry(env, path, target, chronos);
    boolean complete =
        target.isPresent()
            && (target.get() != Target.MARATHON || marathon.isPresent())
            && localImages.isPresent();
    if (complete) {
      environments.put(
          name,
          new Environment(
              name,
              target.get(),
              marathon,
              consul,
              approvalRequired,
              bake,
              chronos,
              autoRollback,
              localImages.get()));
    }
  }

  /**
   * {@code registry: local} (images built into the worker's Docker engine and run from there, no
   * push): true; absent: false; anything else, or {@code local} where the images would have to
   * leave the worker's engine (Marathon, Chronos): reported, empty.
   */
  private Optional<Boolean> readEnvironmentRegistry(
      Node.Mapping env, String path, Optional<Target> target, Optional<ChronosEndpoint> chronos) {
    Optional<Node> node = env.value("registry");
    if (node.isEmpty()) {
      return Optional.of(false);
    }
    String where = path + ".registry";
    Optional<String> text = checks.string(node.get(), where);
    if (text.isEmpty()) {
      return Optional.empty();
    }
    if (!LOCAL_REGISTRY.equals(text.get())) {
      report.error(
          node.get().position(),
          where
              + " can only be \"local\" (build into the worker's Docker engine, no push), not \""
              + text.get()
              + "\"; the registry images are pushed to is the top-level registry");
      return Optional.empty();
    }
    if (target.isPresent() && target.get() != Target.DOCKER) {
      report.error(
          node.get().position(),
          where
              + ": local images never leave the worker's Docker engine, so target "
              + target.get().name().toLowerCase(java.util.Locale.ROOT)
              + " cannot run them; use target docker, or remove registry: local and push to"
              + " the top-level registry");
      return Optional.empty();
    }
    if (chronos.isPresent()) {
      report.error(
          node.get().position(),
          where
              + ": Chronos runs jobs on its own hosts, which cannot see the worker's local images;"
              + " remove chronos from this environment or remove registry: local");
      return Optional.empty();
    }
    return Optional.of(true);
  }

  private Optional<Target> readTarget(Node node, String path) {
    Optional<String> text = checks.string(node, path + ".target");
    if (text.isEmpty()) {
      return Optional.empty();
    }
    Optional<Target> target = Target.fromYaml(text.get());
    if (target.isEmpty()) {
      String hint = Suggestions.didYouMean(text.get(), Target.yamlNames());
      report.error(
          node.position(),
          "unknown target '"
              + text.get()
              + "' in "
              + path
              + (hint.isEmpty()
                  ? " (targets: " + String.join(", ", Target.yamlNames()) + ")"
                  : hint));
    }
    return target;
  }

  /** The {@code url} of an endpoint block such as {@code marathon: { url: ... }}. */
  private Optional<String> readEndpoint(Node.Mapping env, String envPath, String key) {
    return readEndpoint(env, envPath, key, ENDPOINT_KEYS);
  }

  private Optional<String> readEndpoint(
      Node.Mapping env, String envPath, String key, List<String> keys) {
    Optional<Node.Field> field = env.field(key);
    if (field.isEmpty()) {
      return Optional.empty();
    }
    String path = envPath + "." + key;
    Optional<Node.Mapping> block = checks.mapping(field.get().value(), path);
    if (block.isEmpty()) {
      return Optional.empty();
    }
    checks.unknownKeys(block.get(), path, keys, Checks.allowedList(keys));
    Optional<Node> url = block.get().value("url");
    if (url.isEmpty()) {
      checks.missing(
          field.get().keyPosition(), path + ".url", "e.g. url: \"" + EXAMPLE_URLS.get(key) + "\"");
      return Optional.empty();
    }
    return url(url.get(), path + ".url");
  }

  /** {@code chronos: { url, apiPrefix }}; {@code apiPrefix} defaults to Chronos 3.x's. */
  private Optional<ChronosEndpoint> readChronos(Node.Mapping env, String envPath) {
    Optional<String> url = readEndpoint(env, envPath, "chronos", CHRONOS_KEYS);
    Optional<Node> prefixNode =
        env.value("chronos")
            .filter(Node.Mapping.class::isInstance)
            .flatMap(block -> ((Node.Mapping) block).value("apiPrefix"));
    String prefix = ChronosEndpoint.V3_PREFIX;
    if (prefixNode.isPresent()) {
      Optional<String> given =
          checks.oneOf(prefixNode.get(), envPath + ".chronos.apiPrefix", ChronosEndpoint.PREFIXES);
      if (given.isEmpty()) {
        return Optional.empty();
      }
      prefix = given.get();
    }
    String apiPrefix = prefix;
    return url.map(u -> new ChronosEndpoint(u, apiPrefix));
  }

  /** An http(s) URL, possibly with {@code ${env:NAME}} parts, or a single reference. */
  private Optional<String> url(Node node, String path) {
    Optional<String> text = checks.nonEmptyString(node, path);
    if (text.isEmpty()) {
      return text;
    }
    // A malformed reference is reported by SecretScanner; one message for it is enough.
    if (SecretRef.isReference(text.get())
        || HTTP_URL.matcher(text.get()).matches()
        || SecretRef.hasMalformedReference(text.get())) {
      return text;
    }
    report.error(
        node.position(),
        path
            + " must be an http:// or https:// URL or a "
            + SecretRef.FORM
            + " reference, not \""
            + text.get()
            + "\"");
    return Optional.empty();
  }

  private Optional<Duration> duration(Node node, String path) {
    if (node instanceof Node.Scalar scalar && scalar.isInteger()) {
      report.error(
          node.position(),
          path
              + " needs a unit: write "
              + scalar.text()
              + "s for seconds or "
              + scalar.text()
              + "m for minutes ("
              + Durations.EXAMPLES
              + ")");
      return Optional.empty();
    }
    Optional<String> text = checks.string(node, path);
    if (text.isEmpty()) {
      return Optional.empty();
    }
    Optional<Duration> duration = Durations.parse(text.get());
    if (duration.isEmpty()) {
      report.error(
          node.position(),
          path
              + " must be a duration above zero such as "
              + Durations.EXAMPLES
              + ", not \""
              + text.get()
              + "\"");
    }
    return duration;
  }

  // ---- services

  private void readService(Node.Field entry) {
    String name = entry.key();
    String path = "services." + name;
    serviceKeys.put(name, entry.keyPosition());
    dependsOn.put(name, List.of());
    checkName(entry, "service");
    Optional<Node.Mapping> mapping = checks.mapping(entry.value(), path);
    if (mapping.isEmpty()) {
      apps.put(name, new ConveyorFile.Ref(Service.defaultApp(name), entry.keyPosition()));
      return;
    }
    Node.Mapping service = mapping.get();
    checks.unknownKeys(service, path, SERVICE_KEYS, Checks.allowedList(SERVICE_KEYS));

    Optional<String> repo = Optional.empty();
    Optional<Node> repoNode = service.value("repo");
    if (repoNode.isEmpty()) {
      checks.missing(
          entry.keyPosition(),
          path + ".repo",
          "the source repository: a path relative to the definitions repository, or a URL");
    } else {
      repo = checks.nonEmptyString(repoNode.get(), path + ".repo");
    }
    String dockerfile =
        service
            .value("dockerfile")
            .flatMap(n -> relativePath(n, path + ".dockerfile", "the source repository"))
            .orElse(Service.DEFAULT_DOCKERFILE);
    String context =
        service
            .value("context")
            .flatMap(n -> relativePath(n, path + ".context", "the source repository"))
            .orElse(Service.DEFAULT_CONTEXT);
    String app = Service.defaultApp(name);
    Position appAt = entry.keyPosition();
    Optional<Node> appNode = service.value("app");
    if (appNode.isPresent()) {
      appAt = appNode.get().position();
      app = relativePath(appNode.get(), path + ".app", "the definitions repository").orElse(null);
    }
    if (app != null) {
      apps.put(name, new ConveyorFile.Ref(app, appAt));
    }
    Health health = service.value("health").map(n -> readHealth(n, path)).orElse(Health.DEFAULT);
    List<String> deps =
        service.value("dependsOn").map(n -> readDependsOn(name, n, path)).orElse(List.of());
    if (repo.isPresent() && app != null) {
      services.put(name, new Service(name, repo.get(), dockerfile, context, app, health, deps));
    }
  }

  /** A relative path that stays inside its root: no leading '/', no '..' segment. */
  private Optional<String> relativePath(Node node, String path, String root) {
    Optional<String> text = checks.nonEmptyString(node, path);
    if (text.isEmpty()) {
      return text;
    }
    String value = text.get();
    boolean escapes =
        value.startsWith("/")
            || value.startsWith("\\")
            || value.matches("^[A-Za-z]:.*")
            || List.of(value.split("[/\\\\]")).contains("..");
    if (escapes) {
      report.error(
          node.position(),
          path + " must be a relative path inside " + root + ", not \"" + value + "\"");
      return Optional.empty();
    }
    return text;
  }

  private Health readHealth(Node node, String servicePath) {
    String path = servicePath + ".health";
    Optional<Node.Mapping> mapping = checks.mapping(node, path);
    if (mapping.isEmpty()) {
      return Health.DEFAULT;
    }
    Node.Mapping health = mapping.get();
    checks.unknownKeys(health, path, HEALTH_KEYS, Checks.allowedList(HEALTH_KEYS));
    String healthPath =
        health
            .value("path")
            .flatMap(
                n ->
                    checks
                        .string(n, path + ".path")
                        .filter(
                            text -> {
                              if (text.startsWith("/")) {
                                return true;
                              }
                              report.error(
                                  n.position(),
                                  path
                                      + ".path must start with '/', e.g. /health, not \""
                                      + text
                                      + "\"");
                              return false;
                            }))
            .orElse(Health.DEFAULT_PATH);
    int port =
        health
            .value("port")
            .flatMap(n -> checks.integer(n, path + ".port", 1, 65535L))
            .map(Number::intValue)
            .orElse(Health.DEFAULT_PORT);
    Duration timeout =
        health
            .value("timeout")
            .flatMap(n -> duration(n, path + ".timeout"))
            .orElse(Health.DEFAULT_TIMEOUT);
    return new Health(healthPath, port, timeout);
  }

  private List<String> readDependsOn(String service, Node node, String servicePath) {
    String path = servicePath + ".dependsOn";
    List<ConveyorFile.Ref> refs = readNameList(node, path, "service names, e.g. [accounts]");
    dependsOn.put(service, refs);
    return refs.stream().map(ConveyorFile.Ref::name).distinct().toList();
  }

  /** A list of names; duplicates are warned about and kept once. */
  private List<ConveyorFile.Ref> readNameList(Node node, String path, String example) {
    if (!(node instanceof Node.Sequence sequence)) {
      report.error(
          node.position(),
          path + " must be a list of " + example + ", not " + checks.describe(node));
      return List.of();
    }
    List<ConveyorFile.Ref> refs = new ArrayList<>();
    Set<String> seen = new HashSet<>();
    for (int i = 0; i < sequence.items().size(); i++) {
      Node item = sequence.items().get(i);
      Optional<String> name = checks.nonEmptyString(item, Checks.index(path, i));
      if (name.isEmpty()) {
        continue;
      }
      if (!seen.add(name.get())) {
        report.warning(item.position(), path + " lists '" + name.get() + "' twice");
        continue;
      }
      refs.add(new ConveyorFile.Ref(name.get(), item.position()));
    }
    return refs;
  }

  // ---- jobs

  private void readJob(Node.Field entry) {
    String name = entry.key();
    String path = "jobs." + name;
    jobKeys.put(name, entry.keyPosition());
    jobDependsOn.put(name, List.of());
    checkName(entry, "job");
    Optional<Node.Mapping> mapping = checks.mapping(entry.value(), path);
    if (mapping.isEmpty()) {
      jobTemplates.put(name, new ConveyorFile.Ref(Job.defaultTemplate(name), entry.keyPosition()));
      return;
    }
    Node.Mapping job = mapping.get();
    checks.unknownKeys(job, path, JOB_KEYS, Checks.allowedList(JOB_KEYS));

    Optional<String> repo = Optional.empty();
    Optional<Node> repoNode = job.value("repo");
    if (repoNode.isEmpty()) {
      checks.missing(
          entry.keyPosition(),
          path + ".repo",
          "the source repository: a path relative to the definitions repository, or a URL");
    } else {
      repo = checks.nonEmptyString(repoNode.get(), path + ".repo");
    }
    String dockerfile =
        job.value("dockerfile")
            .flatMap(n -> relativePath(n, path + ".dockerfile", "the source repository"))
            .orElse(Service.DEFAULT_DOCKERFILE);
    String context =
        job.value("context")
            .flatMap(n -> relativePath(n, path + ".context", "the source repository"))
            .orElse(Service.DEFAULT_CONTEXT);
    String template = Job.defaultTemplate(name);
    Position templateAt = entry.keyPosition();
    Optional<Node> templateNode = job.value("job");
    if (templateNode.isPresent()) {
      templateAt = templateNode.get().position();
      template =
          relativePath(templateNode.get(), path + ".job", "the definitions repository")
              .orElse(null);
    }
    if (template != null) {
      jobTemplates.put(name, new ConveyorFile.Ref(template, templateAt));
    }
    List<String> deps = List.of();
    Optional<Node> depsNode = job.value("dependsOn");
    if (depsNode.isPresent()) {
      List<ConveyorFile.Ref> refs =
          readNameList(depsNode.get(), path + ".dependsOn", "service names, e.g. [accounts]");
      jobDependsOn.put(name, refs);
      deps = refs.stream().map(ConveyorFile.Ref::name).toList();
    }
    boolean smokeRun =
        job.value("smokeRun").flatMap(n -> checks.bool(n, path + ".smokeRun")).orElse(false);
    Duration smokeTimeout =
        job.value("smokeTimeout")
            .flatMap(n -> duration(n, path + ".smokeTimeout"))
            .orElse(Job.DEFAULT_SMOKE_TIMEOUT);
    boolean smokeRunOff =
        job.value("smokeRun")
            .map(
                n ->
                    n instanceof Node.Scalar b
                        && b.type() == Node.Scalar.Type.BOOLEAN
                        && "false".equals(b.text()))
            .orElse(true);
    if (smokeRunOff && job.value("smokeTimeout").isPresent()) {
      report.warning(
          job.field("smokeTimeout").orElseThrow().keyPosition(),
          path + ".smokeTimeout is ignored without smokeRun: true (no run is triggered to time)");
    }
    if (repo.isPresent() && template != null) {
      jobs.put(
          name,
          new Job(name, repo.get(), dockerfile, context, template, deps, smokeRun, smokeTimeout));
    }
  }

  // ---- stacks

  private void readStack(Node.Field entry) {
    String name = entry.key();
    String path = "stacks." + name;
    checkName(entry, "stack");
    stackKeys.put(name, entry.keyPosition());
    List<ConveyorFile.Ref> members =
        readNameList(entry.value(), path, "service names, e.g. [accounts, billing]");
    if (entry.value() instanceof Node.Sequence && members.isEmpty()) {
      report.warning(entry.keyPosition(), path + " is empty: releasing it deploys nothing");
    }
    stackMembers.put(name, members);
    stacks.put(name, members.stream().map(ConveyorFile.Ref::name).toList());
  }

  // ---- notify

  private void readNotify(Node node) {
    Optional<Node.Sequence> list = checks.sequence(node, "notify");
    if (list.isEmpty()) {
      return;
    }
    List<Node> items = list.get().items();
    for (int i = 0; i < items.size(); i++) {
      String path = Checks.index("notify", i);
      checks.mapping(items.get(i), path).flatMap(m -> readNotifier(m, path)).ifPresent(notify::add);
    }
  }

  private Optional<Notifier> readNotifier(Node.Mapping entry, String path) {
    Optional<Node> typeNode = entry.value("type");
    if (typeNode.isEmpty()) {
      checks.missing(entry.position(), path + ".type", String.join(", ", NOTIFIER_TYPES));
      return Optional.empty();
    }
    Optional<String> type = checks.string(typeNode.get(), path + ".type");
    if (type.isEmpty()) {
      return Optional.empty();
    }
    if (!NOTIFIER_TYPES.contains(type.get())) {
      String hint = Suggestions.didYouMean(type.get(), NOTIFIER_TYPES);
      report.error(
          typeNode.get().position(),
          "unknown notifier type '"
              + type.get()
              + "' in "
              + path
              + (hint.isEmpty() ? " (types: " + String.join(", ", NOTIFIER_TYPES) + ")" : hint));
      return Optional.empty();
    }
    List<String> keys = NOTIFIER_KEYS.get(type.get());
    checks.unknownKeys(
        entry,
        path,
        keys,
        "(allowed for type " + type.get() + ": " + String.join(", ", keys) + ")");
    Map<String, String> options = new LinkedHashMap<>();
    boolean complete = true;
    for (Node.Field field : entry.fields().values()) {
      if (keys.contains(field.key()) && !List.of("type", "url").contains(field.key())) {
        Optional<String> value =
            checks.nonEmptyString(field.value(), Checks.join(path, field.key()));
        value.ifPresent(v -> options.put(field.key(), v));
        complete &= value.isPresent();
      }
    }
    if (type.get().equals(Notifier.MAIL)) {
      return readMail(entry, path, options, complete);
    }
    Optional<Node> urlNode = entry.value("url");
    if (urlNode.isEmpty()) {
      checks.missing(
          entry.position(),
          path + ".url",
          "e.g. url: \"${env:"
              + (type.get().equals(Notifier.SLACK) ? "SLACK_WEBHOOK_URL" : "CONVEYOR_WEBHOOK_URL")
              + "}\"");
      return Optional.empty();
    }
    Optional<String> url = url(urlNode.get(), path + ".url");
    if (url.isEmpty() || !complete) {
      return Optional.empty();
    }
    return Optional.of(new Notifier(type.get(), url.get(), options));
  }

  private Optional<Notifier> readMail(
      Node.Mapping entry, String path, Map<String, String> options, boolean complete) {
    for (String required : List.of("to", "from", "smtp")) {
      if (!entry.fields().containsKey(required)) {
        checks.missing(entry.position(), Checks.join(path, required), mailHint(required));
        complete = false;
      }
    }
    for (String address : List.of("to", "from")) {
      String value = options.get(address);
      if (value != null && !allAddresses(value)) {
        report.error(
            entry.value(address).orElseThrow().position(),
            Checks.join(path, address)
                + " must be mail addresses separated by commas, not \""
                + value
                + "\"");
        complete = false;
      }
    }
    String smtp = options.get("smtp");
    if (smtp != null) {
      var m = SMTP.matcher(smtp);
      if (!m.matches()
          || Integer.parseInt(m.group(1)) < 1
          || Integer.parseInt(m.group(1)) > 65535) {
        report.error(
            entry.value("smtp").orElseThrow().position(),
            Checks.join(path, "smtp")
                + " must be host:port, e.g. smtp.example.com:587, not \""
                + smtp
                + "\"");
        complete = false;
      }
    }
    if (!complete || smtp == null) {
      return Optional.empty();
    }
    return Optional.of(new Notifier(Notifier.MAIL, "smtp://" + smtp, options));
  }

  private static String mailHint(String field) {
    return switch (field) {
      case "to" -> "who gets the mail, e.g. to: team@example.com";
      case "from" -> "the sender, e.g. from: conveyor@example.com";
      default -> "the SMTP server as host:port, e.g. smtp: smtp.example.com:587";
    };
  }

  private static boolean allAddresses(String value) {
    for (String address : value.split(",")) {
      if (!MAIL_ADDRESS.matcher(address.strip()).matches()) {
        return false;
      }
    }
    return true;
  }

  private static String joinInts(List<Integer> values) {
    return String.join(", ", values.stream().map(String::valueOf).toList());
  }
}
