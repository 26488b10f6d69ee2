package dev.conveyor.definitions;

import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Checks a Marathon app template against the rules of Marathon's app definition (v1.7), written
 * from its documented facts: the fields Conveyor relies on, their types and ranges, and unknown
 * keys where Marathon rejects additional properties. Everything it accepts, Marathon's JSON schema
 * accepts too once Conveyor has written the image (a test keeps it so).
 */
final class MarathonAppRules {

  /** Marathon's top-level app fields. */
  static final List<String> APP_FIELDS =
      List.of(
          "id",
          "cmd",
          "args",
          "user",
          "env",
          "instances",
          "cpus",
          "mem",
          "disk",
          "gpus",
          "executor",
          "executorResources",
          "constraints",
          "fetch",
          "uris",
          "ports",
          "portDefinitions",
          "requirePorts",
          "backoffFactor",
          "backoffSeconds",
          "maxLaunchDelaySeconds",
          "container",
          "healthChecks",
          "readinessChecks",
          "dependencies",
          "upgradeStrategy",
          "labels",
          "acceptedResourceRoles",
          "ipAddress",
          "networks",
          "residency",
          "secrets",
          "taskKillGracePeriodSeconds",
          "unreachableStrategy",
          "killSelection",
          "version",
          "versionInfo");

  static final List<String> CONTAINER_FIELDS =
      List.of("type", "docker", "appc", "portMappings", "volumes");
  static final List<String> CONTAINER_TYPES = List.of("DOCKER", "MESOS");
  static final List<String> DOCKER_FIELDS =
      List.of(
          "image",
          "network",
          "portMappings",
          "parameters",
          "privileged",
          "forcePullImage",
          "credential",
          "pullConfig");
  static final List<String> DOCKER_NETWORKS = List.of("BRIDGE", "HOST", "NONE", "USER");
  static final List<String> PORT_MAPPING_FIELDS =
      List.of(
          "containerPort", "hostPort", "servicePort", "protocol", "name", "labels", "networkNames");
  static final List<String> PORT_PROTOCOLS = List.of("tcp", "udp", "udp,tcp");
  static final List<String> HEALTH_CHECK_FIELDS =
      List.of(
          "protocol",
          "path",
          "portIndex",
          "port",
          "command",
          "gracePeriodSeconds",
          "intervalSeconds",
          "timeoutSeconds",
          "maxConsecutiveFailures",
          "delaySeconds",
          "ignoreHttp1xx",
          "ipProtocol");
  static final List<String> HEALTH_PROTOCOLS =
      List.of("HTTP", "HTTPS", "TCP", "COMMAND", "MESOS_HTTP", "MESOS_HTTPS", "MESOS_TCP");
  static final List<String> IP_PROTOCOLS = List.of("IPv4", "IPv6");
  static final List<String> HEALTH_CHECK_SECONDS =
      List.of(
          "gracePeriodSeconds",
          "intervalSeconds",
          "timeoutSeconds",
          "maxConsecutiveFailures",
          "delaySeconds");

  /** One path segment: lowercase letters, digits, dashes and dots, alphanumeric at both ends. */
  private static final String SEGMENT = "[a-z0-9](?:[a-z0-9.-]*[a-z0-9])?";

  static final Pattern APP_ID = Pattern.compile("/?" + SEGMENT + "(?:/" + SEGMENT + ")*");

  private static final int MAX_PORT = 65535;
  private static final Pattern PORT_NAME = Pattern.compile("[a-z][a-z0-9-]*");
  private static final Pattern SECRET_LIKE_NAME =
      Pattern.compile(".*(PASSWORD|PASSWD|SECRET|TOKEN|API_?KEY|PRIVATE_?KEY).*");

  private final Checks checks;
  private final Report report;

  private MarathonAppRules(Report report) {
    this.report = report;
    this.checks = new Checks(report, true);
  }

  /** Reports every rule {@code root}, the parsed template, breaks. */
  static void check(Node root, Report report) {
    new MarathonAppRules(report).checkApp(root);
  }

  private void checkApp(Node root) {
    if (!(root instanceof Node.Mapping app)) {
      report.error(
          root.position(), "an app template must be a JSON object, not " + checks.describe(root));
      return;
    }
    checks.unknownKeys(app, "", APP_FIELDS, "(not a field of Marathon's app definition)");
    checkId(app);
    app.value("instances").ifPresent(n -> checks.integer(n, "instances", 0, null));
    for (String resource : List.of("cpus", "mem", "disk")) {
      app.value(resource).ifPresent(n -> checks.nonNegativeNumber(n, resource));
    }
    app.value("gpus").ifPresent(n -> checks.integer(n, "gpus", 0, null));
    checkCommand(app);
    checkContainer(app);
    app.value("healthChecks").ifPresent(this::checkHealthChecks);
    app.value("env").ifPresent(this::checkEnv);
    app.value("labels").ifPresent(n -> checkStringMap(n, "labels"));
  }

