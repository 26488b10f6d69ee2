package dev.conveyor.definitions;

import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Checks a Chronos job template against what Chronos's scheduler API accepts, from its documented
 * fields: a JSON object, a {@code name} of word characters, dots and dashes, exactly one of {@code
 * schedule} (an ISO 8601 repeating interval, parsed) and {@code parents}, the field Conveyor writes
 * the image to ({@code container.image}), and the types of the other documented fields. Keys
 * Chronos does not document are warnings, not errors: Chronos ignores them.
 */
final class ChronosJobRules {

  /** Chronos's rule for job names (and so for parents). */
  static final Pattern JOB_NAME = Pattern.compile("[\\w.-]+");

  /** The job fields Chronos documents. */
  static final List<String> JOB_FIELDS =
      List.of(
          "name",
          "command",
          "arguments",
          "shell",
          "schedule",
          "scheduleTimeZone",
          "epsilon",
          "owner",
          "ownerName",
          "description",
          "parents",
          "retries",
          "disabled",
          "concurrent",
          "async",
          "softError",
          "highPriority",
          "dataProcessingJobType",
          "runAsUser",
          "cpus",
          "mem",
          "disk",
          "uris",
          "fetch",
          "constraints",
          "executor",
          "executorFlags",
          "container",
          "environmentVariables");

  static final List<String> BOOLEAN_FIELDS =
      List.of(
          "shell",
          "disabled",
          "concurrent",
          "async",
          "softError",
          "highPriority",
          "dataProcessingJobType");
  static final List<String> STRING_FIELDS =
      List.of(
          "command",
          "scheduleTimeZone",
          "owner",
          "ownerName",
          "description",
          "runAsUser",
          "executor",
          "executorFlags");
  static final List<String> CONTAINER_FIELDS =
      List.of("type", "image", "network", "volumes", "forcePullImage", "parameters");
  static final List<String> ENVIRONMENT_VARIABLE_FIELDS = List.of("name", "value");

  private final Checks checks;
  private final Report report;

  private ChronosJobRules(Report report) {
    this.report = report;
    this.checks = new Checks(report, true);
  }

  /** Reports every rule {@code root}, the parsed template, breaks. */
  static void check(Node root, Report report) {
    new ChronosJobRules(report).checkJob(root);
  }

  private void checkJob(Node root) {
    if (!(root instanceof Node.Mapping job)) {
      report.error(
          root.position(),
          "a Chronos job template must be a JSON object, not " + checks.describe(root));
      return;
    }
    warnUnknownKeys(job, "", JOB_FIELDS);
    checkName(job);
    checkScheduleOrParents(job);
    checkContainer(job);
    for (String flag : BOOLEAN_FIELDS) {
      job.value(flag).ifPresent(n -> checks.bool(n, flag));
    }
    for (String text : STRING_FIELDS) {
      job.value(text).ifPresent(n -> checks.string(n, text));
    }
    job.value("retries").ifPresent(n -> checks.integer(n, "retries", 0, null));
    for (String resource : List.of("cpus", "mem", "disk")) {
      job.value(resource).ifPresent(n -> checks.nonNegativeNumber(n, resource));
    }
    job.value("epsilon").ifPresent(this::checkEpsilon);
    job.value("arguments").ifPresent(n -> checkStrings(n, "arguments"));
    job.value("environmentVariables").ifPresent(this::checkEnvironmentVariables);
  }

  /** Chronos ignores keys it does not know, so an unknown key is a warning (a typo, likely). */
  private void warnUnknownKeys(Node.Mapping mapping, String path, List<String> known) {
    for (Node.Field field : mapping.fields().values()) {
      if (!known.contains(field.key())) {
        String hint = Suggestions.didYouMean(field.key(), known);
        report.warning(
            field.keyPosition(),
            "unknown key '"
                + field.key()
                + "' "
                + (path.isEmpty() ? "in the job template" : "in " + path)
                + (hint.isEmpty() ? " (Chronos does not document it and ignores it)" : hint));
      }
    }
  }

  private void checkName(Node.Mapping job) {
    Optional<Node.Field> name = job.field("name");
    if (name.isEmpty()) {
      checks.missing(
          job.position(), "name", "Chronos knows the job by it, e.g. \"name\": \"nightly-report\"");
      return;
    }
    Node value = name.get().value();
    checks
        .nonEmptyString(value, "name")
        .filter(text -> !JOB_NAME.matcher(text).matches())
        .ifPresent(
            text ->
                report.error(
                    value.position(),
                    "name \""
                        + text
                        + "\" is not a valid Chronos job name (letters, digits, '_', '.' and '-'"
                        + " only)"));
  }

