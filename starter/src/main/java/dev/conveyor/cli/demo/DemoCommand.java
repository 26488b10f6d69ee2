package dev.conveyor.cli.demo;

import dev.conveyor.cli.ConveyorCli;
import dev.conveyor.workflows.release.ReleaseStatus;
import dev.conveyor.workflows.release.ServiceRelease;
import dev.conveyor.workflows.release.ServiceState;
import io.temporal.client.WorkflowClient;
import io.temporal.serviceclient.WorkflowServiceStubs;
import io.temporal.serviceclient.WorkflowServiceStubsOptions;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(
    name = "demo",
    mixinStandardHelpOptions = true,
    description = {
      "Shows Conveyor on this machine: a git push becomes a healthy release, then a bad one is caught.",
      "Starts a Temporal dev server and a worker, makes three service repos (accounts <- billing <-",
      "web) and a definitions repo, installs the post-receive hooks, pushes, shows the release",
      "live, then pushes a commit whose health check fails and shows the old version kept serving.",
      "Needs git, a Docker engine and busybox-static. Uses the registry on 127.0.0.1:5000, or",
      "starts Debian's docker-registry, or else runs in local-image mode: images stay in the",
      "Docker engine and are not pushed. Nothing is pulled from the internet."
    },
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
      "0:everything happened as expected",
      "1:something did not (the reason is printed)",
      "2:a prerequisite is missing (what to install is printed)"
    })
public final class DemoCommand implements Callable<Integer> {
  private static final Pattern RELEASE_ID = Pattern.compile("(release/\\S+)");
  private static final Duration RELEASE_DEADLINE = Duration.ofMinutes(5);

  @Spec CommandSpec spec;

  @Option(
      names = "--dir",
      defaultValue = ".conveyor-demo",
      description =
          "Where the demo keeps its repos, worker data and logs (default: ${DEFAULT-VALUE}).")
  Path dir;

  @Option(names = "--fresh", description = "Wipe --dir (and the demo's containers) first.")
  boolean fresh;

  /** Where the demo's images go. */
  enum RegistryMode {
    /** The registry on 127.0.0.1:5000, else Debian's docker-registry, else local images. */
    auto,
    /** Local-image mode whatever runs: images stay in the Docker engine, nothing is pushed. */
    local
  }

  @Option(
      names = "--registry",
      defaultValue = "auto",
      paramLabel = "auto|local",
      description = {
        "auto (default): the registry on 127.0.0.1:5000 if it answers, else Debian's",
        "docker-registry if installed, else local-image mode. local: local-image mode",
        "(environment registry: local; images built into the Docker engine, push skipped)."
      })
  RegistryMode registry;

