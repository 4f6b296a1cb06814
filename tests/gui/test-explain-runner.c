/* test-explain-runner.c: the Draw page's heat maps without a display.
 *
 * A quick method's map is the explainer's own; of three slow requests made in a
 * row only the last one's map is reported, and it is the map a direct call gives
 * for that input; a cancelled request reports nothing; stopping leaves no worker
 * thread behind, even with a slow map under way. */
#include "dg-explain-runner.h"

#include <math.h>
#include <string.h>

typedef struct {
  int calls;
  guint serial;
  NnExplanation ex;
  char *message;
} Seen;

static void
on_explained (DgExplainRunner *runner, guint serial, const NnExplanation *ex, const char *message,
              Seen *seen)
{
  seen->calls++;
  seen->serial = serial;
  if (ex)
    seen->ex = *ex;
  g_free (seen->message);
  seen->message = g_strdup (message);
}

static void
wait_idle (DgExplainRunner *runner)
{
  gint64 end = g_get_monotonic_time () + 60 * G_USEC_PER_SEC;

  while (dg_explain_runner_is_busy (runner) || g_main_context_pending (NULL))
    {
      g_main_context_iteration (NULL, FALSE);
      g_assert_cmpint (g_get_monotonic_time (), <, end);
      g_usleep (1000);
    }
}

static DgModel *
load_cnn (void)
{
  g_autofree char *path = g_build_filename (g_getenv ("DIGITS_SOURCE_DIR"), "models",
                                            "mnist_cnn.keras", NULL);
  g_autoptr(GError) error = NULL;
  DgModel *model = dg_model_load (path, &error);

  g_assert_no_error (error);
  return model;
}

/* a bar at column x0: a 1 in three places */
static void
bar (float *img, int x0)
{
  memset (img, 0, sizeof (float) * 784);
  for (int y = 4; y < 24; y++)
    for (int x = x0; x < x0 + 3; x++)
      img[y * 28 + x] = 1.f;
}

static void
assert_same_map (const NnExplanation *a, const NnExplanation *b)
{
  double mx = 0;

  for (int i = 0; i < 784; i++)
    mx = MAX (mx, fabs (b->map[i]));
  g_assert_cmpfloat (mx, >, 0);
  g_assert_cmpint (a->class_index, ==, b->class_index);
  for (int i = 0; i < 784; i++)
    g_assert_cmpfloat (fabs (a->map[i] - b->map[i]), <=, 1e-4 * mx);
}

static void
test_quick (void)
{
  g_autoptr(DgModel) model = load_cnn ();
  g_autoptr(DgExplainRunner) runner = dg_explain_runner_new ();
  g_autoptr(NnModel) copy = nn_model_copy (dg_model_get_nn (model));
  g_autoptr(NnExplainer) direct = nn_explainer_new (copy, NULL);
  g_autoptr(GError) error = NULL;
  NnExplanation got, want;
  float x[784];

  bar (x, 13);
  g_assert_true (dg_explain_method_is_quick (NN_EXPLAIN_GRADCAM_PP));
  g_assert_false (dg_explain_method_is_quick (NN_EXPLAIN_IG));
  g_assert_true (dg_explain_runner_run (runner, model, NN_EXPLAIN_GRADCAM_PP, -1, x, -1, &got,
                                        &error));
  g_assert_no_error (error);
  g_assert_true (nn_explainer_explain (direct, NN_EXPLAIN_GRADCAM_PP, -1, x, -1, &want, NULL));
  g_assert_cmpint (got.layer, ==, nn_explain_default_layer (copy, NN_EXPLAIN_GRADCAM_PP));
  assert_same_map (&got, &want);
}

