package dev.conveyor.cli.trigger;

import dev.conveyor.cli.Target;

/**
 * What pushes to one repository start, shared by the post-receive hook (one repo) and the webhook
 * endpoint (one per configured repo).
 *
 * @param target the service or stack the repository holds
 * @param branches which branch deploys to which environment
 * @param definitions the config repo that holds conveyor.yaml (path or URL), as the worker reads it
 */
record TriggerConfig(Target target, BranchMapping branches, String definitions) {}
