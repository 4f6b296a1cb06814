/* nn_evaluate() and nn_robustness_sweep() on a model whose answers are known.
 *
 * The model is the zoo's logistic regression (Flatten, Dense 10 softmax) with
 * hand-set weights: logit 1 is the sum of the pixels, logit 0 a constant 18,
 * the others -100. It answers 1 when an image holds more than 18 "pixels of ink",
 * else 0. The data: 60 blank images labelled 0 and 60 with a centred 6 x 6
 * block of ink (36) labelled 1, interleaved. So:
 *   clean, blur, rotation, shift, thickening keep the ink near 0 or >= 36: 100%;
 *   noise sigma 0.3 on a blank image adds about 784 * 0.3 / sqrt(2 pi) = 94 of
 *   ink after clipping, so every blank image turns into a 1: 50%.
 */
#include <string.h>
#include <glib.h>

#include "nn-error.h"
#include "nn-eval.h"
#include "nn-evaluate.h"
#include "nn-zoo.h"

#define N_IMAGES 120

static NnModel *
make_model (void)
{
  NnModel *m = nn_zoo_logreg ();
  int dense = -1;

  g_assert_nonnull (m);
  for (int i = 0; i < m->n_layers; i++)
    if (m->layers[i].kind == NN_LAYER_DENSE)
      dense = i;
  g_assert_cmpint (dense, >=, 0);
  for (int v = 0; v < m->layers[dense].n_vars; v++)
    {
      const NnVar *var = &m->layers[dense].vars[v];
      float *data = nn_model_var_data (m, var);
      if (strcmp (var->role, "kernel") == 0) /* (784, 10) */
        for (int p = 0; p < 784; p++)
          for (int k = 0; k < 10; k++)
            data[p * 10 + k] = k == 1 ? 1.0f : 0.0f;
      else /* bias (10,) */
        for (int k = 0; k < 10; k++)
          data[k] = k == 0 ? 18.0f : k == 1 ? 0.0f : -100.0f;
    }
  return m;
}

static NnDataset *
make_data (void)
{
  NnDataset *ds = nn_dataset_new (N_IMAGES);

  for (int i = 0; i < N_IMAGES; i++)
    {
      guint8 *img = ds->images + (size_t) i * 784;
      ds->labels[i] = i % 2;
      if (i % 2 == 1)
        for (int r = 11; r < 17; r++)
          for (int c = 11; c < 17; c++)
            img[r * 28 + c] = 255;
    }
  return ds;
}

typedef struct {
  gint64 last, total;
  int calls;
  int cancel_after; /* -1: never */
  GCancellable *cancel;
} Watch;

static void
on_progress (gint64 done, gint64 total, gpointer data)
{
  Watch *w = data;
  g_assert_cmpint (done, >, w->last); /* moves forward */
  g_assert_cmpint (done, <=, total);
  w->last = done;
  w->total = total;
  w->calls++;
  if (w->cancel_after >= 0 && w->calls >= w->cancel_after)
    g_cancellable_cancel (w->cancel);
}

static void
watch_clear (Watch *w)
{
  g_clear_object (&w->cancel);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Watch, watch_clear)

/* The cancellable, cancelled already when cancel_after is 0. */
static GCancellable *
watch_cancellable (Watch *w)
{
  if (w->cancel == NULL)
    w->cancel = g_cancellable_new ();
  if (w->cancel_after == 0)
    g_cancellable_cancel (w->cancel);
  return w->cancel;
}

static void
test_evaluate (void)
{
  g_autoptr (NnModel) m = make_model ();
  g_autoptr (NnDataset) ds = make_data ();
  g_autoptr (NnEvalResult) r = NULL;
  g_autoptr (GError) error = NULL;
  g_auto (Watch) w = { 0, 0, 0, -1 };

  g_assert_true (nn_evaluate (m, ds, on_progress, &w, watch_cancellable (&w), &r, &error));
  g_assert_no_error (error);
  g_assert_cmpint (r->n, ==, N_IMAGES);
  g_assert_cmpint (r->confusion.counts[0][0], ==, 60);
  g_assert_cmpint (r->confusion.counts[1][1], ==, 60);
  g_assert_cmpfloat (nn_eval_result_accuracy (r), ==, 1.0);
  g_assert_cmpint (w.last, ==, N_IMAGES);
  /* A block image: logit 1 is 36, logit 0 is 18: p1 = 1 / (1 + e^-18). */
  g_assert_cmpfloat_with_epsilon (r->probs[1 * 10 + 1], 1.0, 1e-6);
  g_assert_cmpfloat_with_epsilon (r->probs[0 * 10 + 0], 1.0, 1e-6);
}

