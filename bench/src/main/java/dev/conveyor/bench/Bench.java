package dev.conveyor.bench;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code java -jar bench/target/conveyor-bench.jar <scenario> [--option=value ...]}: runs one
 * benchmark and writes its JSON under {@code bench/target/bench-results/}. See docs/benchmarks.md
 * for what each measures and the numbers on the reference machine.
 */
public final class Bench {
  static final String USAGE =
      """
      usage: conveyor-bench <scenario> [--option=value ...]
        overhead  release of a generated stack vs its critical path and a sequential deployment
                  --services=10,100,500 --depth=5 --seed=42 --scale=0.1 --sequential=10,100
                  --build-concurrency=<n> (default: every service at once)
                  --warmup=<services> (a release before the measured one, on the same
                  worker; default: as many services as measured, at most 100)
                  --warmup-scale=0.1 --warmup-server=same|own (own: closed before)
                  --wft=8 --wft-pollers=4 --activity-pollers=8
        health    health reaction: polling gate vs event gate on the Marathon simulator
                  --deployments=40 --gate=poll,events
        capacity  N concurrent deployments on one worker (run with -Xmx512m)
                  --count=100,500,1000 --scale=0.005 --wft=4 --wft-pollers=2 --cache=600
                  --control-activities=50 --build-activities=2 --activity-pollers=2
                  --start-rate=<per second> (default 0: all at once) --health=<ms>
        noop      the same commit deployed twice on the real Docker engine + registry
        smoke     every scenario at a tiny size (what the module's tests run)
      common: --out=<dir> (default bench/target/bench-results)
              --server=patched|as-shipped (default patched: the in-process test server's
              lock list removes from its newest end; see TestServerLockList)
      """;

  private static final Set<String> SCENARIOS =
      Set.of("overhead", "health", "capacity", "noop", "smoke");

  private Bench() {}

  public static void main(String[] args) throws Exception {
    // activities' test-jar (the Marathon simulator) brings a logback-test.xml that would win
    System.setProperty("logback.configurationFile", "bench-logback.xml");
    if (args.length == 0 || !SCENARIOS.contains(args[0])) {
      System.err.println(
          args.length == 0
              ? "conveyor-bench: name a scenario"
              : "conveyor-bench: unknown scenario '" + args[0] + "'");
      System.err.print(USAGE);
      System.exit(2);
    }
    Map<String, String> options;
    try {
      options = options(args);
    } catch (IllegalArgumentException bad) {
      System.err.println("conveyor-bench: " + bad.getMessage());
      System.err.print(USAGE);
      System.exit(2);
      return;
    }
    Path out = Path.of(options.getOrDefault("out", Results.defaultDir().toString()));
    List<Path> written;
    try {
      written = run(args[0], options, new Results(out));
    } catch (IllegalArgumentException bad) {
      System.err.println("conveyor-bench: " + bad.getMessage());
      System.exit(2);
      return;
    }
    written.forEach(p -> System.out.println("wrote " + p));
    System.exit(0);
  }

  static Map<String, String> options(String[] args) {
    Map<String, String> options = new HashMap<>();
    for (int i = 1; i < args.length; i++) {
      String arg = args[i];
      if (!arg.startsWith("--") || !arg.contains("=")) {
        throw new IllegalArgumentException("expected --option=value, got '" + arg + "'");
      }
      int eq = arg.indexOf('=');
      options.put(arg.substring(2, eq), arg.substring(eq + 1));
    }
    return options;
  }

