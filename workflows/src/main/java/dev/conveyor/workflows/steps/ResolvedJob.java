package dev.conveyor.workflows.steps;

import java.util.List;

/**
 * Everything the later steps of a job deployment need, resolved once from the definitions at {@code
 * configCommit}. Holds references (paths, URLs, secret references), never secrets.
 *
 * @param definitions config repo location as given in the request (path or URL)
 * @param configCommit the config repo commit the definitions were read at
 * @param imageRepository {@code <registry>/<job>}
 * @param sourceRepo the job's source repo, resolved to an absolute path or a URL
 * @param jobFile the Chronos job template inside the config repo, e.g. {@code chronos/report.json}
 * @param chronosName the job's {@code name} in its template: what Chronos knows it by
 * @param chronosUrl the environment's {@code chronos.url}
 * @param chronosApiPrefix {@code /v1/scheduler} (Chronos 3.x) or {@code /scheduler} (2.x)
 * @param consulUrl the environment's Consul URL, or null for the worker's file KV
 * @param dependsOn services that must be healthy on the environment first
 * @param smokeRun whether to trigger one run after registering and wait for its success
 * @param smokeTimeoutSeconds how long that run may take
 */
public record ResolvedJob(
    String definitions,
    String configCommit,
    String env,
    String job,
    String commit,
    String registry,
    String imageRepository,
    String sourceRepo,
    String dockerfile,
    String context,
    String jobFile,
    String chronosName,
    String chronosUrl,
    String chronosApiPrefix,
    String consulUrl,
    List<String> dependsOn,
    boolean smokeRun,
    long smokeTimeoutSeconds,
    List<NotifierSpec> notifiers) {

  /** The tag every build of this commit gets: {@code <registry>/<job>:<commit>}. */
  public String imageTag() {
    return imageRepository + ":" + commit;
  }
}
