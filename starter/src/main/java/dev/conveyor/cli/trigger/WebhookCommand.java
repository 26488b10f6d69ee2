package dev.conveyor.cli.trigger;

import dev.conveyor.cli.ConveyorCli;
import dev.conveyor.cli.DeploymentStarter;
import dev.conveyor.cli.TemporalOptions;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code webhook}: serves the endpoint that GitHub, Gitea and GitLab push events start from. */
@Command(
    name = "webhook",
    mixinStandardHelpOptions = true,
    description = {
      "Webhook endpoint for GitHub, Gitea and GitLab push events. Details: docs/triggers.md"
    },
    subcommands = {WebhookCommand.Serve.class, CommandLine.HelpCommand.class})
public final class WebhookCommand implements Runnable {
  @Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  @Command(
      name = "serve",
      mixinStandardHelpOptions = true,
      description = {
        "Serves POST /hooks/github, /hooks/gitea and /hooks/gitlab until stopped. Signatures are",
        "checked before anything is parsed; a push to a mapped branch starts a deployment; starts",
        "that cannot reach Temporal are spooled and retried every 30s. Secrets come from the",
        "environment variables the config names."
      },
      exitCodeListHeading = "%nExit codes:%n",
      exitCodeList = {"0:stopped", "2:bad config, missing secret, or the port is taken"})
  static final class Serve implements Callable<Integer> {
    /** A webhook sender gives up after about 10 s; one Temporal call must end well before. */
    static final Duration RPC_TIMEOUT = Duration.ofSeconds(5);

    @Spec CommandLine.Model.CommandSpec spec;
    @Mixin TemporalOptions temporal;

    @Option(
        names = "--config",
        required = true,
        paramLabel = "FILE",
        description = "The webhook config (git-config syntax, see docs/triggers.md).")
    Path config;

    @Option(
        names = "--port",
        defaultValue = "8088",
        description = "Port to listen on (default: ${DEFAULT-VALUE}).")
    int port;

    @Option(
        names = "--bind",
        defaultValue = "127.0.0.1",
        description =
            "Address to listen on (default: ${DEFAULT-VALUE}; put a TLS proxy in front, or 0.0.0.0).")
    String bind;

    @Option(
        names = "--state",
        paramLabel = "DIR",
        description =
            "Where the delivery log and the spool live (default: the config file's directory).")
    Path state;

    @Override
    public Integer call() throws InterruptedException {
      PrintWriter out = spec.commandLine().getOut();
      WebhookConfig loaded = WebhookConfig.load(config, System::getenv);
      Path dir = state != null ? state : config.toAbsolutePath().getParent();
      TemporalOptions.Connection connection =
          TemporalOptions.lazy(temporal.target(), temporal.namespace(), RPC_TIMEOUT);
      WebhookHandler handler =
          new WebhookHandler(
              loaded,
              new Deliveries(dir.resolve("webhook-deliveries.log"), 10_000),
              new Spool(dir.resolve("webhook-spool.jsonl")),
              new TriggerStarter(new DeploymentStarter(connection.client())));
      WebhookServer server;
      try {
        server =
            WebhookServer.start(
                new InetSocketAddress(bind, port), handler, out, WebhookServer.SPOOL_RETRY);
      } catch (RuntimeException e) {
        connection.close();
        throw e;
      }
      out.println(
          "conveyor webhook: listening on http://"
              + bind
              + ":"
              + server.port()
              + "/hooks/{github,gitea,gitlab} for "
              + loaded.repos().size()
              + (loaded.repos().size() == 1 ? " repo" : " repos")
              + "; Temporal "
              + temporal.target()
              + "; state in "
              + dir);
      out.flush();
      // Stopped by a signal: the JVM runs this hook, then exits.
      CountDownLatch stopped = new CountDownLatch(1);
      Runtime.getRuntime()
          .addShutdownHook(
              new Thread(
                  () -> {
                    server.close();
                    connection.close();
                    stopped.countDown();
                  },
                  "webhook-stop"));
      stopped.await();
      return ConveyorCli.OK;
    }
  }
}
