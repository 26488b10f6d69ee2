package dev.conveyor.definitions;

import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.BiConsumer;

/**
 * Loads a definitions directory: conveyor.yaml, then the checks across entries (references, cycles,
 * stacks) and the app templates. Every check runs even when an earlier one failed, so one run
 * reports everything that can be found.
 */
final class DefinitionsLoader {

  static final String FILE = "conveyor.yaml";

  private DefinitionsLoader() {}

  static LoadResult load(Path dir) {
    List<Problem> problems = new ArrayList<>();
    Report report = Report.forFile(FILE, problems);
    Path root = dir.toAbsolutePath().normalize();
    Optional<ConveyorFile> file = readConveyorYaml(root, report);
    file.ifPresent(
        f -> {
          checkReferences(f, report);
          checkJobReferences(f, report);
          checkTemplates(root, f, report);
          checkJobTemplates(root, f, report);
        });
    if (file.isEmpty() || report.hasErrors()) {
      return new LoadResult(Optional.empty(), problems);
    }
    ConveyorFile f = file.get();
    Definitions definitions =
        new Definitions(
            f.version(),
            f.registry(),
            f.environments(),
            f.services(),
            f.stacks(),
            f.notifiers(),
            root,
            f.jobs());
    return new LoadResult(Optional.of(definitions), problems);
  }

  private static Optional<ConveyorFile> readConveyorYaml(Path root, Report report) {
    if (!Files.isDirectory(root)) {
      report.error(
          Position.START,
          "no definitions directory at " + root + " (pass the directory that holds " + FILE + ")");
      return Optional.empty();
    }
    Path path = root.resolve(FILE);
    if (!Files.isRegularFile(path)) {
      String hint =
          Files.isRegularFile(root.resolve("conveyor.yml"))
              ? " (found conveyor.yml: rename it to " + FILE + ")"
              : " (the definitions directory must hold " + FILE + " at its root)";
      report.error(Position.START, "no " + FILE + " in " + root + hint);
      return Optional.empty();
    }
    return readText(path, report)
        .flatMap(text -> TreeReader.read(text, TreeReader.Format.YAML, report))
        .flatMap(tree -> ConveyorYamlReader.read(tree, report));
  }

  private static Optional<String> readText(Path path, Report report) {
    try {
      return Optional.of(Files.readString(path, StandardCharsets.UTF_8));
    } catch (CharacterCodingException e) {
      report.error(Position.START, "the file is not UTF-8 text");
    } catch (IOException e) {
      report.error(Position.START, "cannot read the file: " + e);
    }
    return Optional.empty();
  }

  // ---- references, cycles, stacks

  private static void checkReferences(ConveyorFile file, Report report) {
    Set<String> known = file.serviceKeys().keySet();
    Map<String, List<String>> edges = new LinkedHashMap<>();
    file.dependsOn()
        .forEach(
            (service, refs) -> {
              List<String> deps = new ArrayList<>();
              for (ConveyorFile.Ref ref : refs) {
                if (known.contains(ref.name())) {
                  deps.add(ref.name());
                } else {
                  unknownService(ref, "services." + service + ".dependsOn", known, report);
                }
              }
              edges.put(service, deps);
            });
    DependencyGraph graph = DependencyGraph.of(edges);
    for (List<String> cycle : graph.cycles()) {
      Position at =
          file.dependsOn().get(cycle.get(0)).stream()
              .filter(ref -> ref.name().equals(cycle.get(1)))
              .findFirst()
              .orElseThrow()
              .position();
      report.error(
          at,
          "dependency cycle: "
              + String.join(" -> ", cycle)
              + " (remove one of these dependsOn entries)");
    }
    file.stackMembers().forEach((stack, refs) -> checkStack(file, graph, stack, refs, report));
  }

  private static void checkStack(
      ConveyorFile file,
      DependencyGraph graph,
      String stack,
      List<ConveyorFile.Ref> refs,
      Report report) {
    Set<String> known = graph.services();
    List<String> members = new ArrayList<>();
    for (ConveyorFile.Ref ref : refs) {
      if (known.contains(ref.name())) {
        members.add(ref.name());
      } else {
        unknownService(ref, "stacks." + stack, known, report);
      }
    }
    // Warning, not error: a release deploys only its members and checks that the dependencies
    // outside it are already healthy on the target (see docs/definitions.md).
    Map<String, String> missing = new LinkedHashMap<>();
    for (String member : members) {
      for (String dep : graph.transitiveDependencies(member)) {
        if (!members.contains(dep)) {
          missing.putIfAbsent(dep, member);
        }
      }
    }
    missing.keySet().stream()
        .sorted()
        .forEach(
            dep ->
                report.warning(
                    file.stackKeys().get(stack),
                    "stack '"
                        + stack
                        + "' leaves out '"
                        + dep
                        + "', which '"
                        + missing.get(dep)
                        + "' depends on: a release of '"
                        + stack
                        + "' will not deploy it and only checks that it is healthy on the target"
                        + " (add it to the stack to deploy it too)"));
  }

  private static void unknownService(
      ConveyorFile.Ref ref, String path, Collection<String> known, Report report) {
    String hint = Suggestions.didYouMean(ref.name(), known);
    report.error(
        ref.position(),
        path
            + " names unknown service '"
            + ref.name()
            + "'"
            + (hint.isEmpty() ? " (services: " + String.join(", ", known) + ")" : hint));
  }

  // ---- app templates

