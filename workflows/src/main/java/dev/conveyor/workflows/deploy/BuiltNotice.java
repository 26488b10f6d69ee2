package dev.conveyor.workflows.deploy;

/**
 * What a gated deployment tells its release once its image is in the registry.
 *
 * @param image the digest-pinned image, {@code <repository>@sha256:…}
 * @param reused whether the build was skipped because the registry had the image
 */
public record BuiltNotice(
    String service, String workflowId, String image, String digest, boolean reused) {}
