package dev.conveyor.workflows.promotion;

/** Where a promotion stands. */
public enum PromotionState {
  /** Reading what is live and healthy in the source environment. */
  READING,
  /** The target environment needs approval: waiting for {@code approve} or {@code reject}. */
  AWAITING_APPROVAL,
  /** The release to the target environment runs. */
  RELEASING,
  /** Every service runs the source's image on the target, healthy. */
  PROMOTED,
  /** Rejected: nothing changed. */
  REJECTED,
  /** Nobody approved before the deadline: nothing changed. */
  APPROVAL_TIMED_OUT,
  /** The source was not live and healthy, or the release failed. */
  FAILED
}
