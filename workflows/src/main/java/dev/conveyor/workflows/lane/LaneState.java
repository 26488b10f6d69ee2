package dev.conveyor.workflows.lane;

/**
 * What a lane carries from one run to the next when it continues as new. A fresh lane starts from
 * {@link #empty}.
 *
 * @param holder the deployment that is running, or null
 * @param waiting the one deployment waiting (the newest), or null
 * @param grants how many deployments this lane has let through, over all its runs
 * @param supersessions how many waiting deployments were superseded, over all its runs
 * @param newestGranted the newest ticket (by request time) the lane has let through, or null (and
 *     null in state carried over by lanes from before the field existed)
 */
public record LaneState(
    String env,
    String service,
    LaneTicket holder,
    LaneTicket waiting,
    long grants,
    long supersessions,
    LaneTicket newestGranted) {

  public static LaneState empty(String env, String service) {
    return new LaneState(env, service, null, null, 0, 0, null);
  }
}
