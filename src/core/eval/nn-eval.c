/* nn-eval.c: confusion matrices, per-class scores, evaluation results and their CSV
 * (the runner that fills a result is in nn-evaluate.c). */
#include "nn-eval.h"

#include <string.h>

#include "nn-error.h"


void
nn_confusion_clear (NnConfusion *cm)
{
  g_return_if_fail (cm != NULL);
  memset (cm, 0, sizeof *cm);
}

void
nn_confusion_add (NnConfusion *cm, int label, int pred)
{
  g_return_if_fail (cm != NULL);
  g_return_if_fail (label >= 0 && label < NN_EVAL_CLASSES);
  g_return_if_fail (pred >= 0 && pred < NN_EVAL_CLASSES);
  cm->counts[label][pred]++;
}

gint64
nn_confusion_total (const NnConfusion *cm)
{
  gint64 total = 0;

  g_return_val_if_fail (cm != NULL, 0);
  for (int t = 0; t < NN_EVAL_CLASSES; t++)
    for (int p = 0; p < NN_EVAL_CLASSES; p++)
      total += cm->counts[t][p];
  return total;
}

gint64
nn_confusion_correct (const NnConfusion *cm)
{
  gint64 correct = 0;

  g_return_val_if_fail (cm != NULL, 0);
  for (int c = 0; c < NN_EVAL_CLASSES; c++)
    correct += cm->counts[c][c];
  return correct;
}

double
nn_confusion_accuracy (const NnConfusion *cm)
{
  gint64 total = nn_confusion_total (cm);

  return total > 0 ? (double) nn_confusion_correct (cm) / (double) total : 0.0;
}

void
nn_confusion_scores (const NnConfusion *cm, NnClassScores out[NN_EVAL_CLASSES])
{
  g_return_if_fail (cm != NULL && out != NULL);

  for (int c = 0; c < NN_EVAL_CLASSES; c++)
    {
      NnClassScores *s = &out[c];
      memset (s, 0, sizeof *s);
      for (int k = 0; k < NN_EVAL_CLASSES; k++)
        {
          s->support += cm->counts[c][k];
          s->predicted += cm->counts[k][c];
        }
      s->correct = cm->counts[c][c];
      s->precision = s->predicted > 0 ? (double) s->correct / s->predicted : 0.0;
      s->recall = s->support > 0 ? (double) s->correct / s->support : 0.0;
      s->f1 = s->precision + s->recall > 0
                ? 2.0 * s->precision * s->recall / (s->precision + s->recall)
                : 0.0;
    }
}

double
nn_confusion_macro_f1 (const NnConfusion *cm)
{
  NnClassScores s[NN_EVAL_CLASSES];
  double sum = 0.0;
  int present = 0;

  g_return_val_if_fail (cm != NULL, 0.0);
  nn_confusion_scores (cm, s);
  for (int c = 0; c < NN_EVAL_CLASSES; c++)
    if (s[c].support > 0)
      {
        sum += s[c].f1;
        present++;
      }
  return present > 0 ? sum / present : 0.0;
}

char *
nn_confusion_to_csv (const NnConfusion *cm)
{
  NnClassScores s[NN_EVAL_CLASSES];
  char p[G_ASCII_DTOSTR_BUF_SIZE], r[G_ASCII_DTOSTR_BUF_SIZE], f[G_ASCII_DTOSTR_BUF_SIZE];
  GString *csv;

  g_return_val_if_fail (cm != NULL, NULL);
  nn_confusion_scores (cm, s);
  csv = g_string_new ("label");
  for (int k = 0; k < NN_EVAL_CLASSES; k++)
    g_string_append_printf (csv, ",pred_%d", k);
  g_string_append (csv, ",support,precision,recall,f1\n");
  for (int t = 0; t < NN_EVAL_CLASSES; t++)
    {
      g_string_append_printf (csv, "%d", t);
      for (int k = 0; k < NN_EVAL_CLASSES; k++)
        g_string_append_printf (csv, ",%u", cm->counts[t][k]);
      g_string_append_printf (csv, ",%d,%s,%s,%s\n", s[t].support,
                              g_ascii_formatd (p, sizeof p, "%.6f", s[t].precision),
                              g_ascii_formatd (r, sizeof r, "%.6f", s[t].recall),
                              g_ascii_formatd (f, sizeof f, "%.6f", s[t].f1));
    }
  g_string_append (csv, "all");
  for (int k = 0; k < NN_EVAL_CLASSES; k++)
    g_string_append_printf (csv, ",%d", s[k].predicted);
  g_string_append_printf (csv, ",%" G_GINT64_FORMAT ",,%s,\n", nn_confusion_total (cm),
                          g_ascii_formatd (p, sizeof p, "%.6f", nn_confusion_accuracy (cm)));
  return g_string_free (csv, FALSE);
}

