package dev.conveyor.activities.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Map;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.api.ResetCommand;
import org.eclipse.jgit.api.errors.GitAPIException;
import org.eclipse.jgit.dircache.DirCache;
import org.eclipse.jgit.dircache.DirCacheBuilder;
import org.eclipse.jgit.dircache.DirCacheEntry;
import org.eclipse.jgit.lib.CommitBuilder;
import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.FileMode;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.ObjectInserter;
import org.eclipse.jgit.lib.PersonIdent;
import org.eclipse.jgit.lib.RefUpdate;
import org.eclipse.jgit.lib.Repository;

/**
 * Source repositories on disk for build tests, written with JGit: bare (as a Git server holds them)
 * or with a working tree (as a developer's clone). Commits are written straight into the object
 * database, so a bare repo needs no checkout. Verify them with the {@code git} CLI.
 */
public final class SourceRepos {
  /** The branch every repo here commits to. */
  public static final String BRANCH = "main";

  private static final PersonIdent AUTHOR =
      new PersonIdent("Conveyor Test", "test@conveyor.invalid");

  private SourceRepos() {}

  /**
   * A repo on disk and the commit holding the files it was created with.
   *
   * @param path the repo directory: the bare repo itself, or the working tree of a non-bare one
   * @param commit the full SHA-1 of that commit
   */
  public record SourceRepo(Path path, String commit) {}

  /** Creates a bare repo at {@code dir} whose {@code main} has one commit holding {@code files}. */
  public static SourceRepo bareWithCommit(Path dir, Map<String, RepoFile> files) {
    init(dir, true);
    return new SourceRepo(dir, commit(dir, files, "initial commit"));
  }

  /** Creates a non-bare repo at {@code dir} with one commit holding {@code files}, checked out. */
  public static SourceRepo withCommit(Path dir, Map<String, RepoFile> files) {
    init(dir, false);
    return new SourceRepo(dir, commit(dir, files, "initial commit"));
  }

  /** Creates an empty repo (no commits) at {@code dir}. */
  public static Path init(Path dir, boolean bare) {
    try (Git git =
        Git.init().setBare(bare).setInitialBranch(BRANCH).setDirectory(dir.toFile()).call()) {
      return dir;
    } catch (GitAPIException e) {
      throw new IllegalStateException("cannot create a Git repo at " + dir, e);
    }
  }

  /**
   * Adds a commit on {@code main} whose tree is exactly {@code files} (files absent from the map
   * are gone in that commit) and returns its SHA-1. A non-bare repo's working tree is reset to it.
   */
  public static String commit(Path repoDir, Map<String, RepoFile> files, String message) {
    try (Git git = Git.open(repoDir.toFile())) {
      Repository repo = git.getRepository();
      ObjectId commitId;
      try (ObjectInserter inserter = repo.newObjectInserter()) {
        DirCache index = DirCache.newInCore();
        DirCacheBuilder builder = index.builder();
        for (Map.Entry<String, RepoFile> file : files.entrySet()) {
          DirCacheEntry entry = new DirCacheEntry(file.getKey());
          entry.setFileMode(
              file.getValue().executable() ? FileMode.EXECUTABLE_FILE : FileMode.REGULAR_FILE);
          entry.setObjectId(inserter.insert(Constants.OBJ_BLOB, file.getValue().content()));
          builder.add(entry);
        }
        builder.finish();
        ObjectId tree = index.writeTree(inserter);
        ObjectId parent = repo.resolve(Constants.R_HEADS + BRANCH);
        CommitBuilder commit = new CommitBuilder();
        commit.setTreeId(tree);
        if (parent != null) {
          commit.setParentId(parent);
        }
        commit.setAuthor(AUTHOR);
        commit.setCommitter(AUTHOR);
        commit.setMessage(message + "\n");
        commitId = inserter.insert(commit);
        inserter.flush();
        RefUpdate update = repo.updateRef(Constants.R_HEADS + BRANCH);
        update.setNewObjectId(commitId);
        update.setExpectedOldObjectId(parent == null ? ObjectId.zeroId() : parent);
        update.setRefLogMessage("commit: " + message, false);
        RefUpdate.Result result = update.update();
        if (result != RefUpdate.Result.NEW && result != RefUpdate.Result.FAST_FORWARD) {
          throw new IllegalStateException(
              "cannot move " + BRANCH + " in " + repoDir + ": " + result);
        }
      }
      if (!repo.isBare()) {
        git.reset().setMode(ResetCommand.ResetType.HARD).setRef(commitId.name()).call();
      }
      return commitId.name();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot commit to " + repoDir, e);
    } catch (GitAPIException e) {
      throw new IllegalStateException("cannot check out the new commit in " + repoDir, e);
    }
  }
}
