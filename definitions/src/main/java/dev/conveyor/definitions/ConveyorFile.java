package dev.conveyor.definitions;

import java.util.List;
import java.util.Map;

/**
 * What {@link ConveyorYamlReader} read from conveyor.yaml: the model parts it could build, and the
 * positions the cross-file checks (references, cycles, templates) report at.
 *
 * @param serviceKeys every service key as written, valid name or not, with its position
 * @param dependsOn each service's {@code dependsOn} entries with their positions
 * @param stackKeys every stack key with its position
 * @param stackMembers each stack's entries with their positions
 * @param apps each service's template path, at the {@code app} value (or the service key when the
 *     default applies)
 * @param jobKeys every job key as written, with its position
 * @param jobDependsOn each job's {@code dependsOn} entries with their positions
 * @param jobTemplates each job's template path, at the {@code job} value (or the job key when the
 *     default applies)
 */
record ConveyorFile(
    int version,
    String registry,
    Map<String, Environment> environments,
    Map<String, Service> services,
    Map<String, List<String>> stacks,
    List<Notifier> notifiers,
    Map<String, Position> serviceKeys,
    Map<String, List<Ref>> dependsOn,
    Map<String, Position> stackKeys,
    Map<String, List<Ref>> stackMembers,
    Map<String, Ref> apps,
    Map<String, Job> jobs,
    Map<String, Position> jobKeys,
    Map<String, List<Ref>> jobDependsOn,
    Map<String, Ref> jobTemplates) {

  /** A name or path as written, with where it was written. */
  record Ref(String name, Position position) {}
}
