/* digits-cli train never destroys a good model: on a small generated MNIST-shaped
 * set (no download needed), the default output is a new file in the user's models
 * folder; --out is replaced only at the end (a SIGTERM after the first epoch leaves
 * the best epoch in --out and no checkpoint or temporary file); a run at chance
 * level exits 1 and leaves --out as it was; bad numbers are usage errors; a history
 * that cannot be written is an error.
 *
 *   test-train-safety DIGITS_CLI
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <glib.h>
#include <glib/gstdio.h>

#include "nn-keras.h"

static const char *cli;
static char *tmp, *data, *chance_data;

/* ---- a generated data set ------------------------------------------------------ */

static void
put_be32 (guint8 *p, guint32 v)
{
  p[0] = v >> 24, p[1] = v >> 16, p[2] = v >> 8, p[3] = v;
}

/* PREFIX-images-idx3-ubyte and PREFIX-labels-idx1-ubyte: image i is class i % 10,
 * a bright band at a row of its own under seeded noise (easy, but not at once);
 * blank images carry no information, so any model scores 10% on them. */
static void
write_idx (const char *dir, const char *prefix, int n, gboolean blank)
{
  gsize isize = 16 + (gsize) n * 784, lsize = 8 + (gsize) n;
  g_autofree guint8 *img = g_malloc0 (isize), *lab = g_malloc0 (lsize);
  GRand *rng = g_rand_new_with_seed (7);

  put_be32 (img, 0x803), put_be32 (img + 4, n), put_be32 (img + 8, 28), put_be32 (img + 12, 28);
  put_be32 (lab, 0x801), put_be32 (lab + 4, n);
  for (int i = 0; i < n; i++)
    {
      int c = i % 10;
      guint8 *px = img + 16 + (gsize) i * 784;
      lab[8 + i] = (guint8) c;
      if (blank)
        continue;
      for (int k = 0; k < 784; k++)
        px[k] = (guint8) g_rand_int_range (rng, 0, 90);
      for (int y = 3 + 2 * c; y < 5 + 2 * c; y++)
        for (int x = 4; x < 24; x++)
          px[y * 28 + x] = (guint8) g_rand_int_range (rng, 120, 256);
    }
  g_rand_free (rng);
  g_autofree char *iname = g_strdup_printf ("%s/%s-images-idx3-ubyte", dir, prefix);
  g_autofree char *lname = g_strdup_printf ("%s/%s-labels-idx1-ubyte", dir, prefix);
  g_assert_true (g_file_set_contents (iname, (char *) img, isize, NULL));
  g_assert_true (g_file_set_contents (lname, (char *) lab, lsize, NULL));
}

/* ---- running the CLI ------------------------------------------------------------ */

static int
run_env (char **env, char **out, char **err, ...)
{
  g_autoptr (GPtrArray) args = g_ptr_array_new ();
  va_list ap;
  const char *a;
  int status = -1;
  g_autoptr (GError) error = NULL;

  g_ptr_array_add (args, (char *) cli);
  va_start (ap, err);
  while ((a = va_arg (ap, const char *)))
    g_ptr_array_add (args, (char *) a);
  va_end (ap);
  g_ptr_array_add (args, NULL);
  g_assert_true (g_spawn_sync (NULL, (char **) args->pdata, env, G_SPAWN_DEFAULT, NULL, NULL,
                               out, err, &status, &error));
  g_assert_no_error (error);
  g_test_message ("stdout:\n%s\nstderr:\n%s", *out, *err);
  return WIFEXITED (status) ? WEXITSTATUS (status) : -1;
}

static char *
read_text (const char *path)
{
  char *text = NULL;
  g_file_get_contents (path, &text, NULL, NULL);
  return text;
}

static int
compare_names (gconstpointer a, gconstpointer b)
{
  return strcmp (*(char *const *) a, *(char *const *) b);
}

