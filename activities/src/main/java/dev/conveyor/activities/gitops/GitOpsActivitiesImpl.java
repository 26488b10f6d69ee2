package dev.conveyor.activities.gitops;

import dev.conveyor.workflows.WorkflowIds;
import dev.conveyor.workflows.steps.FailureTypes;
import dev.conveyor.workflows.steps.GitOpsActivities;
import dev.conveyor.workflows.steps.WorkloadKind;
import io.temporal.activity.Activity;
import io.temporal.failure.ApplicationFailure;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Step 5: writes {@code marathon/<env>/<service>.json} (the service's app template with {@code id}
 * and the digest-pinned {@code container.docker.image}) to the config repository and pushes one
 * commit (for a job, {@code chronos/<env>/<job>.json}: its Chronos template with {@code name} and
 * {@code container.image}, subject {@code deploy job <job> <commit12> to <env>}, same trailers):
 *
 * <pre>
 * deploy &lt;service&gt; &lt;commit12&gt; to &lt;env&gt;
 *
 * Conveyor-Workflow-Id: deploy/qa/accounts/0123456789ab
 * Conveyor-Commit: &lt;full source commit&gt;
 * Conveyor-Image: localhost:5000/accounts@sha256:…
 * Conveyor-Requested-By: alice
 * Conveyor-Run-Id: &lt;workflow run id&gt;
 * </pre>
 *
 * <p><b>Idempotency.</b> Every attempt fetches and renders the file from the template at the remote
 * head; then
 *
 * <ul>
 *   <li>when the file at the head already has exactly those bytes, nothing is committed and the
 *       head is returned ({@code created} false);
 *   <li>when one of the last {@value #HISTORY_LIMIT} commits carries this workflow run's trailers
 *       ({@code Conveyor-Workflow-Id}, and {@code Conveyor-Run-Id} when running as an activity) and
 *       wrote exactly those bytes, that commit is returned ({@code created} false): the push of an
 *       earlier attempt landed before the worker could report it, and the file has changed since.
 *       The run id keeps a later deployment that reuses the workflow id (the same commit deployed
 *       again) from mistaking an old commit for its own;
 *   <li>otherwise a commit is made on top of the head and pushed with the head as the expected old
 *       value. If the branch moved meanwhile, the attempt starts over on the new head (up to
 *       {@value ConfigRepo#MAX_PUSH_ATTEMPTS} times per activity attempt; this is optimistic
 *       concurrency, not a retry of a failure).
 * </ul>
 *
 * <p><b>Failures.</b> Missing or invalid template, or a service/env name that cannot be a path:
 * non-retryable {@link FailureTypes#INVALID_DEFINITIONS}. Credentials refused: non-retryable {@link
 * FailureTypes#UNAUTHORIZED}. Network problems and a branch that kept moving: {@link
 * ConfigRepoException}, retried by Temporal. See {@link ConfigRepo} for the rest.
 */
public final class GitOpsActivitiesImpl implements GitOpsActivities {
  private static final Logger log = LoggerFactory.getLogger(GitOpsActivitiesImpl.class);

  /** How many commits back from the head the search for this run's own commit looks. */
  static final int HISTORY_LIMIT = 500;

  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]*");

  private final GitOpsSettings settings;
  private final Supplier<Optional<String>> runId;
  private final ConfigRepo.BeforePush beforePush;

  public GitOpsActivitiesImpl(GitOpsSettings settings) {
    this(settings, GitOpsActivitiesImpl::activityRunId, ConfigRepo.BeforePush.NONE);
  }

  /**
   * @param runId the workflow run this call belongs to (tests pin it to play a retry of one run)
   * @param beforePush runs between the local commit and its push (tests race it)
   */
  GitOpsActivitiesImpl(
      GitOpsSettings settings, Supplier<Optional<String>> runId, ConfigRepo.BeforePush beforePush) {
    this.settings = settings;
    this.runId = runId;
    this.beforePush = beforePush;
  }

  @Override
  public ConfigCommitResult commitAppDefinition(ConfigCommitRequest request) {
    Kind kind = request.kind() == WorkloadKind.JOB ? Kind.JOB : Kind.SERVICE;
    String env = name("env", request.env());
    String service = name(kind.what, request.service());
    String appFile =
        RepoPaths.normalize(request.appFile())
            .orElseThrow(
                () ->
                    invalid(
                        kind.template
                            + " path "
                            + request.appFile()
                            + " of "
                            + kind.what
                            + " "
                            + service
                            + " is not a relative path inside the config repository"));
    String appId = required(kind.idField, request.appId());
    String image = required("pinnedImage", request.pinnedImage());
    String commit = required("commit", request.commit());
    String workflowId = required("workflowId", request.workflowId());
    String path = kind.directory + "/" + env + "/" + service + ".json";
    Optional<String> run = runId.get();

    Map<String, String> trailers = new LinkedHashMap<>();
    trailers.put(CommitMessage.WORKFLOW_ID, workflowId);
    trailers.put(CommitMessage.COMMIT, commit);
    trailers.put(CommitMessage.IMAGE, image);
    trailers.put(
        CommitMessage.REQUESTED_BY,
        request.requestedBy() == null || request.requestedBy().isBlank()
            ? "unknown"
            : request.requestedBy());
    run.ifPresent(r -> trailers.put(CommitMessage.RUN_ID, r));
    String message =
        CommitMessage.format(
            kind.verb + service + " " + WorkflowIds.shortCommit(commit) + " to " + env, trailers);

    ConfigRepo repo = ConfigRepo.open(request.definitions(), settings);
    ConfigRepo.CommitOutcome outcome =
        repo.commit(
            head -> {
              byte[] template =
                  head.read(appFile)
                      .orElseThrow(
                          () ->
                              invalid(
                                  appFile
                                      + " does not exist at config commit "
                                      + head.commit()
                                      + " of "
                                      + repo.location()
                                      + " (the "
                                      + kind.template
                                      + " of "
                                      + kind.what
                                      + " "
                                      + service
                                      + "; add it or fix "
                                      + kind.section
                                      + "."
                                      + service
                                      + "."
                                      + kind.key
                                      + " in conveyor.yaml)"));
              byte[] content =
                  kind == Kind.JOB
                      ? JobDefinitionFile.render(appFile, head.commit(), template, appId, image)
                      : AppDefinitionFile.render(appFile, head.commit(), template, appId, image);
              Optional<byte[]> current = head.read(path);
              if (current.isPresent() && Arrays.equals(current.get(), content)) {
                return new ConfigRepo.Edit.Keep(head.commit());
              }
              Optional<String> earlier =
                  head.findCommitThatWrote(
                      path, content, m -> writtenByThisRun(m, workflowId, run), HISTORY_LIMIT);
              if (earlier.isPresent()) {
                return new ConfigRepo.Edit.Keep(earlier.get());
              }
              return new ConfigRepo.Edit.Write(path, content, message);
            },
            beforePush);
    log.info(
        "{} {} at {} of {} for {}",
        path,
        outcome.created() ? "committed" : "already current",
        outcome.commit(),
        repo.location(),
        workflowId);
    return new ConfigCommitResult(outcome.commit(), path, outcome.created());
  }

  /**
   * See {@link GitOpsActivities#commitRollback}. Every attempt fetches; the commit is pushed with
   * the same optimistic concurrency as a deploy commit.
   */
  @Override
  public RollbackCommitResult commitRollback(RollbackCommitRequest request) {
    Kind kind = request.kind() == WorkloadKind.JOB ? Kind.JOB : Kind.SERVICE;
    String env = name("env", request.env());
    String service = name(kind.what, request.service());
    String workflowId = required("workflowId", request.workflowId());
    String path = kind.directory + "/" + env + "/" + service + ".json";
    Optional<String> run = runId.get();
    ConfigRepo repo = ConfigRepo.open(request.definitions(), settings);
    RollbackCommitResult[] answer = new RollbackCommitResult[1];
    ConfigRepo.CommitOutcome outcome =
        repo.commit(
            head -> {
              List<ConfigRepo.PathChange> changes = head.changesOf(path, HISTORY_LIMIT);
              for (ConfigRepo.PathChange change : changes) {
                Map<String, String> trailers = CommitMessage.parseTrailers(change.message());
                if (trailers.containsKey(CommitMessage.ROLLBACK_OF)
                    && writtenByThisRun(change.message(), workflowId, run)) {
                  answer[0] =
                      new RollbackCommitResult(
                          change.commit(),
                          path,
                          false,
                          trailers.get(CommitMessage.RESTORED_FROM),
                          trailers.get(CommitMessage.IMAGE),
                          trailers.get(CommitMessage.COMMIT),
                          null);
                  return new ConfigRepo.Edit.Keep(change.commit());
                }
              }
              byte[] current =
                  head.read(path)
                      .orElseThrow(
                          () ->
                              nothing(
                                  kind.what
                                      + " "
                                      + service
                                      + " was never deployed to "
                                      + env
                                      + " ("
                                      + path
                                      + " does not exist in "
                                      + repo.location()
                                      + ")"));
              byte[] leaving = current;
              if (request.rollbackOf() != null) {
                leaving =
                    head.readAt(request.rollbackOf(), path)
                        .orElseThrow(
                            () -> nothing(path + " does not exist at " + request.rollbackOf()));
              }
              // Before looking for the version to restore: the search starts from the head, so
              // with a newer version there it could find that one and call it "already restored".
              if (!Arrays.equals(current, leaving)) {
                throw ApplicationFailure.newNonRetryableFailure(
                    path
                        + " changed since "
                        + WorkflowIds.shortCommit(request.rollbackOf())
                        + ": a newer deployment replaced the version to roll back; nothing"
                        + " committed",
                    FailureTypes.CONFLICT);
              }
              Restore target = restoreTarget(head, changes, path, leaving, request.to(), kind);
              if (Arrays.equals(current, target.content())) {
                answer[0] = target.result(head.commit(), path, false, imageOf(kind, leaving));
                return new ConfigRepo.Edit.Keep(head.commit());
              }
              Map<String, String> trailers = new LinkedHashMap<>();
              trailers.put(CommitMessage.WORKFLOW_ID, workflowId);
              if (target.commit() != null) {
                trailers.put(CommitMessage.COMMIT, target.commit());
              }
              trailers.put(CommitMessage.IMAGE, target.image());
              trailers.put(
                  CommitMessage.ROLLBACK_OF,
                  request.rollbackOf() != null
                      ? head.resolve(request.rollbackOf())
                      : lastChange(changes, head.commit()));
              trailers.put(CommitMessage.RESTORED_FROM, target.from());
              trailers.put(
                  CommitMessage.REQUESTED_BY,
                  request.requestedBy() == null || request.requestedBy().isBlank()
                      ? "unknown"
                      : request.requestedBy());
              trailers.put(
                  CommitMessage.REASON,
                  request.reason() == null || request.reason().isBlank()
                      ? "(none given)"
                      : request.reason());
              run.ifPresent(r -> trailers.put(CommitMessage.RUN_ID, r));
              String to =
                  WorkflowIds.shortCommit(
                      target.commit() != null ? target.commit() : target.from());
              String message =
                  CommitMessage.format(
                      "rollback " + service + " to " + to + " in " + env, trailers);
              answer[0] = target.result(null, path, true, imageOf(kind, leaving));
              return new ConfigRepo.Edit.Write(path, target.content(), message);
            },
            beforePush);
    RollbackCommitResult result = answer[0];
    RollbackCommitResult done =
        new RollbackCommitResult(
            outcome.commit(),
            path,
            outcome.created(),
            result.restoredFrom(),
            result.image(),
            result.commit(),
            result.rolledBackImage());
    log.info(
        "{} {} at {} of {} for {} (restored from {})",
        path,
        outcome.created() ? "rolled back" : "already rolled back",
        outcome.commit(),
        repo.location(),
        workflowId,
        done.restoredFrom());
    return done;
  }

  /** The version a rollback restores, and where it came from. */
  private record Restore(String from, byte[] content, String image, String commit) {
    RollbackCommitResult result(
        String configCommit, String path, boolean created, String leftImage) {
      return new RollbackCommitResult(configCommit, path, created, from, image, commit, leftImage);
    }
  }

  /** The image of a committed definition: a Marathon app's or a Chronos job's. */
  private static String imageOf(Kind kind, byte[] content) {
    return kind == Kind.JOB
        ? JobDefinitionFile.imageOf(content)
        : AppDefinitionFile.imageOf(content);
  }

  private Restore restoreTarget(
      ConfigRepo.Head head,
      List<ConfigRepo.PathChange> changes,
      String path,
      byte[] leaving,
      String to,
      Kind kind)
      throws java.io.IOException {
    if (to != null && !to.isBlank()) {
      String full = head.resolve(to);
      byte[] content =
          head.readAt(full, path)
              .orElseThrow(() -> nothing(path + " does not exist at config commit " + to));
      if (Arrays.equals(content, leaving)) {
        throw nothing(path + " at " + to + " is the version being rolled back");
      }
      String commit = null;
      for (ConfigRepo.PathChange change : changes) {
        if (change.content().isPresent() && Arrays.equals(change.content().get(), content)) {
          commit = CommitMessage.parseTrailers(change.message()).get(CommitMessage.COMMIT);
          break;
        }
      }
      return new Restore(full, content, imageOf(kind, content), commit);
    }
    java.util.Set<String> rolledBack = new java.util.HashSet<>();
    for (ConfigRepo.PathChange change : changes) {
      Map<String, String> trailers = CommitMessage.parseTrailers(change.message());
      String undone = trailers.get(CommitMessage.ROLLBACK_OF);
      if (undone != null) {
        rolledBack.add(undone);
      }
      if (change.content().isEmpty()
          || Arrays.equals(change.content().get(), leaving)
          || rolledBack.contains(change.commit())) {
        continue;
      }
      byte[] content = change.content().get();
      return new Restore(
          change.commit(), content, imageOf(kind, content), trailers.get(CommitMessage.COMMIT));
    }
    throw nothing(
        "no earlier version of "
            + path
            + " in the last "
            + HISTORY_LIMIT
            + " commits (the "
            + kind.what
            + " was deployed there only once)");
  }

  private static String lastChange(List<ConfigRepo.PathChange> changes, String head) {
    return changes.isEmpty() ? head : changes.get(0).commit();
  }

  private static ApplicationFailure nothing(String message) {
    return ApplicationFailure.newNonRetryableFailure(
        "nothing to roll back to: " + message, FailureTypes.NOTHING_TO_ROLL_BACK);
  }

  /**
   * What the commit is for, in the words its paths, commit subject and messages use. A service's
   * stay what they were before jobs existed, so its files and commits look the same.
   */
  private enum Kind {
    SERVICE("service", "marathon", "deploy ", "app template", "services", "app", "appId"),
    JOB("job", "chronos", "deploy job ", "job template", "jobs", "job", "chronosName");

    final String what;
    final String directory;
    final String verb;
    final String template;
    final String section;
    final String key;
    final String idField;

    Kind(
        String what,
        String directory,
        String verb,
        String template,
        String section,
        String key,
        String idField) {
      this.what = what;
      this.directory = directory;
      this.verb = verb;
      this.template = template;
      this.section = section;
      this.key = key;
      this.idField = idField;
    }
  }

  private static boolean writtenByThisRun(String message, String workflowId, Optional<String> run) {
    Map<String, String> trailers = CommitMessage.parseTrailers(message);
    return workflowId.equals(trailers.get(CommitMessage.WORKFLOW_ID))
        && run.map(r -> r.equals(trailers.get(CommitMessage.RUN_ID))).orElse(true);
  }

  /** The workflow run id when called as an activity; empty when called directly. */
  private static Optional<String> activityRunId() {
    try {
      return Optional.of(Activity.getExecutionContext().getInfo().getWorkflowRunId());
    } catch (IllegalStateException outsideAnActivity) {
      return Optional.empty();
    }
  }

  private static String name(String what, String value) {
    if (value == null || !NAME.matcher(value).matches()) {
      throw invalid(
          what
              + " name "
              + (value == null ? "(none)" : "'" + value + "'")
              + " cannot name a file in the config repository (use letters, digits, '.', '_'"
              + " and '-', starting with a letter or digit)");
    }
    return value;
  }

  private static String required(String what, String value) {
    if (value == null || value.isBlank()) {
      throw invalid("commitAppDefinition needs " + what + " (the workflow passed none)");
    }
    return value;
  }

  private static ApplicationFailure invalid(String message) {
    return ApplicationFailure.newNonRetryableFailure(message, FailureTypes.INVALID_DEFINITIONS);
  }
}