  private void checkId(Node.Mapping app) {
    Optional<Node.Field> id = app.field("id");
    if (id.isEmpty()) {
      checks.missing(
          app.position(), "id", "Marathon needs the app's path, e.g. \"id\": \"/billing\"");
      return;
    }
    Node value = id.get().value();
    checks
        .string(value, "id")
        .filter(text -> !APP_ID.matcher(text).matches())
        .ifPresent(
            text ->
                report.error(
                    value.position(),
                    "id \""
                        + text
                        + "\" is not a valid Marathon app id (names of lowercase letters, digits,"
                        + " dashes and dots, each starting and ending with a letter or digit,"
                        + " separated by '/', e.g. \"/payments/billing\")"));
  }

  private void checkCommand(Node.Mapping app) {
    app.value("cmd").ifPresent(n -> checks.nonEmptyString(n, "cmd"));
    app.value("args")
        .flatMap(n -> checks.sequence(n, "args"))
        .ifPresent(
            args -> {
              for (int i = 0; i < args.items().size(); i++) {
                checks.string(args.items().get(i), Checks.index("args", i));
              }
            });
    if (app.fields().containsKey("cmd") && app.fields().containsKey("args")) {
      report.error(
          app.fields().get("args").keyPosition(),
          "cmd and args cannot both be set (Marathon runs one or the other; keep one)");
    }
  }

  private void checkContainer(Node.Mapping app) {
    Optional<Node.Field> containerField = app.field("container");
    if (containerField.isEmpty()) {
      checks.missing(
          app.position(),
          "container.docker.image",
          "Conveyor writes the image here; add \"container\": {\"type\": \"DOCKER\", \"docker\":"
              + " {\"image\": \"\"}}");
      return;
    }
    Optional<Node.Mapping> container = checks.mapping(containerField.get().value(), "container");
    if (container.isEmpty()) {
      return;
    }
    Node.Mapping c = container.get();
    checks.unknownKeys(c, "container", CONTAINER_FIELDS, Checks.allowedList(CONTAINER_FIELDS));
    c.value("type").ifPresent(n -> checks.oneOf(n, "container.type", CONTAINER_TYPES));
    c.value("portMappings").ifPresent(n -> checkPortMappings(n, "container.portMappings"));
    Optional<Node.Field> dockerField = c.field("docker");
    if (dockerField.isEmpty()) {
      checks.missing(
          containerField.get().keyPosition(),
          "container.docker.image",
          "Conveyor writes the image here; add \"docker\": {\"image\": \"\"}");
      return;
    }
    checks
        .mapping(dockerField.get().value(), "container.docker")
        .ifPresent(docker -> checkDocker(docker, dockerField.get().keyPosition()));
  }

  private void checkDocker(Node.Mapping docker, Position dockerKey) {
    checks.unknownKeys(
        docker, "container.docker", DOCKER_FIELDS, Checks.allowedList(DOCKER_FIELDS));
    Optional<Node.Field> image = docker.field("image");
    if (image.isEmpty()) {
      checks.missing(
          dockerKey,
          "container.docker.image",
          "Conveyor writes the image here; add \"image\": \"\"");
    } else {
      Node value = image.get().value();
      checks
          .string(value, "container.docker.image")
          .filter(text -> !text.isEmpty())
          .ifPresent(
              text ->
                  report.warning(
                      value.position(),
                      "container.docker.image is \""
                          + text
                          + "\", but Conveyor replaces it with the image it builds; write \"\""));
    }
    docker
        .value("network")
        .ifPresent(n -> checks.oneOf(n, "container.docker.network", DOCKER_NETWORKS));
    for (String flag : List.of("privileged", "forcePullImage")) {
      docker.value(flag).ifPresent(n -> checks.bool(n, "container.docker." + flag));
    }
    docker
        .value("portMappings")
        .ifPresent(n -> checkPortMappings(n, "container.docker.portMappings"));
  }

