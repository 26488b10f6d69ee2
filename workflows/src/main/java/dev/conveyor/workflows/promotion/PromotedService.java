package dev.conveyor.workflows.promotion;

/** One service as read live in the source environment: the commit and the exact image. */
public record PromotedService(String service, String commit, String image) {}
