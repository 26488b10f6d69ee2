package dev.conveyor.cli.trigger;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Decides, for each ref of a push, whether it starts something: a branch that the mapping names
 * starts its target at the new commit in the mapped environment; tags, deletions, other refs and
 * unmapped branches are ignored with a reason. One start per ref: two refs at the same commit and
 * environment ask twice, and the workflow id makes the second one "already running".
 */
final class PushRouter {
  /** What happens to one ref. */
  sealed interface Decision permits Start, Ignore {
    RefUpdate update();
  }

  record Start(RefUpdate update, PendingStart start) implements Decision {}

  record Ignore(RefUpdate update, String reason) implements Decision {}

  private final TriggerConfig config;

  PushRouter(TriggerConfig config) {
    this.config = config;
  }

  List<Decision> route(List<RefUpdate> updates, String requestedBy) {
    List<Decision> decisions = new ArrayList<>();
    for (RefUpdate update : updates) {
      decisions.add(route(update, requestedBy));
    }
    return decisions;
  }

  private Decision route(RefUpdate update, String requestedBy) {
    if (update.isTag()) {
      return new Ignore(update, "tag");
    }
    Optional<String> branch = update.branch();
    if (branch.isEmpty()) {
      return new Ignore(update, "not a branch");
    }
    if (update.deleted()) {
      return new Ignore(update, "branch deleted");
    }
    Optional<String> env = config.branches().envFor(branch.get());
    if (env.isEmpty()) {
      return new Ignore(update, "branch not mapped; mapped: " + config.branches().patterns());
    }
    return new Start(
        update,
        new PendingStart(
            config.target(), env.get(), update.newId(), config.definitions(), requestedBy));
  }

  static List<PendingStart> starts(List<Decision> decisions) {
    return decisions.stream()
        .filter(Start.class::isInstance)
        .map(decision -> ((Start) decision).start())
        .toList();
  }
}