static void
test_newest_wins (void)
{
  g_autoptr(DgModel) model = load_cnn ();
  g_autoptr(DgExplainRunner) runner = dg_explain_runner_new ();
  g_autoptr(NnModel) copy = nn_model_copy (dg_model_get_nn (model));
  g_autoptr(NnExplainer) direct = nn_explainer_new (copy, NULL);
  Seen seen = { 0 };
  NnExplanation want;
  float x[3][784];
  guint serial[3];

  g_signal_connect (runner, "explained", G_CALLBACK (on_explained), &seen);
  for (int k = 0; k < 3; k++)
    {
      bar (x[k], 6 + 7 * k);
      serial[k] = dg_explain_runner_request (runner, model, NN_EXPLAIN_IG, -1, x[k], -1);
    }
  g_assert_true (dg_explain_runner_is_busy (runner));
  wait_idle (runner);
  /* the first ran, the second was replaced by the third while it waited; only the
   * third, the latest, is reported */
  g_assert_cmpint (seen.calls, ==, 1);
  g_assert_cmpuint (seen.serial, ==, serial[2]);
  g_assert_null (seen.message);
  g_assert_cmpint (seen.ex.method, ==, NN_EXPLAIN_IG);
  g_assert_true (nn_explainer_explain (direct, NN_EXPLAIN_IG, -1, x[2], -1, &want, NULL));
  assert_same_map (&seen.ex, &want);

  /* cancelled: nothing comes */
  dg_explain_runner_request (runner, model, NN_EXPLAIN_OCCLUSION, -1, x[0], -1);
  dg_explain_runner_cancel (runner);
  wait_idle (runner);
  g_assert_cmpint (seen.calls, ==, 1);
  g_free (seen.message);
}

/* How many of the process's threads are the runner's worker ("digits-explain"). */
static int
worker_threads (void)
{
  g_autoptr(GDir) dir = g_dir_open ("/proc/self/task", 0, NULL);
  const char *tid;
  int n = 0;

  g_assert_nonnull (dir);
  while ((tid = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = g_build_filename ("/proc/self/task", tid, "comm", NULL);
      g_autofree char *comm = NULL;
      if (g_file_get_contents (path, &comm, NULL, NULL) && g_str_has_prefix (comm, "digits-explain"))
        n++;
    }
  return n;
}

/* The window's dispose stops its runner while integrated gradients may be under
 * way: the worker finishes that job and ends, so no thread computes on after the
 * program's main returns; a later request starts a worker again. */
static void
test_stop (void)
{
  g_autoptr(DgModel) model = load_cnn ();
  g_autoptr(DgExplainRunner) runner = dg_explain_runner_new ();
  Seen seen = { 0 };
  float x[784];

  g_signal_connect (runner, "explained", G_CALLBACK (on_explained), &seen);
  bar (x, 13);
  dg_explain_runner_request (runner, model, NN_EXPLAIN_IG, -1, x, -1);
  /* the new thread names itself as it starts */
  for (int i = 0; i < 1000 && worker_threads () == 0; i++)
    g_usleep (1000);
  g_assert_cmpint (worker_threads (), ==, 1);
  dg_explain_runner_stop (runner);
  g_assert_cmpint (worker_threads (), ==, 0);
  wait_idle (runner);
  g_assert_cmpint (seen.calls, ==, 0);

  dg_explain_runner_request (runner, model, NN_EXPLAIN_IG, -1, x, -1);
  wait_idle (runner);
  g_assert_cmpint (seen.calls, ==, 1);
  g_assert_null (seen.message);
  dg_explain_runner_stop (runner);
  g_assert_cmpint (worker_threads (), ==, 0);
  g_free (seen.message);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  if (g_getenv ("DIGITS_SOURCE_DIR") == NULL)
    {
      g_printerr ("DIGITS_SOURCE_DIR must be set (meson test does)\n");
      return 1;
    }
  g_test_add_func ("/explain-runner/quick", test_quick);
  g_test_add_func ("/explain-runner/newest-wins", test_newest_wins);
  g_test_add_func ("/explain-runner/stop", test_stop);
  return g_test_run ();
}