/* The names in dir, sorted, joined by spaces: what a run left behind. */
static char *
list_dir (const char *dir)
{
  g_autoptr (GDir) d = g_dir_open (dir, 0, NULL);
  g_autoptr (GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  const char *name;

  g_assert_nonnull (d);
  while ((name = g_dir_read_name (d)))
    g_ptr_array_add (names, g_strdup (name));
  g_ptr_array_sort (names, compare_names);
  g_ptr_array_add (names, NULL);
  return g_strjoinv (" ", (char **) names->pdata);
}

static char *
fresh_dir (const char *name)
{
  char *dir = g_build_filename (tmp, name, NULL);
  g_assert_cmpint (g_mkdir_with_parents (dir, 0755), ==, 0);
  return dir;
}

/* ---- the tests ------------------------------------------------------------------- */

static void
test_default_out (void)
{
  g_autofree char *xdg = fresh_dir ("xdg");
  g_auto (GStrv) env = g_environ_setenv (g_get_environ (), "XDG_DATA_HOME", xdg, TRUE);
  g_autofree char *models = g_build_filename (xdg, "digits", "models", NULL);

  for (int run = 1; run <= 2; run++)
    {
      g_autofree char *out = NULL, *err = NULL;
      g_assert_cmpint (run_env (env, &out, &err, "train", "baseline", "--mnist", data, "--limit",
                                "600", "--epochs", "1", "--threads", "1", NULL), ==, 0);
      g_assert_nonnull (strstr (out, "wrote "));
      g_assert_nonnull (strstr (out, models)); // it says where
    }
  // Two runs, two files: baseline-YYYYMMDD-HHMMSS.keras (and -2 within the same second).
  g_autofree char *names = list_dir (models);
  g_test_message ("models folder: %s", names);
  g_auto (GStrv) files = g_strsplit (names, " ", -1);
  g_assert_cmpint (g_strv_length (files), ==, 2);
  for (int i = 0; i < 2; i++)
    {
      g_assert_true (g_regex_match_simple ("^baseline-[0-9]{8}-[0-9]{6}(-2)?\\.keras$", files[i],
                                           0, 0));
      g_autofree char *path = g_build_filename (models, files[i], NULL);
      g_autoptr (GError) error = NULL;
      g_autoptr (NnModel) m = nn_keras_load (path, &error);
      g_assert_no_error (error);
    }
}

/* Reads the child's stderr line by line until one holds needle; FALSE at its end. */
static gboolean
wait_for_line (FILE *f, const char *needle, GString *all)
{
  char line[4096];
  while (fgets (line, sizeof line, f))
    {
      g_string_append (all, line);
      if (strstr (line, needle))
        return TRUE;
    }
  return FALSE;
}

static void
test_sigterm (void)
{
  g_autofree char *dir = fresh_dir ("sigterm");
  g_autofree char *model = g_build_filename (dir, "m.keras", NULL);
  g_autofree char *checkpoint = g_build_filename (dir, "m.checkpoint.keras", NULL);
  g_autofree char *hist = g_build_filename (dir, "h.csv", NULL);
  const char *argv[] = { cli, "train", "baseline", "--mnist", data, "--limit", "3000",
                         "--batch", "1", "--lr", "1e-4", "--epochs", "1000", "--threads", "1",
                         "--out", model, "--history", hist, NULL };
  GPid pid;
  int err_fd, status;
  g_autoptr (GError) error = NULL;
  g_autoptr (GString) err = g_string_new (NULL);

  g_assert_true (g_file_set_contents (model, "the previous model", -1, NULL));
  g_assert_true (g_spawn_async_with_pipes (NULL, (char **) argv, NULL, G_SPAWN_DO_NOT_REAP_CHILD
                                           | G_SPAWN_STDOUT_TO_DEV_NULL, NULL, NULL, &pid, NULL,
                                           NULL, &err_fd, &error));
  g_assert_no_error (error);
  FILE *f = fdopen (err_fd, "r");
  gboolean epoch_done = wait_for_line (f, "best (checkpoint)", err);

  // After an improved epoch --out is still the previous model; the checkpoint is beside it.
  g_autofree char *before = read_text (model);
  gboolean had_checkpoint = g_file_test (checkpoint, G_FILE_TEST_IS_REGULAR);
  kill (pid, SIGTERM);
  wait_for_line (f, "\1", err); // to the end
  fclose (f);
  g_assert_cmpint (waitpid (pid, &status, 0), ==, pid);
  g_spawn_close_pid (pid);
  g_test_message ("stderr:\n%s", err->str);
  g_assert_true (epoch_done);
  g_assert_cmpstr (before, ==, "the previous model");
  g_assert_true (had_checkpoint);

  // Stopped: status 1, --out holds the best epoch, and nothing else is left.
  g_assert_true (WIFEXITED (status));
  g_assert_cmpint (WEXITSTATUS (status), ==, 1);
  g_assert_nonnull (strstr (err->str, "stopped; wrote the best epoch so far"));
  g_autoptr (NnModel) m = nn_keras_load (model, &error);
  g_assert_no_error (error);
  g_assert_nonnull (m->metadata);
  g_assert_nonnull (g_hash_table_lookup (m->metadata, "val_accuracy"));
  g_autofree char *left = list_dir (dir);
  g_assert_cmpstr (left, ==, "h.csv m.keras");
}

static void
test_chance_level (void)
{
  g_autofree char *dir = fresh_dir ("chance");
  g_autofree char *model = g_build_filename (dir, "good.keras", NULL);
  g_autofree char *out = NULL, *err = NULL;

  g_assert_true (g_file_set_contents (model, "a model that worked", -1, NULL));
  // The test images are blank: whatever the model learned, it scores 10%.
  g_assert_cmpint (run_env (NULL, &out, &err, "train", "baseline", "--mnist", chance_data,
                            "--limit", "600", "--epochs", "2", "--threads", "1", "--out", model,
                            NULL), ==, 1);
  g_assert_nonnull (strstr (err, "training diverged: accuracy 10.0% is chance level; try a "
                                 "lower --lr"));
  g_autofree char *after = read_text (model);
  g_assert_cmpstr (after, ==, "a model that worked");
  g_autofree char *left = list_dir (dir);
  g_assert_cmpstr (left, ==, "good.keras");
}

static void
test_bad_numbers (void)
{
  g_autofree char *dir = fresh_dir ("numbers");
  g_autofree char *model = g_build_filename (dir, "never.keras", NULL);
  const char *bad[][2] = {
    { "--lr", "nan" }, { "--lr", "-1" }, { "--lr", "inf" }, { "--lr", "0" }, { "--lr", "1e-60" },
    { "--epochs", "0" }, { "--epochs", "abc" }, { "--epochs", "3.5" }, { "--epochs", "" },
    { "--limit", "-5" }, { "--threads", "0" }, { "--threads", "2x" }, { "--seed", "x" },
    { "--seed", "-1" }, { "--batch", "0" }, { "--batch", "99999999999999999999" },
    { "--time-limit", "nan" }, { "--time-limit", "-2" },
  };
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autofree char *out = NULL, *err = NULL;
      int rc = run_env (NULL, &out, &err, "train", "baseline", "--mnist", data, "--out", model,
                        bad[i][0], bad[i][1], NULL);
      g_assert_cmpint (rc, ==, 2);
      g_assert_nonnull (strstr (err, bad[i][0]));
      g_assert_false (g_file_test (model, G_FILE_TEST_EXISTS));
    }
}

