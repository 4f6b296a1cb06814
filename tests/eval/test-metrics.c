/* Confusion matrix, per-class scores, misclassifications and the CSV, on a
 * hand-made set of predictions whose numbers are worked out below. */
#include <math.h>
#include <string.h>
#include <glib.h>
#include <glib/gstdio.h>

#include "nn-eval.h"
#include "nn-error.h"

/* A probability row that puts `conf` on `pred` and spreads the rest. */
static void
row (float *p, int pred, float conf)
{
  for (int k = 0; k < NN_EVAL_CLASSES; k++)
    p[k] = (1.0f - conf) / (NN_EVAL_CLASSES - 1);
  p[pred] = conf;
}

/* Ten images:
 *   label 0: predicted 0, 0, 0, 1 (conf 0.6)
 *   label 1: predicted 1, 1, 0 (conf 0.9)
 *   label 2: predicted 2, 7 (conf 0.7), 7 (conf 0.8)
 * Class 0: support 4, predicted 4 (three 0s + the 1 -> 0), correct 3:
 *          precision 3/4, recall 3/4, F1 0.75.
 * Class 1: support 3, predicted 3 (two 1s + the 0 -> 1), correct 2: P = R = 2/3.
 * Class 2: support 3, predicted 1, correct 1: P 1, R 1/3, F1 = 2 * 1/3 / (4/3) = 0.5.
 * Class 7: support 0, predicted 2, correct 0: P = R = F1 = 0.
 * Accuracy 6/10. Macro F1 over classes present (0, 1, 2): (0.75 + 2/3 + 0.5) / 3. */
static NnEvalResult *
make_result (void)
{
  static const guint8 labels[10] = { 0, 0, 0, 0, 1, 1, 1, 2, 2, 2 };
  static const int preds[10] = { 0, 0, 0, 1, 1, 1, 0, 2, 7, 7 };
  static const float conf[10] = { .99f, .98f, .97f, .6f, .95f, .94f, .9f, .93f, .7f, .8f };
  float probs[10 * NN_EVAL_CLASSES];

  for (int i = 0; i < 10; i++)
    row (probs + i * NN_EVAL_CLASSES, preds[i], conf[i]);
  return nn_eval_result_new (10, labels, probs);
}

static void
test_confusion (void)
{
  g_autoptr (NnEvalResult) r = make_result ();
  const NnConfusion *cm = &r->confusion;

  g_assert_cmpint (r->n, ==, 10);
  g_assert_cmpint (cm->counts[0][0], ==, 3);
  g_assert_cmpint (cm->counts[0][1], ==, 1);
  g_assert_cmpint (cm->counts[1][0], ==, 1);
  g_assert_cmpint (cm->counts[1][1], ==, 2);
  g_assert_cmpint (cm->counts[2][2], ==, 1);
  g_assert_cmpint (cm->counts[2][7], ==, 2);
  g_assert_cmpint (nn_confusion_total (cm), ==, 10);
  g_assert_cmpint (nn_confusion_correct (cm), ==, 6);
  g_assert_cmpfloat_with_epsilon (nn_eval_result_accuracy (r), 0.6, 1e-12);
  g_assert_cmpint (r->preds[8], ==, 7);
}

static void
test_scores (void)
{
  g_autoptr (NnEvalResult) r = make_result ();
  NnClassScores s[NN_EVAL_CLASSES];

  nn_confusion_scores (&r->confusion, s);
  g_assert_cmpint (s[0].support, ==, 4);
  g_assert_cmpint (s[0].predicted, ==, 4);
  g_assert_cmpfloat_with_epsilon (s[0].precision, 0.75, 1e-12);
  g_assert_cmpfloat_with_epsilon (s[0].recall, 0.75, 1e-12);
  g_assert_cmpfloat_with_epsilon (s[0].f1, 0.75, 1e-12);
  g_assert_cmpfloat_with_epsilon (s[1].precision, 2.0 / 3, 1e-12);
  g_assert_cmpfloat_with_epsilon (s[1].recall, 2.0 / 3, 1e-12);
  g_assert_cmpfloat_with_epsilon (s[2].precision, 1.0, 1e-12);
  g_assert_cmpfloat_with_epsilon (s[2].recall, 1.0 / 3, 1e-12);
  g_assert_cmpfloat_with_epsilon (s[2].f1, 0.5, 1e-12);
  g_assert_cmpint (s[7].support, ==, 0);
  g_assert_cmpint (s[7].predicted, ==, 2);
  g_assert_cmpfloat (s[7].precision, ==, 0.0);
  g_assert_cmpfloat (s[7].f1, ==, 0.0);
  g_assert_cmpint (s[5].predicted, ==, 0); /* absent class: all zero, no NaN */
  g_assert_cmpfloat (s[5].precision, ==, 0.0);
  g_assert_cmpfloat_with_epsilon (nn_confusion_macro_f1 (&r->confusion),
                                  (0.75 + 2.0 / 3 + 0.5) / 3, 1e-12);
}

