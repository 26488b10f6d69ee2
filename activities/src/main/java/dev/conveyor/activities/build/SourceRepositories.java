package dev.conveyor.activities.build;

import dev.conveyor.workflows.steps.FailureTypes;
import io.temporal.failure.ApplicationFailure;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.function.Consumer;
import java.util.regex.Pattern;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.api.errors.GitAPIException;
import org.eclipse.jgit.api.errors.TransportException;
import org.eclipse.jgit.errors.RepositoryNotFoundException;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.ProgressMonitor;
import org.eclipse.jgit.lib.Ref;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.revwalk.RevCommit;
import org.eclipse.jgit.revwalk.RevWalk;
import org.eclipse.jgit.transport.RefSpec;

/**
 * Opens the source repository that holds a commit, without a working-tree checkout. A local path
 * (bare or not) is opened where it is. A URL is cloned once, bare, into {@code
 * <dataDir>/source-cache/} and fetched again only when the commit is not there yet, so a retried
 * build does not clone twice.
 */
public final class SourceRepositories {
  private static final Pattern URL = Pattern.compile("^[a-zA-Z][a-zA-Z0-9+.-]*://.+");
  private static final Pattern SCP_LIKE = Pattern.compile("^[^/\\\\]+@[^/\\\\]+:.+");
  private static final Pattern USER_INFO = Pattern.compile("(://)[^/@]+@");

  private final Path cacheDir;
  private final Duration timeout;
  private final ConcurrentMap<String, Object> locks = new ConcurrentHashMap<>();

  /**
   * @param cacheDir where clones of remote repositories are kept ({@code <dataDir>/source-cache})
   * @param timeout for each network operation
   */
  public SourceRepositories(Path cacheDir, Duration timeout) {
    this.cacheDir = cacheDir;
    this.timeout = timeout;
  }

  /** A repo and the commit found in it; closing closes the repo. */
  record Source(Repository repository, RevCommit commit) implements AutoCloseable {
    @Override
    public void close() {
      repository.close();
    }
  }

  /**
   * Opens {@code location} and resolves {@code commit} in it.
   *
   * @throws ApplicationFailure {@link FailureTypes#BUILD_FAILED} when the repo or commit does not
   *     exist; transport problems with a remote propagate as transient errors
   */
  Source open(String location, String commit, Consumer<String> progress) {
    Repository repository =
        isRemote(location) ? cached(location, commit, progress) : local(location);
    try {
      RevCommit found = resolve(repository, commit);
      if (found == null) {
        throw ApplicationFailure.newNonRetryableFailure(
            "commit " + commit + " not found in source repo " + redact(location),
            FailureTypes.BUILD_FAILED);
      }
      return new Source(repository, found);
    } catch (RuntimeException e) {
      repository.close();
      throw e;
    }
  }

  /**
   * The full id of {@code revision} in the repository at {@code location}: anything {@code git
   * rev-parse} resolves (a full or abbreviated id, a branch, a tag), or the head of the default
   * branch when {@code revision} is null or blank. A remote's branches, tags and default head are
   * asked of the remote ({@code ls-remote}), so they are current; other revisions are looked up in
   * the cached clone, fetched when missing. Read-only apart from that cache.
   *
   * @return empty when the revision does not resolve
   * @throws ApplicationFailure {@link FailureTypes#BUILD_FAILED} when the repo does not exist,
   *     {@link FailureTypes#UNAUTHORIZED} when it refuses access; other transport problems
   *     propagate as transient errors
   */
  public Optional<String> resolveCommit(String location, String revision) {
    boolean head = revision == null || revision.isBlank();
    if (!isRemote(location)) {
      try (Repository repository = local(location)) {
        RevCommit found = resolve(repository, head ? "HEAD" : revision.trim());
        return Optional.ofNullable(found).map(RevCommit::name);
      }
    }
    Map<String, Ref> refs;
    try {
      refs = Git.lsRemoteRepository().setRemote(location).setTimeout(seconds(timeout)).callAsMap();
    } catch (GitAPIException e) {
      throw transportFailure(location, e);
    }
    String name = head ? "HEAD" : revision.trim();
    for (String candidate : List.of(name, "refs/heads/" + name, "refs/tags/" + name)) {
      Ref ref = refs.get(candidate);
      if (ref != null) {
        ObjectId id = ref.getPeeledObjectId() != null ? ref.getPeeledObjectId() : ref.getObjectId();
        if (id != null) {
          return Optional.of(id.name());
        }
      }
    }
    if (head) {
      return Optional.empty();
    }
    try (Repository repository = cached(location, name, line -> {})) {
      return Optional.ofNullable(resolve(repository, name)).map(RevCommit::name);
    }
  }

  /** Whether {@code location} names a remote repository rather than a path on this host. */
  static boolean isRemote(String location) {
    return URL.matcher(location).matches() || SCP_LIKE.matcher(location).matches();
  }

  /** {@code location} without a password or token embedded in a URL. */
  public static String redact(String location) {
    return USER_INFO.matcher(location).replaceFirst("$1");
  }

  private static Repository local(String location) {
    Path path =
        Path.of(location.startsWith("file:") ? location.substring("file:".length()) : location);
    if (!Files.isDirectory(path)) {
      throw ApplicationFailure.newNonRetryableFailure(
          "source repo " + location + " does not exist on this worker", FailureTypes.BUILD_FAILED);
    }
    try {
      return Git.open(path.toFile()).getRepository();
    } catch (RepositoryNotFoundException e) {
      throw ApplicationFailure.newNonRetryableFailure(
          "source repo " + location + " is not a Git repository", FailureTypes.BUILD_FAILED);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot open source repo " + location, e);
    }
  }