  private void checkPortMappings(Node node, String path) {
    Optional<Node.Sequence> list = checks.sequence(node, path);
    if (list.isEmpty()) {
      return;
    }
    List<Node> items = list.get().items();
    for (int i = 0; i < items.size(); i++) {
      String itemPath = Checks.index(path, i);
      Optional<Node.Mapping> mapping = checks.mapping(items.get(i), itemPath);
      if (mapping.isEmpty()) {
        continue;
      }
      Node.Mapping m = mapping.get();
      checks.unknownKeys(m, itemPath, PORT_MAPPING_FIELDS, Checks.allowedList(PORT_MAPPING_FIELDS));
      for (String port : List.of("containerPort", "hostPort", "servicePort")) {
        m.value(port)
            .ifPresent(n -> checks.integer(n, Checks.join(itemPath, port), 0, (long) MAX_PORT));
      }
      m.value("protocol")
          .ifPresent(n -> checks.oneOf(n, Checks.join(itemPath, "protocol"), PORT_PROTOCOLS));
      m.value("name")
          .ifPresent(
              n ->
                  checks
                      .string(n, Checks.join(itemPath, "name"))
                      .filter(text -> !PORT_NAME.matcher(text).matches())
                      .ifPresent(
                          text ->
                              report.error(
                                  n.position(),
                                  Checks.join(itemPath, "name")
                                      + " \""
                                      + text
                                      + "\" must be a lowercase letter followed by lowercase"
                                      + " letters, digits and dashes")));
      m.value("labels").ifPresent(n -> checkStringMap(n, Checks.join(itemPath, "labels")));
    }
  }

  private void checkHealthChecks(Node node) {
    Optional<Node.Sequence> list = checks.sequence(node, "healthChecks");
    if (list.isEmpty()) {
      return;
    }
    List<Node> items = list.get().items();
    for (int i = 0; i < items.size(); i++) {
      String path = Checks.index("healthChecks", i);
      checks.mapping(items.get(i), path).ifPresent(check -> checkHealthCheck(check, path));
    }
  }

  private void checkHealthCheck(Node.Mapping check, String path) {
    checks.unknownKeys(check, path, HEALTH_CHECK_FIELDS, Checks.allowedList(HEALTH_CHECK_FIELDS));
    check
        .value("protocol")
        .ifPresent(n -> checks.oneOf(n, Checks.join(path, "protocol"), HEALTH_PROTOCOLS));
    check.value("path").ifPresent(n -> checks.string(n, Checks.join(path, "path")));
    check
        .value("portIndex")
        .ifPresent(n -> checks.integer(n, Checks.join(path, "portIndex"), 0, null));
    check
        .value("port")
        .ifPresent(n -> checks.integer(n, Checks.join(path, "port"), 0, (long) MAX_PORT));
    for (String seconds : HEALTH_CHECK_SECONDS) {
      check.value(seconds).ifPresent(n -> checks.integer(n, Checks.join(path, seconds), 0, null));
    }
    check.value("ignoreHttp1xx").ifPresent(n -> checks.bool(n, Checks.join(path, "ignoreHttp1xx")));
    check
        .value("ipProtocol")
        .ifPresent(n -> checks.oneOf(n, Checks.join(path, "ipProtocol"), IP_PROTOCOLS));
    check.value("command").ifPresent(n -> checks.mapping(n, Checks.join(path, "command")));
  }

  private void checkEnv(Node node) {
    Optional<Node.Mapping> env = checks.mapping(node, "env");
    if (env.isEmpty()) {
      return;
    }
    for (Node.Field field : env.get().fields().values()) {
      String path = Checks.join("env", field.key());
      Node value = field.value();
      if (value instanceof Node.Scalar scalar && scalar.isString()) {
        if (!scalar.text().isEmpty()
            && SECRET_LIKE_NAME.matcher(field.key().toUpperCase(Locale.ROOT)).matches()) {
          report.warning(
              value.position(),
              path
                  + " holds a literal value that looks like a secret, and templates are committed"
                  + " to Git; use a Marathon secret instead: {\"secret\": \"<name>\"} with a"
                  + " \"secrets\" entry");
        }
      } else if (!isSecretReference(value)) {
        report.error(
            value.position(),
            path + " must be a string or {\"secret\": \"<name>\"}, not " + checks.describe(value));
      }
    }
  }

  private static boolean isSecretReference(Node value) {
    return value instanceof Node.Mapping m
        && m.fields().size() == 1
        && m.value("secret")
            .filter(s -> s instanceof Node.Scalar sc && sc.isString() && !sc.text().isEmpty())
            .isPresent();
  }

  private void checkStringMap(Node node, String path) {
    checks
        .mapping(node, path)
        .ifPresent(
            map ->
                map.fields()
                    .values()
                    .forEach(f -> checks.string(f.value(), Checks.join(path, f.key()))));
  }
}