static void
test_confusion_csv (void)
{
  g_autoptr (NnEvalResult) r = make_result ();
  g_autofree char *csv = nn_confusion_to_csv (&r->confusion);
  g_auto (GStrv) lines = g_strsplit (csv, "\n", -1);

  g_assert_cmpuint (g_strv_length (lines), ==, 13); /* header, 10 labels, all, "" */
  g_assert_cmpstr (lines[0], ==, "label,pred_0,pred_1,pred_2,pred_3,pred_4,pred_5,pred_6,"
                                 "pred_7,pred_8,pred_9,support,precision,recall,f1");
  g_assert_cmpstr (lines[3], ==, "2,0,0,1,0,0,0,0,2,0,0,3,1.000000,0.333333,0.500000");
  g_assert_cmpstr (lines[11], ==, "all,4,3,1,0,0,0,0,2,0,0,10,,0.600000,");
}

static void
test_empty (void)
{
  NnConfusion cm;

  nn_confusion_clear (&cm);
  g_assert_cmpfloat (nn_confusion_accuracy (&cm), ==, 0.0);
  g_assert_cmpfloat (nn_confusion_macro_f1 (&cm), ==, 0.0);
}

static void
test_misclassified (void)
{
  g_autoptr (NnEvalResult) r = make_result ();
  g_autofree NnMisclassified *all = NULL, *cell = NULL, *none = NULL;
  int n_all, n_cell, n_none;

  all = nn_eval_result_misclassified (r, -1, -1, &n_all);
  g_assert_cmpint (n_all, ==, 4);
  /* Most confident first: 1->0 (0.9), 2->7 (0.8), 2->7 (0.7), 0->1 (0.6). */
  g_assert_cmpint (all[0].index, ==, 6);
  g_assert_cmpint (all[0].label, ==, 1);
  g_assert_cmpint (all[0].pred, ==, 0);
  g_assert_cmpfloat_with_epsilon (all[0].confidence, 0.9, 1e-6);
  g_assert_cmpint (all[1].index, ==, 9);
  g_assert_cmpint (all[2].index, ==, 8);
  g_assert_cmpint (all[3].index, ==, 3);

  cell = nn_eval_result_misclassified (r, 2, 7, &n_cell);
  g_assert_cmpint (n_cell, ==, 2);
  g_assert_cmpint (n_cell, ==, r->confusion.counts[2][7]);

  none = nn_eval_result_misclassified (r, 0, 0, &n_none); /* the diagonal is never wrong */
  g_assert_null (none);
  g_assert_cmpint (n_none, ==, 0);
}

static void
test_csv (void)
{
  g_autoptr (NnEvalResult) r = make_result ();
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("eval-csv-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "pred.csv", NULL);
  g_autofree char *bad = g_build_filename (dir, "missing", "pred.csv", NULL);
  g_autofree char *text = NULL;
  g_auto (GStrv) lines = NULL;
  g_auto (GStrv) fields = NULL;
  GDir *d;

  g_assert_true (nn_eval_result_write_csv (r, path, &error));
  g_assert_no_error (error);
  g_assert_true (g_file_get_contents (path, &text, NULL, NULL));
  lines = g_strsplit (text, "\n", -1);
  g_assert_cmpuint (g_strv_length (lines), ==, 12); /* header, 10 rows, "" after the last \n */
  g_assert_cmpstr (lines[0], ==, "index,label,pred,p0,p1,p2,p3,p4,p5,p6,p7,p8,p9");
  fields = g_strsplit (lines[9], ",", -1); /* image 8: label 2, predicted 7 at 0.7 */
  g_assert_cmpuint (g_strv_length (fields), ==, 13);
  g_assert_cmpstr (fields[0], ==, "8");
  g_assert_cmpstr (fields[1], ==, "2");
  g_assert_cmpstr (fields[2], ==, "7");
  g_assert_cmpfloat_with_epsilon (g_ascii_strtod (fields[10], NULL), 0.7, 1e-6);

  /* Only the final file is left behind: no temporary next to it. */
  d = g_dir_open (dir, 0, NULL);
  g_assert_cmpstr (g_dir_read_name (d), ==, "pred.csv");
  g_assert_null (g_dir_read_name (d));
  g_dir_close (d);

  /* A folder that does not exist: an error naming the file. */
  g_assert_false (nn_eval_result_write_csv (r, bad, &error));
  g_assert_error (error, NN_ERROR, NN_ERROR_IO);
  g_assert_nonnull (strstr (error->message, bad));

  g_unlink (path);
  g_rmdir (dir);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/eval/confusion", test_confusion);
  g_test_add_func ("/eval/scores", test_scores);
  g_test_add_func ("/eval/confusion-csv", test_confusion_csv);
  g_test_add_func ("/eval/empty", test_empty);
  g_test_add_func ("/eval/misclassified", test_misclassified);
  g_test_add_func ("/eval/csv", test_csv);
  return g_test_run ();
}
