package dev.conveyor.cli.trigger;

import dev.conveyor.cli.ConveyorCli;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * Writes the {@code post-receive} hook that runs {@code conveyor hook run}. A hook that is already
 * there and is not Conveyor's is kept: it is renamed to {@value #CHAINED} and the new hook runs it
 * first with the same input, so it keeps working and its exit status stays the hook's. Installing
 * again only rewrites Conveyor's own script (byte for byte the same when nothing changed).
 */
final class HookInstaller {
  static final String HOOK = "post-receive";
  static final String CHAINED = "post-receive.before-conveyor";
  static final String MARKER = "# conveyor-hook v1";

  /** Where the hook script keeps a push's ref lines when the CLI could not run at all. */
  static final String SAVED_REFS = "conveyor-spool.refs";

  /**
   * What the install did.
   *
   * @param hook the hook script
   * @param changed whether the script was written (false: it was already exactly this)
   * @param chainedNow true when an existing foreign hook was moved to {@value #CHAINED} by this
   *     install
   * @param chained whether a chained hook exists (now or from an earlier install)
   */
  record Result(Path hook, boolean changed, boolean chainedNow, boolean chained) {}

  private final Path hooksDir;

  HookInstaller(Path hooksDir) {
    this.hooksDir = hooksDir;
  }

  Result install(CliLauncher launcher) {
    Path hook = hooksDir.resolve(HOOK);
    Path chained = hooksDir.resolve(CHAINED);
    String script = script(launcher);
    try {
      Files.createDirectories(hooksDir);
      boolean chainedNow = false;
      if (Files.exists(hook) && !isOurs(hook)) {
        if (Files.exists(chained)) {
          throw new ConveyorCli.EnvironmentException(
              hook
                  + " is not Conveyor's and "
                  + chained
                  + " already exists; merge the two by hand (or remove one), then install again");
        }
        Files.move(hook, chained, StandardCopyOption.ATOMIC_MOVE);
        chainedNow = true;
      }
      boolean changed =
          !Files.exists(hook)
              || !Files.readString(hook, StandardCharsets.UTF_8).equals(script)
              || !Files.isExecutable(hook);
      if (changed) {
        Path temp = hooksDir.resolve(HOOK + ".conveyor-tmp");
        Files.writeString(temp, script, StandardCharsets.UTF_8);
        Files.setPosixFilePermissions(temp, PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.move(temp, hook, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      }
      return new Result(hook, changed, chainedNow, Files.exists(chained));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot install " + hook, e);
    }
  }

  static boolean isOurs(Path hook) throws IOException {
    return Files.readString(hook, StandardCharsets.ISO_8859_1).contains(MARKER);
  }

  /**
   * The hook: reads git's ref lines once, feeds them to the chained hook (if any) and then to the
   * CLI. Git runs hooks in the git directory with {@code GIT_DIR} set, so the repository is found
   * without a path baked in. When the CLI cannot run at all (no java, the jar deleted), the lines
   * are appended to {@value #SAVED_REFS} for the next run or flush, so the push is not lost.
   */
  static String script(CliLauncher launcher) {
    StringBuilder script = new StringBuilder();
    script
        .append("#!/bin/sh\n")
        .append(MARKER)
        .append(
            "\n# Installed by `conveyor hook install`; install again to update it. Settings: the\n")
        .append("# [conveyor] section of this repository's config (git config --get-regexp")
        .append(" '^conveyor\\.').\n")
        .append("# A hook that was here before runs first, from ")
        .append(CHAINED)
        .append(".\n")
        .append("cli() {\n");
    if (launcher.fast() != null) {
      FastStart.Prepared fast = launcher.fast();
      script
          .append(
              "  # The CLI jar's mtime is the reproducible-build timestamp; its change time is not.\n")
          .append("  if [ -f ")
          .append(CliLauncher.quote(fast.archive().toString()))
          .append(" ] && [ -z \"$(find ")
          .append(CliLauncher.quote(fast.cliJar().toString()))
          .append(" -cnewer ")
          .append(CliLauncher.quote(fast.marker().toString()))
          .append(" 2>/dev/null)\" ]; then\n    ")
          .append(CliLauncher.shellWords(launcher.fastCommand()))
          .append(" \"$@\"\n  else\n    ")
          .append(CliLauncher.shellWords(launcher.command()))
          .append(" \"$@\"\n  fi\n");
    } else {
      script.append("  ").append(CliLauncher.shellWords(launcher.command())).append(" \"$@\"\n");
    }
    script
        .append("}\n")
        .append("input=$(cat)\n")
        .append("repo=\"${GIT_DIR:-.}\"\n")
        .append("status=0\n")
        .append("chained=\"$(dirname \"$0\")/")
        .append(CHAINED)
        .append("\"\n")
        .append("if [ -x \"$chained\" ]; then\n")
        .append("  printf '%s\\n' \"$input\" | \"$chained\" \"$@\" || status=$?\n")
        .append("fi\n")
        .append("if ! printf '%s\\n' \"$input\" | cli hook run --repo \"$repo\"; then\n")
        .append("  printf '%s\\n' \"$input\" >> \"$repo/")
        .append(SAVED_REFS)
        .append("\"\n")
        .append("  echo \"conveyor: the hook could not run the Conveyor CLI; this push's refs are")
        .append(" saved in $repo/")
        .append(SAVED_REFS)
        .append(" and start with the next push or \\`conveyor hook flush --repo $(cd \"$repo\"")
        .append(" && pwd)\\`\"\n")
        .append("fi\n")
        .append("exit $status\n");
    return script.toString();
  }
}
