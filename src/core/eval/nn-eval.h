/* nn-eval.h: how well a digit model does on a labelled set.
 *
 * A confusion matrix counts, for every true label, what the model answered:
 *   counts[label][pred]                                    // (10, 10)
 * Accuracy, per-class precision, recall and F1 follow from it alone, so the
 * numbers the CLI prints, the CSV and the app's heat map always agree.
 *
 * An NnEvalResult keeps every probability, so callers can list the misclassified
 * images and write an index,label,pred,p0..p9 CSV. This header, nn-robustness.h and
 * nn-perturb.h are the metrics library (digits-metrics): no model run, no dataset,
 * so the plot library draws results without linking the engine's file readers. nn_evaluate(), which
 * fills a result by running a model, is in nn-evaluate.h.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define NN_EVAL_CLASSES 10

typedef struct {
  guint32 counts[NN_EVAL_CLASSES][NN_EVAL_CLASSES]; /* [true label][predicted] */
} NnConfusion;

typedef struct {
  int support;      /* images whose true label is this class (row sum) */
  int predicted;    /* images predicted as this class (column sum) */
  int correct;      /* the diagonal cell */
  double precision; /* correct / predicted, 0 when nothing was predicted */
  double recall;    /* correct / support, 0 when the class is absent */
  double f1;        /* harmonic mean of the two, 0 when both are 0 */
} NnClassScores;

void    nn_confusion_clear (NnConfusion *cm);
void    nn_confusion_add (NnConfusion *cm, int label, int pred);
gint64  nn_confusion_total (const NnConfusion *cm);
gint64  nn_confusion_correct (const NnConfusion *cm);
double  nn_confusion_accuracy (const NnConfusion *cm); /* 0 for an empty matrix */
void    nn_confusion_scores (const NnConfusion *cm, NnClassScores out[NN_EVAL_CLASSES]);
/* Unweighted mean of the per-class F1 over the classes that occur (support > 0). */
double  nn_confusion_macro_f1 (const NnConfusion *cm);

/* The matrix and the scores as CSV, one row per true label:
 *   "label,pred_0,...,pred_9,support,precision,recall,f1"
 * then a row "all" with the column sums, the total and the accuracy. Free with g_free. */
char   *nn_confusion_to_csv (const NnConfusion *cm);

/* One wrong answer. */
typedef struct {
  int index;        /* into the evaluated dataset */
  int label;        /* true label */
  int pred;         /* predicted label */
  float confidence; /* probability of pred */
} NnMisclassified;

typedef struct {
  int n;            /* images evaluated */
  NnConfusion confusion;
  guint8 *labels;   /* (N,) true labels */
  guint8 *preds;    /* (N,) argmax of probs */
  float *probs;     /* (N, 10) */
  double seconds;   /* wall time of the forward passes */
} NnEvalResult;

/* Builds a result from known labels and probabilities (copied); preds and the
 * confusion matrix are derived. Used by nn_evaluate() and by tests. */
NnEvalResult *nn_eval_result_new (int n, const guint8 *labels, const float *probs);
void          nn_eval_result_free (NnEvalResult *result);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (NnEvalResult, nn_eval_result_free)

static inline double
nn_eval_result_accuracy (const NnEvalResult *r)
{
  return nn_confusion_accuracy (&r->confusion);
}

/* The misclassified images whose true label is `label` and prediction `pred`
 * (-1 for any), most confident first. Returns a new array (free with g_free)
 * and its length in n_out; NULL when there are none. */
NnMisclassified *nn_eval_result_misclassified (const NnEvalResult *r, int label, int pred,
                                               int *n_out);

/* Writes "index,label,pred,p0,...,p9", one row per image, through a temporary
 * file renamed into place. */
gboolean nn_eval_result_write_csv (const NnEvalResult *r, const char *path, GError **error);

G_END_DECLS
