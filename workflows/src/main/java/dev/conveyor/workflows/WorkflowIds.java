package dev.conveyor.workflows;

/** Readable workflow ids, so an operator can find a deployment by what it deploys. */
public final class WorkflowIds {
  private WorkflowIds() {}

  /** {@code job/<env>/<job>/<commit12>}: one job deployment per (env, job, commit). */
  public static String job(String env, String job, String commit) {
    return "job/" + env + "/" + job + "/" + shortCommit(commit);
  }

  /** {@code deploy/<env>/<service>/<commit12>}: one workflow per (env, service, commit). */
  public static String deployment(String env, String service, String commit) {
    return "deploy/" + env + "/" + service + "/" + shortCommit(commit);
  }

  /**
   * {@code release/<env>/<stack>/<releaseId>}: one release of a stack to an environment. The
   * starter picks {@code releaseId} (e.g. a UTC timestamp such as {@code 20261127-0915}), because a
   * workflow's id exists before its code runs.
   */
  public static String release(String env, String stack, String releaseId) {
    return "release/" + env + "/" + stack + "/" + releaseId;
  }

  /**
   * {@code promote/<stack>/<from>-to-<to>/<promotionId>}: one promotion of a stack's live images
   * from one environment to another.
   */
  public static String promotion(String stack, String from, String to, String promotionId) {
    return "promote/" + stack + "/" + from + "-to-" + to + "/" + promotionId;
  }

  /**
   * {@code rollback/<env>/<service>/<rollbackId>}: one operator rollback of a service ({@code
   * ./conveyor rollback}); the starter picks {@code rollbackId}, a UTC timestamp such as {@code
   * 20261127-0915}.
   */
  public static String rollback(String env, String service, String rollbackId) {
    return "rollback/" + env + "/" + service + "/" + rollbackId;
  }

  /**
   * {@code job-rollback/<env>/<job>/<rollbackId>}: one operator rollback of a job ({@code
   * ./conveyor rollback --job}); the starter picks {@code rollbackId} as for {@link #rollback}.
   */
  public static String jobRollback(String env, String job, String rollbackId) {
    return "job-rollback/" + env + "/" + job + "/" + rollbackId;
  }

  /**
   * {@code lane/<env>/<service>}: the long-lived lane that lets one deployment at a time through.
   */
  public static String lane(String env, String service) {
    return "lane/" + env + "/" + service;
  }

  /** The first twelve characters of a commit id, as Git shows abbreviated ids. */
  public static String shortCommit(String commit) {
    return commit.length() <= 12 ? commit : commit.substring(0, 12);
  }
}