  private Repository cached(String url, String commit, Consumer<String> progress) {
    Path dir = cacheDir.resolve(cacheName(url));
    synchronized (locks.computeIfAbsent(dir.toString(), k -> new Object())) {
      try {
        if (!Files.isDirectory(dir)) {
          cloneInto(url, dir, progress);
        }
        Repository repository = Git.open(dir.toFile()).getRepository();
        if (resolve(repository, commit) == null) {
          fetch(repository, url, progress);
        }
        return repository;
      } catch (IOException e) {
        throw new UncheckedIOException("cannot use the cached clone " + dir, e);
      }
    }
  }

  private void cloneInto(String url, Path dir, Consumer<String> progress) throws IOException {
    Files.createDirectories(cacheDir);
    // Clone next to the final place, then rename: a crash never leaves a half clone in the cache.
    Path partial = Files.createTempDirectory(cacheDir, dir.getFileName() + ".partial-");
    try (Git ignored =
        Git.cloneRepository()
            .setURI(url)
            .setBare(true)
            .setCloneAllBranches(true)
            .setDirectory(partial.toFile())
            .setTimeout(seconds(timeout))
            .setProgressMonitor(new ProgressLines(progress))
            .call()) {
      // closed: the repository is reopened from its final place
    } catch (GitAPIException e) {
      deleteQuietly(partial);
      throw transportFailure(url, e);
    }
    try {
      Files.move(partial, dir, StandardCopyOption.ATOMIC_MOVE);
    } catch (AtomicMoveNotSupportedException e) {
      Files.move(partial, dir);
    }
  }

  private void fetch(Repository repository, String url, Consumer<String> progress) {
    try (Git git = new Git(repository)) {
      git.fetch()
          .setRemote(url)
          .setRefSpecs(
              new RefSpec("+refs/heads/*:refs/heads/*"), new RefSpec("+refs/tags/*:refs/tags/*"))
          .setTimeout(seconds(timeout))
          .setProgressMonitor(new ProgressLines(progress))
          .call();
    } catch (GitAPIException e) {
      throw transportFailure(url, e);
    }
  }

  /** Authentication and missing repos are permanent; anything else on the wire may pass. */
  private static RuntimeException transportFailure(String url, GitAPIException e) {
    String message = String.valueOf(e.getMessage());
    String lower = message.toLowerCase(Locale.ROOT);
    String where = redact(url);
    if (e instanceof TransportException
        && (lower.contains("not authorized") || lower.contains("authentication is required"))) {
      return ApplicationFailure.newNonRetryableFailure(
          "source repo " + where + " refused access: " + redact(message),
          FailureTypes.UNAUTHORIZED);
    }
    if (e instanceof TransportException
        && (lower.contains("not found")
            || lower.contains("does not appear to be a git repository"))) {
      return ApplicationFailure.newNonRetryableFailure(
          "source repo " + where + " not found: " + redact(message), FailureTypes.BUILD_FAILED);
    }
    return new IllegalStateException("cannot fetch source repo " + where + ": " + redact(message));
  }

  private static RevCommit resolve(Repository repository, String commit) {
    try (RevWalk walk = new RevWalk(repository)) {
      ObjectId id = repository.resolve(commit + "^{commit}");
      return id == null ? null : walk.parseCommit(id);
    } catch (IOException | RuntimeException e) {
      // An ambiguous or malformed revision is as good as absent here.
      return null;
    }
  }

  private static String cacheName(String url) {
    String clean = redact(url);
    String last = clean.replaceAll("[/:]+$", "");
    last = last.substring(Math.max(last.lastIndexOf('/'), last.lastIndexOf(':')) + 1);
    last = last.replaceAll("[^A-Za-z0-9._-]", "_").replaceAll("\\.git$", "");
    return last + "-" + sha256(clean).substring(0, 16) + ".git";
  }

  private static String sha256(String text) {
    try {
      return HexFormat.of()
          .formatHex(
              MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JVM", e);
    }
  }

  private static int seconds(Duration duration) {
    return (int) Math.max(1, Math.min(Integer.MAX_VALUE, duration.toSeconds()));
  }

  private static void deleteQuietly(Path dir) {
    try (var paths = Files.walk(dir)) {
      paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException | UncheckedIOException ignored) {
      // a leftover partial directory is harmless: the next clone uses a new one
    }
  }

  /** Turns JGit's progress into lines ("git: Receiving objects 1200"), at most one per second. */
  private static final class ProgressLines implements ProgressMonitor {
    private static final long MIN_GAP_NANOS = Duration.ofSeconds(1).toNanos();
    private final Consumer<String> sink;
    private String task = "";
    private int done;
    private long lastSent = System.nanoTime();

    ProgressLines(Consumer<String> sink) {
      this.sink = sink;
    }

    @Override
    public void start(int totalTasks) {}

    @Override
    public void beginTask(String title, int totalWork) {
      task = title;
      done = 0;
      send("git: " + title);
    }

    @Override
    public void update(int completed) {
      done += completed;
      if (System.nanoTime() - lastSent > MIN_GAP_NANOS) {
        send("git: " + task + " " + done);
      }
    }

    @Override
    public void endTask() {}

    @Override
    public boolean isCancelled() {
      return false;
    }

    @Override
    public void showDuration(boolean enabled) {}

    private void send(String line) {
      lastSent = System.nanoTime();
      sink.accept(line);
    }
  }
}
