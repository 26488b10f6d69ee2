package dev.conveyor.workflows.steps;

import java.util.List;

/**
 * Everything later steps need, resolved once from the definitions at {@code configCommit}. Holds
 * references (paths, URLs, secret references), never secrets.
 *
 * @param definitions config repo location as given in the request (path or URL)
 * @param configCommit the config repo commit the definitions were read at
 * @param target {@code docker} or {@code marathon}
 * @param imageRepository {@code <registry>/<service>}
 * @param sourceRepo the service's source repo, resolved to an absolute path or a URL
 * @param appFile the app template path inside the config repo, e.g. {@code marathon/billing.json}
 * @param appId the Marathon app id from the template
 * @param marathonUrl the environment's Marathon URL, or null for the docker target
 * @param consulUrl the environment's Consul URL, or null for the worker's file KV
 * @param bakeWindowSeconds how long a healthy deployment stays open for a rollback signal
 * @param autoRollback whether a failed health gate rolls back by itself ({@code rollback: auto})
 */
public record ResolvedDeployment(
    String definitions,
    String configCommit,
    String env,
    String service,
    String commit,
    String target,
    String registry,
    String imageRepository,
    String sourceRepo,
    String dockerfile,
    String context,
    String appFile,
    String appId,
    HealthSpec health,
    String marathonUrl,
    String consulUrl,
    List<NotifierSpec> notifiers,
    long bakeWindowSeconds,
    boolean autoRollback) {

  /** Without {@code autoRollback}: as recorded before it existed, no automatic rollback. */
  public ResolvedDeployment(
      String definitions,
      String configCommit,
      String env,
      String service,
      String commit,
      String target,
      String registry,
      String imageRepository,
      String sourceRepo,
      String dockerfile,
      String context,
      String appFile,
      String appId,
      HealthSpec health,
      String marathonUrl,
      String consulUrl,
      List<NotifierSpec> notifiers,
      long bakeWindowSeconds) {
    this(
        definitions,
        configCommit,
        env,
        service,
        commit,
        target,
        registry,
        imageRepository,
        sourceRepo,
        dockerfile,
        context,
        appFile,
        appId,
        health,
        marathonUrl,
        consulUrl,
        notifiers,
        bakeWindowSeconds,
        false);
  }

  /** The tag every build of this commit gets: {@code <registry>/<service>:<commit>}. */
  public String imageTag() {
    return imageRepository + ":" + commit;
  }
}
