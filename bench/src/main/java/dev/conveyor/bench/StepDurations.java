package dev.conveyor.bench;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * How long each fake step takes, in milliseconds. The defaults are the issue's example (build 2 s,
 * push 1 s, deploy 1 s, health 2 s; the quick reads and writes take no time of their own) and are
 * multiplied by a scale, e.g. 0.1 for build 200 ms.
 */
record StepDurations(
    long resolve,
    long build,
    long push,
    long kv,
    long commit,
    long deploy,
    long health,
    long finish,
    long notification,
    long plan) {

  static StepDurations issueExample() {
    return new StepDurations(0, 2000, 1000, 0, 0, 1000, 2000, 0, 0, 0);
  }

  /** Fake steps that take (almost) no time: for capacity runs and smoke tests. */
  static StepDurations instant() {
    return new StepDurations(0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
  }

  StepDurations scaled(double factor) {
    return new StepDurations(
        Math.round(resolve * factor),
        Math.round(build * factor),
        Math.round(push * factor),
        Math.round(kv * factor),
        Math.round(commit * factor),
        Math.round(deploy * factor),
        Math.round(health * factor),
        Math.round(finish * factor),
        Math.round(notification * factor),
        Math.round(plan * factor));
  }

  /** The same with the health gate taking {@code millis}. */
  StepDurations withHealth(long millis) {
    return new StepDurations(
        resolve, build, push, kv, commit, deploy, millis, finish, notification, plan);
  }

  /** Every step a service runs before its release gate: lane is free, so resolve, build, push. */
  long beforeGate() {
    return resolve + build + push;
  }

  /** Every step a service runs after its release gate opens, until its deployment returns. */
  long afterGate() {
    return kv + commit + deploy + health + finish + notification;
  }

  Map<String, Long> asMap() {
    Map<String, Long> map = new LinkedHashMap<>();
    map.put("resolve", resolve);
    map.put("build", build);
    map.put("push", push);
    map.put("kv", kv);
    map.put("commit", commit);
    map.put("deploy", deploy);
    map.put("health", health);
    map.put("finish", finish);
    map.put("notify", notification);
    map.put("plan", plan);
    return map;
  }
}