  @Option(
      names = "--no-wait",
      description = "Stop everything and exit when the demo is done, instead of on Ctrl-C.")
  boolean noWait;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    try (DemoServices services = new DemoServices(out)) {
      List<String> problems = run(out, err, services);
      if (problems.isEmpty()) {
        out.println("\nThe demo did what it should.");
        waitForCtrlC(out);
        return 0;
      }
      out.println("\nThe demo did not go as expected:");
      problems.forEach(p -> out.println("  - " + p));
      out.println("Logs: " + dir.toAbsolutePath().resolve("worker.log"));
      return 1;
    } catch (DemoException e) {
      err.println("conveyor demo: " + e.getMessage());
      return e.exitCode();
    } finally {
      removeContainers();
      out.flush();
    }
  }

  private List<String> run(PrintWriter out, PrintWriter err, DemoServices services) {
    out.println("Conveyor demo in " + dir.toAbsolutePath());
    Prerequisites.requireGit();
    Prerequisites.requireDocker();
    Path busybox = Prerequisites.requireBusybox();
    Path workerJar = workerJar();
    prepareDir();

    out.println("\n1. Starting the embedded defaults");
    boolean localImages =
        services.startRegistryIfNeeded(dir.resolve("registry"), registry == RegistryMode.local);
    services.startTemporalAndWorker(dir, workerJar);

    out.println("\n2. Creating the repositories (accounts <- billing <- web) and installing hooks");
    DemoWorld world = new DemoWorld(dir.toAbsolutePath(), busybox, localImages);
    world.create();
    for (String service : DemoWorld.SERVICES) {
      installHook(world, service, services.temporalTarget(), err);
    }
    out.println("  source repos  " + world.repos() + "/{accounts,billing,web}.git");
    out.println("  definitions   " + world.configRepo());

    try (Client client = Client.connect(services.temporalTarget())) {
      List<String> problems = new ArrayList<>();
      out.println("\n3. git push of web version 2: the hook starts a release of stack shop");
      world.change("web", 2, true);
      String first = releaseIdFrom(world.push("web"));
      out.println("  " + first);
      ReleaseStatus good = watch(client, first, out);
      for (ServiceRelease service : good.services()) {
        if (service.state() != ServiceState.SUCCEEDED) {
          problems.add(service.service() + " ended " + service.state() + ": " + service.detail());
        }
      }
      if (!problems.isEmpty()) {
        return problems;
      }
      checkOrder(good, problems);
      String billingBefore = serve("billing");
      String billingImage =
          good.services().stream()
              .filter(s -> s.service().equals(DemoWorld.BROKEN))
              .map(ServiceRelease::image)
              .findFirst()
              .orElse("");
      printWhereToLook(
          out, world, good.services().get(good.services().size() - 1), services, localImages);

      out.println(
          "\n4. git push of billing version 3, whose /health is gone: the health gate must catch it");
      world.change(DemoWorld.BROKEN, 3, false);
      String second = releaseIdFrom(world.push(DemoWorld.BROKEN));
      out.println("  " + second);
      ReleaseStatus bad = watch(client, second, out);
      expectBrokenReleaseCaught(bad, billingBefore, problems);
      expectRolledBack(world, billingImage, problems);
      if (problems.isEmpty()) {
        String why =
            bad.services().stream()
                .filter(s -> s.service().equals(DemoWorld.BROKEN))
                .map(ServiceRelease::detail)
                .findFirst()
                .orElse("");
        out.println("\n  What happened: " + why);
        out.println(
            "  billing kept serving version 1 throughout (the new container was never put in its"
                + " place), KV and the config repo are back on version 1, and web was not deployed"
                + " on top of the broken billing.");
      }
      return problems;
    }
  }

  private void expectBrokenReleaseCaught(
      ReleaseStatus bad, String billingBefore, List<String> problems) {
    for (ServiceRelease service : bad.services()) {
      switch (service.service()) {
        case "billing" -> {
          if (service.state() != ServiceState.FAILED) {
            problems.add("billing should have failed its health gate but ended " + service.state());
          }
        }
        case "web" -> {
          if (service.state() != ServiceState.SKIPPED
              && service.state() != ServiceState.SUCCEEDED) {
            problems.add("web should have been skipped but ended " + service.state());
          }
        }
        default -> {
          if (service.state() != ServiceState.SUCCEEDED
              && service.state() != ServiceState.SUPERSEDED) {
            problems.add(service.service() + " ended " + service.state() + ": " + service.detail());
          }
        }
      }
    }
    String billingAfter = serve("billing");
    if (!billingAfter.equals(billingBefore)) {
      problems.add(
          "billing should still serve '"
              + billingBefore.strip()
              + "' but serves '"
              + billingAfter.strip()
              + "'");
    }
  }

  /** The audit trail and KV name the good image again: the rollback went through Git and KV. */
  private void expectRolledBack(DemoWorld world, String goodImage, List<String> problems) {
    String lastChange =
        Shell.of(
                world.configRepo(),
                "git",
                "log",
                "-1",
                "--format=%s",
                "main",
                "--",
                "marathon/" + DemoWorld.ENV + "/" + DemoWorld.BROKEN + ".json")
            .check(Duration.ofSeconds(30))
            .strip();
    if (!lastChange.startsWith("rollback " + DemoWorld.BROKEN)) {
      problems.add(
          "the config repo's last billing change should be a rollback, not: " + lastChange);
    }
    Path kv =
        dir.toAbsolutePath()
            .resolve("worker/kv/conveyor/" + DemoWorld.ENV + "/" + DemoWorld.BROKEN + "/image.kv");
    try {
      if (goodImage.isEmpty() || !Files.readString(kv).contains(goodImage)) {
        problems.add(kv + " should hold the previous image " + goodImage + " again");
      }
    } catch (IOException e) {
      problems.add("cannot read " + kv + ": " + e.getMessage());
    }
  }

  /** Every service deployed only after the one it depends on had passed its health gate. */
  private static void checkOrder(ReleaseStatus release, List<String> problems) {
    for (ServiceRelease service : release.services()) {
      for (String dependency : service.dependsOn()) {
        release.services().stream()
            .filter(s -> s.service().equals(dependency))
            .findFirst()
            .filter(d -> service.deployStartedAt() < d.endedAt())
            .ifPresent(
                d ->
                    problems.add(
                        service.service()
                            + " began deploying before "
                            + dependency
                            + " was healthy"));
      }
    }
  }

  private ReleaseStatus watch(Client client, String releaseId, PrintWriter out) {
    boolean terminal = System.console() != null && !"dumb".equals(System.getenv("TERM"));
    return new ReleaseWatch(client.workflows(), out, terminal).follow(releaseId, RELEASE_DEADLINE);
  }

  private void printWhereToLook(
      PrintWriter out,
      DemoWorld world,
      ServiceRelease example,
      DemoServices services,
      boolean localImages) {
    out.println("\n  Where to look:");
    out.println("    docker ps --filter label=dev.conveyor.env=" + DemoWorld.ENV);
    if (localImages) {
      out.println(
          "    docker images 'local/*'   (local-image mode: built here, never pushed; KV and the"
              + " config repo name them local/<service>@<image id>)");
    }
    out.println(
        "    git -C " + world.configRepo() + " log --format='%h %s%n%(trailers)' marathon/demo");
    out.println(
        "    cat " + dir.toAbsolutePath().resolve("worker/kv/conveyor/demo/billing/image.kv"));
    for (String service : DemoWorld.SERVICES) {
      out.println("    curl " + url(service).orElse("(not running)") + "/");
    }
    out.println(
        "    CONVEYOR_TEMPORAL="
            + services.temporalTarget()
            + " ./conveyor status "
            + example.workflowId());
    services.ui().ifPresent(ui -> out.println("    Temporal UI: " + ui));
  }

  private void installHook(DemoWorld world, String service, String temporal, PrintWriter err) {
    StringWriter hookOut = new StringWriter();
    StringWriter hookErr = new StringWriter();
    int code =
        ConveyorCli.run(
            new PrintWriter(hookOut, true),
            new PrintWriter(hookErr, true),
            "hook",
            "install",
            "--repo",
            world.sourceRepo(service).toString(),
            "--stack",
            DemoWorld.STACK,
            "--branch",
            "main=" + DemoWorld.ENV,
            "--definitions",
            world.configRepo().toString(),
            "--temporal",
            temporal);
    if (code != 0) {
      throw new DemoException(
          "installing the hook on " + service + " failed: " + hookErr + hookOut, 1);
    }
  }

  private static String releaseIdFrom(String pushOutput) {
    Matcher m = RELEASE_ID.matcher(pushOutput);
    if (!m.find()) {
      throw new DemoException("the push did not start a release; git said:\n" + pushOutput.strip());
    }
    return m.group(1);
  }

  /** What a service's container answers at / (its version line). */
  private static String serve(String service) {
    Optional<String> url = url(service);
    if (url.isEmpty()) {
      return "(not running)";
    }
    try {
      return HttpClient.newHttpClient()
          .send(
              HttpRequest.newBuilder(URI.create(url.get() + "/"))
                  .timeout(Duration.ofSeconds(3))
                  .build(),
              HttpResponse.BodyHandlers.ofString())
          .body();
    } catch (IOException e) {
      return "(no answer: " + e.getMessage() + ")";
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "(interrupted)";
    }
  }

  /** The URL of the service's oldest running container: the one serving before any new one. */
  private static Optional<String> url(String service) {
    Shell.Result ports =
        Shell.of(
                null,
                "docker",
                "ps",
                "--filter",
                "label=dev.conveyor.env=" + DemoWorld.ENV,
                "--filter",
                "label=dev.conveyor.service=" + service,
                "--format",
                "{{.Ports}}")
            .run(Duration.ofSeconds(15));
    Matcher m = Pattern.compile("(127\\.0\\.0\\.1:\\d+)->").matcher(ports.output());
    String found = null;
    while (m.find()) {
      found = m.group(1);
    }
    return Optional.ofNullable(found).map(address -> "http://" + address);
  }

  private void prepareDir() {
    Path absolute = dir.toAbsolutePath();
    if (Files.exists(absolute.resolve("repos"))) {
      if (!fresh) {
        throw new DemoException(
            absolute + " holds an earlier demo; pass --fresh to start over (it wipes that folder)",
            2);
      }
      removeContainers();
      deleteTree(absolute);
    }
    try {
      Files.createDirectories(absolute);
    } catch (IOException e) {
      throw new DemoException("cannot create " + absolute + ": " + e.getMessage(), 2);
    }
  }

  private static void removeContainers() {
    String ids =
        Shell.of(null, "docker", "ps", "-aq", "--filter", "label=dev.conveyor.env=" + DemoWorld.ENV)
            .run(Duration.ofSeconds(15))
            .output()
            .strip();
    if (!ids.isEmpty() && !ids.contains(" ")) {
      List<String> words = new ArrayList<>(List.of("docker", "rm", "-f"));
      words.addAll(List.of(ids.split("\\s+")));
      new Shell(words, null).run(Duration.ofSeconds(60));
    }
  }

  private void waitForCtrlC(PrintWriter out) {
    if (noWait) {
      return;
    }
    out.println("The services keep running; press Ctrl-C to stop them and the demo.");
    out.flush();
    CountDownLatch stop = new CountDownLatch(1);
    sun.misc.Signal.handle(new sun.misc.Signal("INT"), signal -> stop.countDown());
    try {
      stop.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    out.println("\nStopping what the demo started.");
  }

  /** The worker jar: built next to the CLI jar by the same build. */
  private static Path workerJar() {
    for (String property : List.of("conveyor.home", "conveyor.root.dir")) {
      String home = System.getProperty(property);
      if (home != null) {
        Path jar = Path.of(home, "worker", "target", "conveyor-worker.jar");
        if (Files.isRegularFile(jar)) {
          return jar;
        }
      }
    }
    Path jar = Path.of("worker", "target", "conveyor-worker.jar").toAbsolutePath();
    if (Files.isRegularFile(jar)) {
      return jar;
    }
    throw new DemoException(
        "the worker jar is missing (worker/target/conveyor-worker.jar); run the demo through"
            + " ./conveyor, which builds it",
        2);
  }

  private static void deleteTree(Path root) {
    try (Stream<Path> paths = Files.walk(root)) {
      for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(path);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot wipe " + root, e);
    }
  }

  /** A Temporal client on the demo's server. */
  private record Client(WorkflowServiceStubs service, WorkflowClient workflows)
      implements AutoCloseable {
    static Client connect(String target) {
      WorkflowServiceStubs service =
          WorkflowServiceStubs.newServiceStubs(
              WorkflowServiceStubsOptions.newBuilder().setTarget(target).build());
      return new Client(service, WorkflowClient.newInstance(service));
    }

    @Override
    public void close() {
      service.shutdown();
    }
  }
}