  static List<Path> run(String scenario, Map<String, String> o, Results results) throws Exception {
    BenchServer.patchLockList(serverOption(o));
    List<Path> written = new ArrayList<>();
    switch (scenario) {
      case "overhead" -> {
        List<Integer> sequential = ints(o, "sequential", "10,100");
        for (int services : ints(o, "services", "10,100,500")) {
          OverheadScenario.Params p =
              new OverheadScenario.Params(
                  services,
                  integer(o, "depth", "5"),
                  longNumber(o, "seed", "42"),
                  decimal(o, "scale", "0.1"),
                  sequential.contains(services),
                  o.containsKey("build-concurrency")
                      ? integer(o, "build-concurrency", "0")
                      : services,
                  integer(o, "warmup", String.valueOf(Math.min(100, services))),
                  decimal(o, "warmup-scale", "0.1"),
                  "own".equals(o.getOrDefault("warmup-server", "same")),
                  overheadTuning(o, services));
          written.add(
              report(
                  "overhead-"
                      + services
                      + "-x"
                      + p.scale()
                      + (o.containsKey("label") ? "-" + o.get("label") : ""),
                  p.asMap(),
                  new OverheadScenario().run(p),
                  results));
        }
      }
      case "capacity" -> {
        for (int count : ints(o, "count", "100,500,1000")) {
          WorkerTuning tuning =
              WorkerTuning.workerDefaults()
                  .withActivities(
                      integer(o, "control-activities", "50"), integer(o, "build-activities", "2"))
                  .withWorkflowTasks(integer(o, "wft", "4"), integer(o, "wft-pollers", "2"))
                  .withActivityPollers(
                      integer(o, "activity-pollers", "2"), integer(o, "activity-pollers", "2"))
                  .withCache(
                      integer(o, "cache", "600"),
                      integer(o, "cache-threads", o.getOrDefault("cache", "600")));
          CapacityScenario.Params p =
              new CapacityScenario.Params(
                  count,
                  decimal(o, "scale", "0.005"),
                  tuning,
                  longNumber(o, "timeout", "600"),
                  decimal(o, "start-rate", "0"),
                  longNumber(o, "health", "-1"));
          String label = o.getOrDefault("label", "");
          written.add(
              report(
                  "capacity-" + count + (label.isEmpty() ? "" : "-" + label),
                  p.asMap(),
                  new CapacityScenario().run(p),
                  results));
        }
      }
      case "health" -> {
        for (String gate : o.getOrDefault("gate", "poll,events").split(",")) {
          HealthReactionScenario.Params p =
              new HealthReactionScenario.Params(
                  gate.trim(), integer(o, "deployments", "40"), longNumber(o, "seed", "42"));
          written.add(
              report(
                  "health-" + p.gate(), p.asMap(), new HealthReactionScenario().run(p), results));
        }
      }
      case "noop" -> {
        NoopRedeployScenario.Params p =
            new NoopRedeployScenario.Params(o.getOrDefault("registry", "127.0.0.1:5000"));
        written.add(report("noop", p.asMap(), new NoopRedeployScenario().run(p), results));
      }
      case "smoke" -> {
        written.addAll(
            run(
                "overhead",
                withServer(
                    o,
                    Map.of(
                        "services",
                        "6",
                        "depth",
                        "3",
                        "scale",
                        "0.01",
                        "sequential",
                        "6",
                        "warmup-scale",
                        "0.01")),
                results));
        written.addAll(
            run(
                "capacity",
                withServer(o, Map.of("count", "5", "scale", "0.001", "label", "smoke")),
                results));
        written.addAll(
            run(
                "capacity",
                withServer(
                    o,
                    Map.of(
                        "count",
                        "5",
                        "scale",
                        "0.001",
                        "start-rate",
                        "50",
                        "health",
                        "100",
                        "label",
                        "smoke-ramp")),
                results));
        written.addAll(run("health", withServer(o, Map.of("deployments", "2")), results));
      }
      default -> throw new IllegalArgumentException("unknown scenario " + scenario);
    }
    return written;
  }

  /** {@link OverheadScenario#tuningFor} unless an option overrides a value. */
  private static WorkerTuning overheadTuning(Map<String, String> o, int services) {
    WorkerTuning t = OverheadScenario.tuningFor(services);
    return t.withWorkflowTasks(
            integer(o, "wft", String.valueOf(t.controlWorkflowTasks())),
            integer(o, "wft-pollers", String.valueOf(t.controlWorkflowPollers())))
        .withActivityPollers(
            integer(o, "activity-pollers", String.valueOf(t.controlActivityPollers())),
            integer(o, "activity-pollers", String.valueOf(t.buildPollers())));
  }

  private static Path report(
      String name, Map<String, Object> parameters, Map<String, Object> result, Results results) {
    Map<String, Object> shown = new LinkedHashMap<>(result);
    System.out.println(name + ": " + Results.toJson(shown));
    Map<String, Object> recorded = new LinkedHashMap<>(parameters);
    recorded.put("server", BenchServer.describeServer());
    return results.write(name, recorded, result);
  }

  /** The smoke run's own options plus the caller's {@code --server}. */
  private static Map<String, String> withServer(Map<String, String> o, Map<String, String> own) {
    Map<String, String> merged = new HashMap<>(own);
    if (o.containsKey("server")) {
      merged.put("server", o.get("server"));
    }
    return merged;
  }

  /** {@code --server}: whether {@link TestServerLockList} is installed on each server. */
  static boolean serverOption(Map<String, String> o) {
    String value = o.getOrDefault("server", "patched").trim();
    return switch (value) {
      case "patched" -> true;
      case "as-shipped" -> false;
      default ->
          throw new IllegalArgumentException(
              "--server takes patched or as-shipped, got '" + value + "'");
    };
  }

  private static int integer(Map<String, String> o, String name, String fallback) {
    String value = o.getOrDefault(name, fallback);
    try {
      return Integer.parseInt(value.trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(
          "--" + name + " takes a whole number, got '" + value + "'");
    }
  }

  private static long longNumber(Map<String, String> o, String name, String fallback) {
    String value = o.getOrDefault(name, fallback);
    try {
      return Long.parseLong(value.trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(
          "--" + name + " takes a whole number, got '" + value + "'");
    }
  }

  private static double decimal(Map<String, String> o, String name, String fallback) {
    String value = o.getOrDefault(name, fallback);
    try {
      return Double.parseDouble(value.trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(
          "--" + name + " takes a number such as 0.1, got '" + value + "'");
    }
  }

  private static List<Integer> ints(Map<String, String> o, String name, String fallback) {
    String list = o.getOrDefault(name, fallback);
    List<Integer> values = new ArrayList<>();
    for (String part : list.split(",")) {
      if (!part.isBlank()) {
        try {
          values.add(Integer.parseInt(part.trim()));
        } catch (NumberFormatException e) {
          throw new IllegalArgumentException(
              "--" + name + " takes whole numbers separated by commas, got '" + list + "'");
        }
      }
    }
    return values;
  }
}
