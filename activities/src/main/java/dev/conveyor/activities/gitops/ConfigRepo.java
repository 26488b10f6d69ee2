package dev.conveyor.activities.gitops;

import dev.conveyor.workflows.steps.FailureTypes;
import io.temporal.failure.ApplicationFailure;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.DirectoryStream;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;
import java.util.stream.Stream;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.api.errors.GitAPIException;
import org.eclipse.jgit.dircache.DirCache;
import org.eclipse.jgit.dircache.DirCacheEditor;
import org.eclipse.jgit.dircache.DirCacheEntry;
import org.eclipse.jgit.errors.IncorrectObjectTypeException;
import org.eclipse.jgit.errors.MissingObjectException;
import org.eclipse.jgit.errors.NoRemoteRepositoryException;
import org.eclipse.jgit.errors.NotSupportedException;
import org.eclipse.jgit.errors.TransportException;
import org.eclipse.jgit.lib.CommitBuilder;
import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.FileMode;
import org.eclipse.jgit.lib.NullProgressMonitor;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.ObjectInserter;
import org.eclipse.jgit.lib.PersonIdent;
import org.eclipse.jgit.lib.Ref;
import org.eclipse.jgit.lib.RefUpdate;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.lib.StoredConfig;
import org.eclipse.jgit.revwalk.RevCommit;
import org.eclipse.jgit.revwalk.RevWalk;
import org.eclipse.jgit.storage.file.FileRepositoryBuilder;
import org.eclipse.jgit.transport.FetchResult;
import org.eclipse.jgit.transport.RefSpec;
import org.eclipse.jgit.transport.RemoteRefUpdate;
import org.eclipse.jgit.transport.SshTransport;
import org.eclipse.jgit.transport.TagOpt;
import org.eclipse.jgit.transport.TrackingRefUpdate;
import org.eclipse.jgit.transport.Transport;
import org.eclipse.jgit.transport.UsernamePasswordCredentialsProvider;
import org.eclipse.jgit.treewalk.TreeWalk;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The config repository as activities see it: the current head of its default branch, files at a
 * commit, and (for the commit step) one optimistic commit-and-push.
 *
 * <p><b>Clone.</b> Each worker keeps one bare clone per location under {@code
 * <dataDir>/config-repos/<name>-<hash16>/}, where {@code name} is the repository's last path
 * segment and {@code hash16} starts the SHA-256 of the location (the real path of a local
 * repository, the URL of a remote one). Bare, because nothing here needs a work tree: files are
 * read from objects, commits are built in memory, and a crash can never leave a half-edited
 * checkout behind. Remote branches land in {@code refs/remotes/origin/*}; every read of the head
 * fetches first, so it sees the remote's current head, not the clone's.
 *
 * <p><b>Concurrency.</b> Every operation holds the clone exclusively: a lock per clone inside the
 * JVM and a file lock ({@code <name>-<hash16>.lock} beside the clone) against other worker
 * processes sharing the data directory. Waiting is bounded by {@link GitOpsSettings#timeout()}. Git
 * lock files left in the clone by a crashed process are removed once the lock is held.
 *
 * <p><b>Failures.</b> Permanent problems are thrown as non-retryable {@link ApplicationFailure}s:
 * {@link FailureTypes#INVALID_DEFINITIONS} (no such repository, branch or commit), {@link
 * FailureTypes#UNAUTHORIZED} (credentials refused or missing), {@link FailureTypes#MISCONFIGURED}
 * (a transport this worker cannot use), {@link FailureTypes#REJECTED} (the remote refused a push
 * for a reason other than a race). Transient ones (network, timeouts, a busy clone) are {@link
 * ConfigRepoException}s, which Temporal retries.
 *
 * <p><b>Locations.</b> A local path (bare or with a work tree; relative to the worker's working
 * directory), {@code file://}, {@code http(s)://}, {@code git://}, {@code ssh://} or scp-like
 * {@code user@host:path}. HTTP(S) credentials come from {@link GitOpsSettings#credentials()} and
 * only for their host. SSH runs the worker's ssh client ({@link GitOpsSettings#sshCommand()}) with
 * the worker user's keys.
 */
public final class ConfigRepo {
  private static final Logger log = LoggerFactory.getLogger(ConfigRepo.class);

  /** Directory under the data dir that holds the clones. */
  public static final String CLONES_DIR = "config-repos";

  /** The branch read and written when settings do not name one and the remote does not say. */
  public static final String DEFAULT_BRANCH = "main";

  /** Pushes attempted before a remote that keeps moving counts as a (transient) failure. */
  static final int MAX_PUSH_ATTEMPTS = 5;

  private static final String TRACKING = "refs/remotes/origin/";
  private static final RefSpec FETCH_ALL_BRANCHES = new RefSpec("+refs/heads/*:" + TRACKING + "*");
  private static final int MAX_FILE_BYTES = 16 * 1024 * 1024;
  private static final Set<RefUpdate.Result> FETCHED =
      EnumSet.of(
          RefUpdate.Result.NO_CHANGE,
          RefUpdate.Result.NEW,
          RefUpdate.Result.FAST_FORWARD,
          RefUpdate.Result.FORCED);

  private final Location location;
  private final GitOpsSettings settings;
  private final Path cloneDir;
  private final Path lockFile;

  private ConfigRepo(Location location, GitOpsSettings settings) {
    this.location = location;
    this.settings = settings;
    Path clones = settings.dataDir().resolve(CLONES_DIR);
    String name = location.cloneDirName();
    this.cloneDir = clones.resolve(name);
    this.lockFile = clones.resolve(name + ".lock");
  }

  /**
   * A handle on the config repository at {@code location}. Cheap: the clone is created or updated
   * by the first operation.
   *
   * @param location a path or Git URL, as in a deploy request's {@code definitions}
   * @throws ApplicationFailure non-retryable {@link FailureTypes#INVALID_DEFINITIONS} when the
   *     location is malformed, carries a password, or is a local path that is not a Git repository
   */
  public static ConfigRepo open(String location, GitOpsSettings settings) {
    return new ConfigRepo(Location.parse(location), settings);
  }

  /** The location as messages name it: the absolute path or the URL (never with a password). */
  public String location() {
    return location.display();
  }

  /** The worker's bare clone of this repository. */
  public Path cloneDir() {
    return cloneDir;
  }

  /** Fetches, then pins the remote's current head of the default branch. */
  public Snapshot readHead() {
    return withClone(
        clone -> {
          Head head = clone.fetchHead();
          return new Snapshot(this, head.branch(), head.commit());
        });
  }

  /**
   * The content of the regular file {@code path} at {@code commit}; empty when there is no such
   * file (a directory, symlink or submodule is not a file). Fetches when the clone does not have
   * the commit yet.
   *
   * @param commit a full commit id
   * @param path relative to the repository root, e.g. {@code marathon/qa/billing.json}
   * @throws ApplicationFailure non-retryable {@link FailureTypes#INVALID_DEFINITIONS} when the
   *     repository has no such commit
   */
  public Optional<byte[]> readAt(String commit, String path) {
    ObjectId id = commitId(commit);
    String file =
        RepoPaths.normalize(path)
            .orElseThrow(() -> new IllegalArgumentException("not a repository path: " + path));
    return withClone(clone -> clone.read(clone.commit(id), file));
  }

  /**
   * Writes the regular files of the tree at {@code commit} into {@code targetDir} (created if
   * missing; it must be empty), keeping the executable bit. Symlinks and submodules are skipped:
   * definitions are plain files, and a link could point anywhere on the worker.
   *
   * @return {@code targetDir} as an absolute path
   */
  public Path materialize(String commit, Path targetDir) {
    ObjectId id = commitId(commit);
    Path target = targetDir.toAbsolutePath().normalize();
    requireEmptyDirectory(target);
    return withClone(
        clone -> {
          clone.writeTree(clone.commit(id), target);
          return target;
        });
  }

  /**
   * One change, committed on top of the remote head and pushed, with optimistic concurrency: fetch,
   * let {@code editor} decide on that head, commit, push with the head as the expected old value;
   * when someone else pushed meanwhile, start over on the new head (up to {@link
   * #MAX_PUSH_ATTEMPTS} times, then a transient {@link ConfigRepoException}).
   *
   * @param beforePush called with the local commit id after the commit is made and before the push
   *     (a test seam for racing pushes; production passes a no-op)
   */
  CommitOutcome commit(Editor editor, BeforePush beforePush) {
    return withClone(
        clone -> {
          for (int attempt = 1; attempt <= MAX_PUSH_ATTEMPTS; attempt++) {
            Head head = clone.fetchHead();
            Edit edit = editor.decide(head);
            if (edit instanceof Edit.Keep keep) {
              return new CommitOutcome(keep.commit(), false, attempt);
            }
            Edit.Write write = (Edit.Write) edit;
            refuseCheckedOutBranch(head.branch());
            ObjectId created = clone.createCommit(head, write);
            beforePush.run(created.name());
            if (clone.push(head, created)) {
              log.info(
                  "Pushed {} to {} of {} (attempt {})",
                  created.name(),
                  head.branch(),
                  location.display(),
                  attempt);
              return new CommitOutcome(created.name(), true, attempt);
            }
            log.info(
                "{} of {} moved past {} while committing; fetching and re-applying",
                head.branch(),
                location.display(),
                head.commit());
          }
          throw new ConfigRepoException(
              "the default branch of "
                  + location.display()
                  + " moved during each of "
                  + MAX_PUSH_ATTEMPTS
                  + " commit attempts; trying again later");
        });
  }

  @Override
  public String toString() {
    return "ConfigRepo[" + location.display() + "]";
  }

  /** The head of the default branch at one fetch; its files can be read at any time. */
  public static final class Snapshot {
    private final ConfigRepo repo;
    private final String branch;
    private final String commit;

    Snapshot(ConfigRepo repo, String branch, String commit) {
      this.repo = repo;
      this.branch = branch;
      this.commit = commit;
    }

    /** The full id of the head commit. */
    public String commit() {
      return commit;
    }

    /** The branch the head was read from. */
    public String branch() {
      return branch;
    }

    /** The regular file {@code path} at {@link #commit()}; see {@link ConfigRepo#readAt}. */
    public Optional<byte[]> read(String path) {
      return repo.readAt(commit, path);
    }

    /** The tree at {@link #commit()} in {@code targetDir}; see {@link ConfigRepo#materialize}. */
    public Path materialize(Path targetDir) {
      return repo.materialize(commit, targetDir);
    }

    @Override
    public String toString() {
      return repo.location() + "@" + branch + ":" + commit;
    }
  }

  /** The fetched head as an {@link Editor} sees it; valid only inside {@link #commit}. */
  static final class Head {
    private final Clone clone;
    private final String branch;
    private final ObjectId commit;

    private Head(Clone clone, String branch, ObjectId commit) {
      this.clone = clone;
      this.branch = branch;
      this.commit = commit;
    }

    String branch() {
      return branch;
    }

    String commit() {
      return commit.name();
    }

    Optional<byte[]> read(String path) throws IOException {
      return clone.read(clone.commit(commit), path);
    }

    /**
     * The newest of the last {@code limit} commits reachable from the head whose message passes
     * {@code message} and whose tree holds exactly {@code content} at {@code path}.
     */
    Optional<String> findCommitThatWrote(
        String path, byte[] content, Predicate<String> message, int limit) throws IOException {
      return clone.findCommitThatWrote(commit, path, content, message, limit);
    }

    /**
     * The commits among the last {@code limit} reachable from the head that changed {@code path}
     * (added, modified or deleted it), newest first.
     */
    List<PathChange> changesOf(String path, int limit) throws IOException {
      return clone.changesOf(commit, path, limit);
    }

    /**
     * The regular file {@code path} at {@code revision} (a full or abbreviated commit id that is
     * reachable in the clone); empty when the file does not exist there.
     *
     * @throws ApplicationFailure {@link FailureTypes#INVALID_DEFINITIONS} when no commit matches
     */
    Optional<byte[]> readAt(String revision, String path) throws IOException {
      return clone.read(clone.commit(clone.resolve(revision)), path);
    }

    /** The full id of {@code revision} (a full or abbreviated commit id). */
    String resolve(String revision) throws IOException {
      return clone.resolve(revision).name();
    }
  }

  /**
   * One commit that changed a file.
   *
   * @param content the file after the commit; empty when the commit deleted it
   */
  record PathChange(String commit, String message, long epochSeconds, Optional<byte[]> content) {}

  /** Decides, on one fetched head, what to commit (or that nothing needs committing). */
  @FunctionalInterface
  interface Editor {
    Edit decide(Head head) throws IOException;
  }

  /** What an {@link Editor} decided. */
  sealed interface Edit {
    /** Nothing to commit; {@code commit} is the answer. */
    record Keep(String commit) implements Edit {}

    /** Commit {@code content} at {@code path} with {@code message}. */
    record Write(String path, byte[] content, String message) implements Edit {}
  }

  /** Test seam: runs between making the commit locally and pushing it. */
  @FunctionalInterface
  interface BeforePush {
    BeforePush NONE = commit -> {};

    void run(String localCommit) throws IOException;
  }

  /** {@code created} is true when this call pushed {@code commit}. */
  record CommitOutcome(String commit, boolean created, int attempts) {}

  @FunctionalInterface
  private interface CloneAction<T> {
    T apply(Clone clone) throws IOException;
  }

  private <T> T withClone(CloneAction<T> action) {
    try {
      Files.createDirectories(cloneDir.getParent());
      try (CloneLock lock = CloneLock.acquire(lockFile, settings.timeout(), location.display());
          Repository repository = openClone()) {
        return action.apply(new Clone(repository));
      }
    } catch (IOException e) {
      throw new ConfigRepoException(
          "could not use the worker's clone "
              + cloneDir
              + " of "
              + location.display()
              + ": "
              + e.getMessage(),
          e);
    }
  }

  /**
   * JGit, unlike {@code git push}, would update the branch a local work tree has checked out and
   * leave that checkout silently out of date; refuse as Git does by default.
   */
  private void refuseCheckedOutBranch(String branch) throws IOException {
    if (location.localGitDir().isEmpty()) {
      return;
    }
    try (Repository target =
        new FileRepositoryBuilder()
            .setGitDir(location.localGitDir().get().toFile())
            .setMustExist(true)
            .build()) {
      if (!target.isBare() && (Constants.R_HEADS + branch).equals(target.getFullBranch())) {
        throw invalid(
            "config repository "
                + location.display()
                + " has a work tree with "
                + branch
                + " checked out, so Conveyor cannot push its commits there (the checkout would"
                + " go stale); use a bare repository, e.g. git clone --bare "
                + location.display()
                + " "
                + location.display()
                + ".git");
      }
    }
  }

  /** Opens the bare clone, creating it first if needed. Runs under the clone lock. */
  private Repository openClone() throws IOException {
    Path parent = cloneDir.getParent();
    String name = cloneDir.getFileName().toString();
    try (DirectoryStream<Path> leftovers = Files.newDirectoryStream(parent, name + ".init-*")) {
      for (Path leftover : leftovers) {
        deleteRecursively(leftover);
      }
    }
    if (!Files.isRegularFile(cloneDir.resolve(Constants.HEAD))
        || !Files.isDirectory(cloneDir.resolve("objects"))) {
      deleteRecursively(cloneDir);
      // Initialise aside and rename, so a crash never leaves a half-made clone in place.
      Path fresh = Files.createTempDirectory(parent, name + ".init-");
      try (Git git =
          Git.init()
              .setBare(true)
              .setInitialBranch(DEFAULT_BRANCH)
              .setDirectory(fresh.toFile())
              .call()) {
        StoredConfig config = git.getRepository().getConfig();
        config.setString("remote", "origin", "url", location.uri().toString());
        config.setString("remote", "origin", "fetch", FETCH_ALL_BRANCHES.toString());
        config.setString("conveyor", null, "location", location.display());
        config.save();
      } catch (GitAPIException e) {
        throw new IOException("cannot initialise a clone in " + fresh + ": " + e.getMessage(), e);
      }
      Files.move(fresh, cloneDir, StandardCopyOption.ATOMIC_MOVE);
      log.info("Created the worker's clone of {} in {}", location.display(), cloneDir);
    } else {
      removeStaleGitLocks();
    }
    Repository repository =
        new FileRepositoryBuilder().setGitDir(cloneDir.toFile()).setMustExist(true).build();
    // A fetch starts JGit's auto-GC, detached by default: it would outlive our lock, and the next
    // session would take its gc.log.lock for a crash leftover. Run it inside the session instead.
    StoredConfig config = repository.getConfig();
    if (config.getBoolean("gc", null, "autoDetach", true)) {
      config.setBoolean("gc", null, "autoDetach", false);
      config.save();
    }
    return repository;
  }

  /** We hold the clone exclusively, so any Git lock file in it was left by a crash. */
  private void removeStaleGitLocks() throws IOException {
    Path objects = cloneDir.resolve("objects");
    Files.walkFileTree(
        cloneDir,
        new SimpleFileVisitor<>() {
          @Override
          public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) {
            return dir.equals(objects) ? FileVisitResult.SKIP_SUBTREE : FileVisitResult.CONTINUE;
          }

          @Override
          public FileVisitResult visitFile(Path file, BasicFileAttributes attrs)
              throws IOException {
            if (file.getFileName().toString().endsWith(".lock")) {
              log.warn("Removing stale Git lock file {}", file);
              Files.deleteIfExists(file);
            }
            return FileVisitResult.CONTINUE;
          }
        });
  }

  /** One locked session on the open clone. */
  private final class Clone {
    private final Repository repository;

    Clone(Repository repository) {
      this.repository = repository;
    }

    Head fetchHead() throws IOException {
      FetchResult result = fetch();
      String branch = settings.branch().orElseGet(() -> defaultBranch(result));
      Ref ref = repository.exactRef(TRACKING + branch);
      if (ref == null || ref.getObjectId() == null) {
        throw invalid(
            "config repository "
                + location.display()
                + " has no branch "
                + branch
                + (result.getAdvertisedRefs().isEmpty()
                    ? " (the repository is empty; push conveyor.yaml to it first)"
                    : ""));
      }
      return new Head(this, branch, ref.getObjectId());
    }

    FetchResult fetch() throws IOException {
      try (Transport transport = Transport.open(repository, location.uri())) {
        configure(transport);
        transport.setTagOpt(TagOpt.NO_TAGS);
        transport.setRemoveDeletedRefs(true);
        FetchResult result =
            transport.fetch(NullProgressMonitor.INSTANCE, List.of(FETCH_ALL_BRANCHES));
        for (TrackingRefUpdate update : result.getTrackingRefUpdates()) {
          if (!FETCHED.contains(update.getResult())) {
            // JGit reports a ref it could not update without throwing; reading on would read
            // a stale head.
            throw new ConfigRepoException(
                "fetch from "
                    + location.display()
                    + " could not update "
                    + update.getLocalName()
                    + " in the worker's clone: "
                    + update.getResult());
          }
        }
        return result;
      } catch (NotSupportedException e) {
        throw unsupported(e);
      } catch (TransportException e) {
        throw failure(e, "fetch");
      }
    }

    /** The remote's HEAD branch, else the branch HEAD points at (old servers), else main. */
    private String defaultBranch(FetchResult result) {
      Ref head = result.getAdvertisedRef(Constants.HEAD);
      if (head == null) {
        return DEFAULT_BRANCH;
      }
      if (head.isSymbolic() && head.getTarget().getName().startsWith(Constants.R_HEADS)) {
        return head.getTarget().getName().substring(Constants.R_HEADS.length());
      }
      ObjectId id = head.getObjectId();
      Ref main = result.getAdvertisedRef(Constants.R_HEADS + DEFAULT_BRANCH);
      if (id == null || (main != null && id.equals(main.getObjectId()))) {
        return DEFAULT_BRANCH;
      }
      return result.getAdvertisedRefs().stream()
          .filter(r -> r.getName().startsWith(Constants.R_HEADS) && id.equals(r.getObjectId()))
          .map(r -> r.getName().substring(Constants.R_HEADS.length()))
          .sorted()
          .findFirst()
          .orElse(DEFAULT_BRANCH);
    }

    /**
     * Pushes {@code commit} to the head's branch if the remote is still at the head.
     *
     * @return false when the remote moved meanwhile (the caller fetches and re-applies)
     */
    boolean push(Head head, ObjectId commit) throws IOException {
      RemoteRefUpdate update =
          new RemoteRefUpdate(
              repository,
              null,
              commit,
              Constants.R_HEADS + head.branch(),
              false,
              TRACKING + head.branch(),
              head.commit);
      try (Transport transport = Transport.open(repository, location.uri())) {
        configure(transport);
        transport.push(NullProgressMonitor.INSTANCE, List.of(update));
      } catch (NotSupportedException e) {
        throw unsupported(e);
      } catch (TransportException e) {
        throw failure(e, "push");
      }
      String message = update.getMessage() == null ? "" : update.getMessage();
      switch (update.getStatus()) {
        case OK:
        case UP_TO_DATE:
          return true;
        case REJECTED_NONFASTFORWARD:
        case REJECTED_REMOTE_CHANGED:
          return false;
        case REJECTED_OTHER_REASON:
          if (message.toLowerCase(Locale.ROOT).contains("lock")) {
            // Another push was updating the same branch at that moment: a race, not a refusal.
            return false;
          }
          throw ApplicationFailure.newNonRetryableFailure(
              location.display()
                  + " refused the push to "
                  + head.branch()
                  + ": "
                  + message
                  + " (a server-side hook or branch protection must allow Conveyor's commits)",
              FailureTypes.REJECTED);
        default:
          throw new ConfigRepoException(
              "push to "
                  + head.branch()
                  + " of "
                  + location.display()
                  + " ended as "
                  + update.getStatus()
                  + (message.isEmpty() ? "" : ": " + message));
      }
    }

    private void configure(Transport transport) {
      transport.setTimeout((int) Math.max(1, settings.timeout().toSeconds()));
      if (transport instanceof SshTransport ssh) {
        ssh.setSshSessionFactory(new ExternalSsh(settings.sshCommand(), settings.timeout()));
      }
      settings
          .credentials()
          .filter(c -> c.appliesTo(location.uri()))
          .ifPresent(
              c ->
                  transport.setCredentialsProvider(
                      new UsernamePasswordCredentialsProvider(c.username(), c.password())));
    }

    /** The commit {@code id}, fetching once if the clone does not have it yet. */
    RevCommit commit(ObjectId id) throws IOException {
      if (!repository.getObjectDatabase().has(id)) {
        fetch();
      }
      try (RevWalk walk = new RevWalk(repository)) {
        return walk.parseCommit(id);
      } catch (MissingObjectException | IncorrectObjectTypeException e) {
        throw invalid(
            "config repository "
                + location.display()
                + " has no commit "
                + id.name()
                + " on any branch");
      }
    }

    Optional<byte[]> read(RevCommit commit, String path) throws IOException {
      try (TreeWalk walk = TreeWalk.forPath(repository, path, commit.getTree())) {
        if (walk == null || !isRegularFile(walk.getRawMode(0))) {
          return Optional.empty();
        }
        return Optional.of(
            repository
                .open(walk.getObjectId(0), Constants.OBJ_BLOB)
                .getCachedBytes(MAX_FILE_BYTES));
      }
    }

    void writeTree(RevCommit commit, Path target) throws IOException {
      Files.createDirectories(target);
      try (TreeWalk walk = new TreeWalk(repository)) {
        walk.addTree(commit.getTree());
        walk.setRecursive(true);
        while (walk.next()) {
          int mode = walk.getRawMode(0);
          if (!isRegularFile(mode)) {
            continue;
          }
          Path file = target.resolve(walk.getPathString()).normalize();
          if (!file.startsWith(target)) {
            throw invalid(
                "config repository "
                    + location.display()
                    + " has a path that leaves its root at "
                    + commit.name()
                    + ": "
                    + walk.getPathString());
          }
          Files.createDirectories(file.getParent());
          try (OutputStream out =
              Files.newOutputStream(
                  file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            repository.open(walk.getObjectId(0), Constants.OBJ_BLOB).copyTo(out);
          }
          if (FileMode.EXECUTABLE_FILE.equals(mode)) {
            file.toFile().setExecutable(true, false);
          }
        }
      }
    }

    Optional<String> findCommitThatWrote(
        ObjectId start, String path, byte[] content, Predicate<String> message, int limit)
        throws IOException {
      ObjectId blob;
      try (ObjectInserter.Formatter formatter = new ObjectInserter.Formatter()) {
        blob = formatter.idFor(Constants.OBJ_BLOB, content);
      }
      try (RevWalk walk = new RevWalk(repository)) {
        walk.markStart(walk.parseCommit(start));
        int seen = 0;
        for (RevCommit candidate : walk) {
          if (++seen > limit) {
            break;
          }
          if (!message.test(candidate.getFullMessage())) {
            continue;
          }
          try (TreeWalk tree = TreeWalk.forPath(repository, path, candidate.getTree())) {
            if (tree != null && blob.equals(tree.getObjectId(0))) {
              return Optional.of(candidate.name());
            }
          }
        }
      }
      return Optional.empty();
    }

    List<PathChange> changesOf(ObjectId start, String path, int limit) throws IOException {
      List<PathChange> changes = new java.util.ArrayList<>();
      try (RevWalk walk = new RevWalk(repository)) {
        walk.markStart(walk.parseCommit(start));
        int seen = 0;
        for (RevCommit candidate : walk) {
          if (++seen > limit) {
            break;
          }
          ObjectId blob = blobAt(candidate, path);
          ObjectId before = null;
          if (candidate.getParentCount() > 0) {
            before = blobAt(walk.parseCommit(candidate.getParent(0)), path);
          }
          if (java.util.Objects.equals(blob, before)) {
            continue;
          }
          Optional<byte[]> content = read(candidate, path);
          changes.add(
              new PathChange(
                  candidate.name(),
                  candidate.getFullMessage(),
                  candidate.getCommitTime(),
                  content));
        }
      }
      return changes;
    }

    private ObjectId blobAt(RevCommit commit, String path) throws IOException {
      try (TreeWalk tree = TreeWalk.forPath(repository, path, commit.getTree())) {
        return tree == null ? null : tree.getObjectId(0).copy();
      }
    }

    ObjectId resolve(String revision) throws IOException {
      if (revision == null || !revision.matches("[0-9a-fA-F]{4,40}")) {
        throw invalid("'" + revision + "' is not a commit id of the config repository");
      }
      ObjectId id = repository.resolve(revision + "^{commit}");
      if (id == null) {
        fetch();
        id = repository.resolve(revision + "^{commit}");
      }
      if (id == null) {
        throw invalid("config repository " + location.display() + " has no commit " + revision);
      }
      return id;
    }

    /** A commit of {@code write} on top of the head, made from objects alone (no work tree). */
    ObjectId createCommit(Head head, Edit.Write write) throws IOException {
      try (ObjectInserter inserter = repository.newObjectInserter();
          RevWalk walk = new RevWalk(repository)) {
        RevCommit parent = walk.parseCommit(head.commit);
        ObjectId blob = inserter.insert(Constants.OBJ_BLOB, write.content());
        DirCache index = DirCache.read(walk.getObjectReader(), parent.getTree());
        DirCacheEditor editor = index.editor();
        editor.add(
            new DirCacheEditor.PathEdit(write.path()) {
              @Override
              public void apply(DirCacheEntry entry) {
                entry.setFileMode(FileMode.REGULAR_FILE);
                entry.setObjectId(blob);
              }
            });
        editor.finish();
        ObjectId tree = index.writeTree(inserter);
        PersonIdent who = new PersonIdent(settings.authorName(), settings.authorEmail());
        CommitBuilder commit = new CommitBuilder();
        commit.setTreeId(tree);
        commit.setParentId(parent);
        commit.setAuthor(who);
        commit.setCommitter(who);
        commit.setMessage(write.message());
        ObjectId id = inserter.insert(commit);
        inserter.flush();
        return id;
      }
    }
  }

  /** Sorts a transport failure into permanent (not found, auth) and transient (the rest). */
  private RuntimeException failure(TransportException e, String operation) {
    String detail = e.getMessage() == null ? "" : e.getMessage().strip();
    // Before "not found": JGit reports a refused ssh key as a missing repository.
    if (isAuthFailure(e)) {
      return ApplicationFailure.newNonRetryableFailure(
          location.display()
              + " refused the worker's Git credentials for a "
              + operation
              + " ("
              + detail
              + "); configure credentials for "
              + (location.uri().getHost() == null ? "it" : location.uri().getHost())
              + " in the worker settings",
          FailureTypes.UNAUTHORIZED);
    }
    if (e instanceof NoRemoteRepositoryException) {
      return invalid(
          "config repository "
              + location.display()
              + " was not found ("
              + detail
              + "); check the definitions location (a private repository also looks missing"
              + " without credentials)");
    }
    return new ConfigRepoException(
        "could not "
            + operation
            + (operation.equals("push") ? " to " : " from ")
            + location.display()
            + ": "
            + detail,
        e);
  }

  private ApplicationFailure unsupported(NotSupportedException e) {
    return ApplicationFailure.newNonRetryableFailure(
        "this worker cannot reach "
            + location.display()
            + ": "
            + e.getMessage()
            + " (supported: local paths, file://, http(s)://, git://, ssh://, user@host:path)",
        FailureTypes.MISCONFIGURED);
  }

  private static boolean isAuthFailure(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      String message = t.getMessage() == null ? "" : t.getMessage().toLowerCase(Locale.ROOT);
      if (message.contains("not authorized")
          || message.contains("authentication is required")
          || message.contains("authentication not supported")
          || message.contains("not permitted")
          || message.contains("auth fail")
          || message.contains("permission denied")) {
        return true;
      }
    }
    return false;
  }

  private static boolean isRegularFile(int mode) {
    return FileMode.REGULAR_FILE.equals(mode) || FileMode.EXECUTABLE_FILE.equals(mode);
  }

  private static ObjectId commitId(String commit) {
    if (commit == null || !ObjectId.isId(commit.trim().toLowerCase(Locale.ROOT))) {
      throw new IllegalArgumentException("not a full commit id: " + commit);
    }
    return ObjectId.fromString(commit.trim().toLowerCase(Locale.ROOT));
  }

  private static void requireEmptyDirectory(Path target) {
    if (!Files.exists(target)) {
      return;
    }
    if (!Files.isDirectory(target)) {
      throw new IllegalArgumentException(target + " exists and is not a directory");
    }
    try (Stream<Path> entries = Files.list(target)) {
      if (entries.findAny().isPresent()) {
        throw new IllegalArgumentException(target + " is not empty");
      }
    } catch (IOException e) {
      throw new ConfigRepoException("cannot list " + target + ": " + e.getMessage(), e);
    }
  }

  private static void deleteRecursively(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(dir)) {
      for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }

  private static ApplicationFailure invalid(String message) {
    return ApplicationFailure.newNonRetryableFailure(message, FailureTypes.INVALID_DEFINITIONS);
  }
}