  private void checkScheduleOrParents(Node.Mapping job) {
    Optional<Node.Field> schedule = job.field("schedule");
    Optional<Node.Field> parents = job.field("parents");
    if (schedule.isPresent() && parents.isPresent()) {
      report.error(
          parents.get().keyPosition(),
          "schedule and parents cannot both be set (a job runs on its schedule, or after its"
              + " parents; keep one)");
    }
    if (schedule.isEmpty() && parents.isEmpty()) {
      checks.missing(
          job.position(),
          "schedule or parents",
          "a job runs on a schedule such as \""
              + ChronosSchedule.EXAMPLE
              + "\", or after its parents, e.g. \"parents\": [\"extract\"]");
    }
    schedule.ifPresent(field -> checkSchedule(field.value()));
    parents.ifPresent(field -> checkParents(field.value()));
  }

  private void checkSchedule(Node node) {
    checks
        .string(node, "schedule")
        .ifPresent(
            text ->
                ChronosSchedule.problem(text)
                    .ifPresent(
                        problem ->
                            report.error(node.position(), "schedule \"" + text + "\"" + problem)));
  }

  private void checkParents(Node node) {
    Optional<Node.Sequence> list = checks.sequence(node, "parents");
    if (list.isEmpty()) {
      return;
    }
    List<Node> items = list.get().items();
    if (items.isEmpty()) {
      report.error(
          node.position(),
          "parents must name at least one job (or use a schedule instead of parents)");
    }
    for (int i = 0; i < items.size(); i++) {
      Node item = items.get(i);
      String path = Checks.index("parents", i);
      checks
          .nonEmptyString(item, path)
          .filter(text -> !JOB_NAME.matcher(text).matches())
          .ifPresent(
              text ->
                  report.error(
                      item.position(),
                      path
                          + " \""
                          + text
                          + "\" is not a valid Chronos job name (letters, digits, '_', '.' and"
                          + " '-' only)"));
    }
  }

  private void checkContainer(Node.Mapping job) {
    Optional<Node.Field> containerField = job.field("container");
    if (containerField.isEmpty()) {
      checks.missing(
          job.position(),
          "container.image",
          "Conveyor writes the image here; add \"container\": {\"type\": \"DOCKER\", \"image\":"
              + " \"\"}");
      return;
    }
    Optional<Node.Mapping> container = checks.mapping(containerField.get().value(), "container");
    if (container.isEmpty()) {
      return;
    }
    Node.Mapping c = container.get();
    warnUnknownKeys(c, "container", CONTAINER_FIELDS);
    c.value("type").ifPresent(n -> checks.string(n, "container.type"));
    c.value("network").ifPresent(n -> checks.string(n, "container.network"));
    c.value("forcePullImage").ifPresent(n -> checks.bool(n, "container.forcePullImage"));
    c.value("volumes").ifPresent(n -> checks.sequence(n, "container.volumes"));
    c.value("parameters").ifPresent(n -> checks.sequence(n, "container.parameters"));
    Optional<Node.Field> image = c.field("image");
    if (image.isEmpty()) {
      checks.missing(
          containerField.get().keyPosition(),
          "container.image",
          "Conveyor writes the image here; add \"image\": \"\"");
      return;
    }
    Node value = image.get().value();
    checks
        .string(value, "container.image")
        .filter(text -> !text.isEmpty())
        .ifPresent(
            text ->
                report.warning(
                    value.position(),
                    "container.image is \""
                        + text
                        + "\", but Conveyor replaces it with the image it builds; write \"\""));
  }

  private void checkEpsilon(Node node) {
    checks
        .string(node, "epsilon")
        .ifPresent(
            text ->
                ChronosSchedule.durationProblem(text)
                    .ifPresent(problem -> report.error(node.position(), "epsilon " + problem)));
  }

  private void checkStrings(Node node, String path) {
    checks
        .sequence(node, path)
        .ifPresent(
            list -> {
              for (int i = 0; i < list.items().size(); i++) {
                checks.string(list.items().get(i), Checks.index(path, i));
              }
            });
  }

  private void checkEnvironmentVariables(Node node) {
    Optional<Node.Sequence> list = checks.sequence(node, "environmentVariables");
    if (list.isEmpty()) {
      return;
    }
    List<Node> items = list.get().items();
    for (int i = 0; i < items.size(); i++) {
      String path = Checks.index("environmentVariables", i);
      Optional<Node.Mapping> variable = checks.mapping(items.get(i), path);
      if (variable.isEmpty()) {
        continue;
      }
      Node.Mapping v = variable.get();
      warnUnknownKeys(v, path, ENVIRONMENT_VARIABLE_FIELDS);
      for (String key : ENVIRONMENT_VARIABLE_FIELDS) {
        Optional<Node> value = v.value(key);
        if (value.isEmpty()) {
          checks.missing(
              v.position(), Checks.join(path, key), "each variable needs a name and a value");
        } else if (key.equals("name")) {
          checks.nonEmptyString(value.get(), Checks.join(path, key));
        } else {
          checks.string(value.get(), Checks.join(path, key));
        }
      }
    }
  }
}