static void
test_evaluate_cancel (void)
{
  g_autoptr (NnModel) m = make_model ();
  g_autoptr (NnDataset) ds = make_data ();
  g_autoptr (NnEvalResult) r = NULL;
  g_autoptr (GError) error = NULL;
  g_auto (Watch) w = { 0, 0, 0, 0 }; /* cancelled before the first batch */

  g_assert_false (nn_evaluate (m, ds, on_progress, &w, watch_cancellable (&w), &r, &error));
  g_assert_error (error, NN_ERROR, NN_ERROR_CANCELLED);
  g_assert_null (r);
}

static void
test_evaluate_errors (void)
{
  g_autoptr (NnModel) m = make_model ();
  g_autoptr (NnDataset) empty = nn_dataset_new (0);
  g_autoptr (NnEvalResult) r = NULL;
  g_autoptr (GError) error = NULL;

  g_assert_false (nn_evaluate (m, empty, NULL, NULL, NULL, &r, &error));
  g_assert_error (error, NN_ERROR, NN_ERROR_NO_DATA);
}

static void
test_sweep (void)
{
  g_autoptr (NnModel) m = make_model ();
  g_autoptr (NnDataset) ds = make_data ();
  g_autoptr (NnRobustnessResult) res = NULL, again = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *json = NULL, *csv = NULL;
  g_auto (Watch) w = { 0, 0, 0, -1 };
  int n;

  nn_perturbation_standard_set (&n);
  g_assert_true (nn_robustness_sweep (m, ds, NULL, 0, 7, on_progress, &w,
                                      watch_cancellable (&w), &res,
                                      &error));
  g_assert_no_error (error);
  g_assert_cmpint (res->n_rows, ==, n);
  g_assert_cmpint (w.last, ==, (gint64) n * N_IMAGES);
  for (int i = 0; i < res->n_rows; i++)
    {
      const NnRobustnessRow *row = &res->rows[i];
      g_autofree char *label = nn_perturbation_describe (&row->perturbation);
      double want = 1.0;

      if (row->perturbation.kind == NN_PERTURB_NOISE && row->perturbation.severity >= 0.3)
        want = 0.5;
      g_test_message ("%-16s %.4f", label, row->accuracy);
      if (row->perturbation.kind == NN_PERTURB_NOISE && row->perturbation.severity < 0.3)
        continue; /* 0.05 .. 0.2: near the threshold, not asserted */
      g_assert_cmpint (row->n, ==, N_IMAGES);
      g_assert_cmpfloat_with_epsilon (row->accuracy, want, 1e-9);
    }
  g_assert_cmpint (nn_robustness_result_worst (res)->perturbation.kind, ==, NN_PERTURB_NOISE);

  /* The same seed gives the same numbers. */
  g_assert_true (nn_robustness_sweep (m, ds, NULL, 0, 7, NULL, NULL, NULL, &again, &error));
  for (int i = 0; i < res->n_rows; i++)
    g_assert_cmpint (again->rows[i].correct, ==, res->rows[i].correct);

  json = nn_robustness_result_to_json (res, "model \"x\".keras");
  g_assert_nonnull (strstr (json, "\"model\": \"model \\\"x\\\".keras\""));
  g_assert_nonnull (strstr (json, "\"label\": \"noise σ=0.30\""));
  g_assert_nonnull (strstr (json, "\"accuracy\": 0.500000"));
  csv = nn_robustness_result_to_csv (res);
  g_assert_true (g_str_has_prefix (csv, "perturbation,severity,label,correct,n,accuracy\n"
                                        "clean,0,\"clean\",120,120,1.000000\n"));
}

static void
test_sweep_cancel (void)
{
  g_autoptr (NnModel) m = make_model ();
  g_autoptr (NnDataset) ds = make_data ();
  g_autoptr (NnRobustnessResult) res = NULL;
  g_autoptr (GError) error = NULL;
  g_auto (Watch) w = { 0, 0, 0, 3 }; /* three rows done, then cancel */

  g_assert_false (nn_robustness_sweep (m, ds, NULL, 0, 7, on_progress, &w,
                                      watch_cancellable (&w), &res,
                                       &error));
  g_assert_error (error, NN_ERROR, NN_ERROR_CANCELLED);
  g_assert_null (res);
  g_assert_cmpint (w.calls, ==, 3);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/runner/evaluate", test_evaluate);
  g_test_add_func ("/runner/evaluate-cancel", test_evaluate_cancel);
  g_test_add_func ("/runner/evaluate-errors", test_evaluate_errors);
  g_test_add_func ("/runner/sweep", test_sweep);
  g_test_add_func ("/runner/sweep-cancel", test_sweep_cancel);
  return g_test_run ();
}