static void
test_history_errors (void)
{
  g_autofree char *dir = fresh_dir ("history");
  g_autofree char *model = g_build_filename (dir, "m.keras", NULL);
  g_autofree char *nowhere = g_build_filename (dir, "no-such-folder", "h.csv", NULL);
  const char *targets[] = { "/dev/full", nowhere };

  for (guint i = 0; i < G_N_ELEMENTS (targets); i++)
    {
      g_autofree char *out = NULL, *err = NULL;
      if (i == 0 && !g_file_test ("/dev/full", G_FILE_TEST_EXISTS))
        continue;
      g_assert_cmpint (run_env (NULL, &out, &err, "train", "baseline", "--mnist", data, "--limit",
                                "600", "--epochs", "1", "--threads", "1", "--out", model,
                                "--history", targets[i], NULL), ==, 1);
      g_assert_nonnull (strstr (err, "Cannot write the history file"));
      g_assert_nonnull (strstr (err, i == 0 ? g_strerror (ENOSPC) : g_strerror (ENOENT)));
      g_assert_false (g_file_test (model, G_FILE_TEST_EXISTS));
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  if (argc < 2)
    {
      g_printerr ("usage: test-train-safety DIGITS_CLI\n");
      return 2;
    }
  cli = argv[1];
  tmp = g_dir_make_tmp ("digits-train-safety-XXXXXX", NULL);
  data = fresh_dir ("data");
  chance_data = fresh_dir ("chance-data");
  write_idx (data, "train", 3000, FALSE);
  write_idx (data, "t10k", 500, FALSE);
  write_idx (chance_data, "train", 600, FALSE);
  write_idx (chance_data, "t10k", 500, TRUE);
  g_test_add_func ("/train/safety/default-out", test_default_out);
  g_test_add_func ("/train/safety/sigterm", test_sigterm);
  g_test_add_func ("/train/safety/chance-level", test_chance_level);
  g_test_add_func ("/train/safety/bad-numbers", test_bad_numbers);
  g_test_add_func ("/train/safety/history-errors", test_history_errors);
  int rc = g_test_run ();
  g_autofree char *cmd = g_strdup_printf ("rm -rf '%s'", tmp);
  if (system (cmd) != 0)
    g_printerr ("could not remove %s\n", tmp);
  g_free (data);
  g_free (chance_data);
  g_free (tmp);
  return rc;
}