/* Ties go to the lower class, as numpy's argmax does. */
static int
argmax10 (const float *p)
{
  int best = 0;

  for (int k = 1; k < NN_EVAL_CLASSES; k++)
    if (p[k] > p[best])
      best = k;
  return best;
}

static NnEvalResult *
eval_result_alloc (int n)
{
  NnEvalResult *r = g_new0 (NnEvalResult, 1);

  r->n = n;
  r->labels = g_new0 (guint8, MAX (n, 1));
  r->preds = g_new0 (guint8, MAX (n, 1));
  r->probs = g_new0 (float, (size_t) MAX (n, 1) * NN_EVAL_CLASSES);
  return r;
}

/* Fills preds and the confusion matrix from labels and probs. */
static void
eval_result_tally (NnEvalResult *r)
{
  nn_confusion_clear (&r->confusion);
  for (int i = 0; i < r->n; i++)
    {
      r->preds[i] = (guint8) argmax10 (r->probs + (size_t) i * NN_EVAL_CLASSES);
      nn_confusion_add (&r->confusion, r->labels[i], r->preds[i]);
    }
}

NnEvalResult *
nn_eval_result_new (int n, const guint8 *labels, const float *probs)
{
  NnEvalResult *r;

  g_return_val_if_fail (n >= 0, NULL);
  g_return_val_if_fail (n == 0 || (labels != NULL && probs != NULL), NULL);
  for (int i = 0; i < n; i++)
    g_return_val_if_fail (labels[i] < NN_EVAL_CLASSES, NULL);

  r = eval_result_alloc (n);
  if (n > 0)
    {
      memcpy (r->labels, labels, (size_t) n);
      memcpy (r->probs, probs, (size_t) n * NN_EVAL_CLASSES * sizeof (float));
    }
  eval_result_tally (r);
  return r;
}

void
nn_eval_result_free (NnEvalResult *r)
{
  if (r == NULL)
    return;
  g_free (r->labels);
  g_free (r->preds);
  g_free (r->probs);
  g_free (r);
}

static int
compare_confidence_desc (gconstpointer a, gconstpointer b)
{
  const NnMisclassified *x = a, *y = b;

  if (x->confidence != y->confidence)
    return x->confidence > y->confidence ? -1 : 1;
  return x->index - y->index;
}

NnMisclassified *
nn_eval_result_misclassified (const NnEvalResult *r, int label, int pred, int *n_out)
{
  GArray *list;

  g_return_val_if_fail (r != NULL && n_out != NULL, NULL);
  *n_out = 0;
  list = g_array_new (FALSE, FALSE, sizeof (NnMisclassified));
  for (int i = 0; i < r->n; i++)
    {
      NnMisclassified m;

      if (r->preds[i] == r->labels[i])
        continue;
      if ((label >= 0 && r->labels[i] != label) || (pred >= 0 && r->preds[i] != pred))
        continue;
      m.index = i;
      m.label = r->labels[i];
      m.pred = r->preds[i];
      m.confidence = r->probs[(size_t) i * NN_EVAL_CLASSES + m.pred];
      g_array_append_val (list, m);
    }
  if (list->len == 0)
    {
      g_array_free (list, TRUE);
      return NULL;
    }
  g_array_sort (list, compare_confidence_desc);
  *n_out = (int) list->len;
  return (NnMisclassified *) g_array_free (list, FALSE);
}

gboolean
nn_eval_result_write_csv (const NnEvalResult *r, const char *path, GError **error)
{
  g_autoptr (GString) csv = NULL;
  g_autoptr (GError) local = NULL;
  char num[G_ASCII_DTOSTR_BUF_SIZE];

  g_return_val_if_fail (r != NULL, FALSE);
  g_return_val_if_fail (path != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  csv = g_string_sized_new ((gsize) r->n * 120 + 64);
  g_string_append (csv, "index,label,pred");
  for (int k = 0; k < NN_EVAL_CLASSES; k++)
    g_string_append_printf (csv, ",p%d", k);
  g_string_append_c (csv, '\n');
  for (int i = 0; i < r->n; i++)
    {
      const float *p = r->probs + (size_t) i * NN_EVAL_CLASSES;
      g_string_append_printf (csv, "%d,%d,%d", i, r->labels[i], r->preds[i]);
      for (int k = 0; k < NN_EVAL_CLASSES; k++)
        {
          /* g_ascii_formatd: a '.' decimal point whatever the user's locale. */
          g_string_append_c (csv, ',');
          g_string_append (csv, g_ascii_formatd (num, sizeof num, "%.6g", p[k]));
        }
      g_string_append_c (csv, '\n');
    }
  /* g_file_set_contents writes a temporary file in the same folder and renames it. */
  if (!g_file_set_contents (path, csv->str, (gssize) csv->len, &local))
    {
      g_set_error (error, NN_ERROR, NN_ERROR_IO, "%s: cannot write the predictions: %s", path,
                   local->message);
      return FALSE;
    }
  return TRUE;
}
