package dev.conveyor.worker.crash;

import dev.conveyor.workflows.deploy.Step;
import java.util.Locale;

/**
 * Where the kill suite SIGKILLs the worker: before, inside and after each of the eight steps.
 *
 * <ul>
 *   <li><b>before</b>: Temporal handed the step's activity to the worker (attempt 1 is running on
 *       it), and the activity has not begun: {@link HoldPoints} stops it at the door.
 *   <li><b>inside</b>: the activity is in the middle of its work, stopped by the peer it talks to
 *       (or caught by the test while it works): see each constant.
 *   <li><b>after</b>: the activity returned, every side effect of the step is done, and its result
 *       never reached Temporal: {@link HoldPoints} stops it between its return and the report.
 * </ul>
 */
enum KillPoint {
  BEFORE_RESOLVE("before the resolve activity begins"),
  INSIDE_RESOLVE(
      "resolve is waiting for the worker's clone of the config repo, whose file lock another"
          + " process holds"),
  AFTER_RESOLVE("resolve returned the definitions; Temporal has not heard"),
  BEFORE_BUILD("before docker build begins"),
  INSIDE_BUILD("docker build is running a slow RUN step (busybox sleep 3) in the engine"),
  AFTER_BUILD("the image is built and tagged in the engine; Temporal has not heard"),
  BEFORE_PUSH("before docker push begins"),
  INSIDE_PUSH(
      "docker push is under way: the registry (behind a proxy) has not answered the engine's first"
          + " blob upload"),
  AFTER_PUSH("the registry holds the tag; Temporal has not heard"),
  BEFORE_KV("before the KV write begins"),
  INSIDE_KV(
      "Consul received the compare-and-set transaction; it is applied after the worker is dead, so"
          + " the worker never sees the answer"),
  AFTER_KV("Consul holds the new image, commit and previous; Temporal has not heard"),
  BEFORE_COMMIT("before the config repo commit begins"),
  INSIDE_COMMIT(
      "the push is uploaded and the config repo's pre-receive hook is running (git daemon); the"
          + " branch moves after the worker is dead"),
  AFTER_COMMIT("the commit is pushed to the config repo; Temporal has not heard"),
  BEFORE_DEPLOY("before the Marathon deploy begins"),
  INSIDE_DEPLOY(
      "Marathon accepted the PUT and started the deployment; its answer (behind a proxy) never"
          + " reaches the worker"),
  AFTER_DEPLOY("Marathon is rolling out the new version; Temporal has not heard"),
  BEFORE_HEALTH("before the health gate begins"),
  INSIDE_HEALTH(
      "the health gate is polling Marathon and heartbeating; the new task is not healthy yet"),
  AFTER_HEALTH("the gate saw every instance healthy; Temporal has not heard"),
  BEFORE_NOTIFY("before the webhook notification is sent"),
  INSIDE_NOTIFY("the webhook received the notification; its answer never reaches the worker"),
  AFTER_NOTIFY("the webhook answered 200; Temporal has not heard");

  /** What was in flight when the worker died. */
  final String inFlight;

  KillPoint(String inFlight) {
    this.inFlight = inFlight;
  }

  Step step() {
    return Step.valueOf(name().substring(name().indexOf('_') + 1));
  }

  /** {@code before}, {@code inside} or {@code after}. */
  String phase() {
    return name().substring(0, name().indexOf('_')).toLowerCase(Locale.ROOT);
  }

  /** The Temporal activity type of the step. */
  String activityType() {
    return switch (step()) {
      case RESOLVE -> "Resolve";
      case BUILD -> "Build";
      case PUSH -> "Push";
      case KV -> "RecordImage";
      case COMMIT -> "CommitAppDefinition";
      case DEPLOY -> "Deploy";
      case HEALTH -> "AwaitHealthy";
      case NOTIFY -> "Send";
    };
  }

  /** e.g. {@code inside-commit}. */
  String label() {
    return phase() + "-" + step().label();
  }

  @Override
  public String toString() {
    return label();
  }
}