  private static void checkTemplates(Path root, ConveyorFile file, Report report) {
    Map<Path, Optional<Node>> parsed = new HashMap<>();
    Map<String, String> serviceByAppId = new HashMap<>();
    file.apps()
        .forEach(
            (service, ref) -> {
              Path path = root.resolve(ref.name()).normalize();
              if (!path.startsWith(root)) {
                // Only a service name such as '..' gets here; its name is reported already.
                return;
              }
              String relative = relative(root, path);
              if (Files.isDirectory(path)) {
                report.error(
                    ref.position(),
                    "app template " + relative + " of service '" + service + "' is a directory");
                return;
              }
              if (!Files.isRegularFile(path)) {
                report.error(
                    ref.position(),
                    "app template "
                        + relative
                        + " of service '"
                        + service
                        + "' does not exist (create it, or set services."
                        + service
                        + ".app to the template's path)");
                return;
              }
              Optional<Node> tree =
                  parsed.computeIfAbsent(
                      path,
                      p -> readTemplate(p, report.forFile(relative), MarathonAppRules::check));
              appId(tree)
                  .ifPresent(
                      id -> {
                        String other = serviceByAppId.putIfAbsent(id, service);
                        if (other != null) {
                          report.error(
                              ref.position(),
                              "service '"
                                  + service
                                  + "' deploys Marathon app "
                                  + id
                                  + ", and so does service '"
                                  + other
                                  + "'; give each service its own app id");
                        }
                      });
            });
  }

  /** The parsed template, its problems reported: checked once even when services share it. */
  private static Optional<Node> readTemplate(
      Path path, Report templateReport, BiConsumer<Node, Report> rules) {
    Optional<Node> tree =
        readText(path, templateReport)
            .flatMap(text -> TreeReader.read(text, TreeReader.Format.JSON, templateReport));
    tree.ifPresent(t -> rules.accept(t, templateReport));
    return tree;
  }

  // ---- jobs

  /** Job names against service names, and each job's {@code dependsOn} against the services. */
  private static void checkJobReferences(ConveyorFile file, Report report) {
    Set<String> services = file.serviceKeys().keySet();
    file.jobKeys()
        .forEach(
            (job, at) -> {
              if (services.contains(job)) {
                report.error(
                    at,
                    "job '"
                        + job
                        + "' has the name of a service, and both would be built into the image"
                        + " repository <registry>/"
                        + job
                        + "; rename the job or the service");
              }
            });
    file.jobDependsOn()
        .forEach(
            (job, refs) -> {
              String path = "jobs." + job + ".dependsOn";
              for (ConveyorFile.Ref ref : refs) {
                if (services.contains(ref.name())) {
                  continue;
                }
                if (file.jobKeys().containsKey(ref.name())) {
                  report.error(
                      ref.position(),
                      path
                          + " names job '"
                          + ref.name()
                          + "', but jobs depend on services only (to run after another job, list"
                          + " it in the job template's \"parents\")");
                } else {
                  unknownService(ref, path, services, report);
                }
              }
            });
  }

  private static void checkJobTemplates(Path root, ConveyorFile file, Report report) {
    Map<Path, Optional<Node>> parsed = new HashMap<>();
    Map<String, String> jobByChronosName = new HashMap<>();
    file.jobTemplates()
        .forEach(
            (job, ref) -> {
              Path path = root.resolve(ref.name()).normalize();
              if (!path.startsWith(root)) {
                // Only a job name such as '..' gets here; its name is reported already.
                return;
              }
              String relative = relative(root, path);
              if (Files.isDirectory(path)) {
                report.error(
                    ref.position(),
                    "job template " + relative + " of job '" + job + "' is a directory");
                return;
              }
              if (!Files.isRegularFile(path)) {
                report.error(
                    ref.position(),
                    "job template "
                        + relative
                        + " of job '"
                        + job
                        + "' does not exist (create it, or set jobs."
                        + job
                        + ".job to the template's path)");
                return;
              }
              Optional<Node> tree =
                  parsed.computeIfAbsent(
                      path, p -> readTemplate(p, report.forFile(relative), ChronosJobRules::check));
              chronosName(tree)
                  .ifPresent(
                      name -> {
                        String other = jobByChronosName.putIfAbsent(name, job);
                        if (other != null) {
                          report.error(
                              ref.position(),
                              "job '"
                                  + job
                                  + "' registers Chronos job "
                                  + name
                                  + ", and so does job '"
                                  + other
                                  + "'; give each job template its own name");
                        }
                      });
            });
  }

  /** The template's Chronos job name, when it is a valid one. */
  private static Optional<String> chronosName(Optional<Node> tree) {
    return tree.filter(Node.Mapping.class::isInstance)
        .flatMap(t -> ((Node.Mapping) t).value("name"))
        .filter(name -> name instanceof Node.Scalar scalar && scalar.isString())
        .map(name -> ((Node.Scalar) name).text())
        .filter(name -> ChronosJobRules.JOB_NAME.matcher(name).matches());
  }

  /** The template's app id made absolute ("billing" and "/billing" are the same app). */
  private static Optional<String> appId(Optional<Node> tree) {
    return tree.filter(Node.Mapping.class::isInstance)
        .flatMap(t -> ((Node.Mapping) t).value("id"))
        .filter(id -> id instanceof Node.Scalar scalar && scalar.isString())
        .map(id -> ((Node.Scalar) id).text())
        .filter(id -> MarathonAppRules.APP_ID.matcher(id).matches())
        .map(id -> id.startsWith("/") ? id : "/" + id);
  }

  /** {@code path} relative to {@code root}, with '/' separators on every platform. */
  static String relative(Path root, Path path) {
    Path relative = root.relativize(path);
    List<String> parts = new ArrayList<>();
    relative.forEach(part -> parts.add(part.toString()));
    return String.join("/", parts);
  }
}
