/* nn-robustness.c: robustness sweep results: lookups, JSON and CSV (the sweep
 * itself runs in nn-evaluate.c). */
#include "nn-robustness.h"

#include <string.h>

#include "nn-error.h"

void
nn_robustness_result_free (NnRobustnessResult *result)
{
  if (result == NULL)
    return;
  g_free (result->rows);
  g_free (result);
}

NnRobustnessResult *
nn_robustness_result_copy (const NnRobustnessResult *result)
{
  g_return_val_if_fail (result != NULL, NULL);
  NnRobustnessResult *copy = g_memdup2 (result, sizeof *result);
  copy->rows = g_memdup2 (result->rows, (gsize) result->n_rows * sizeof *result->rows);
  return copy;
}

const NnRobustnessRow *
nn_robustness_result_find (const NnRobustnessResult *result, NnPerturbKind kind, double severity)
{
  g_return_val_if_fail (result != NULL, NULL);
  for (int i = 0; i < result->n_rows; i++)
    {
      const NnRobustnessRow *row = &result->rows[i];
      if (row->perturbation.kind == kind
          && (kind == NN_PERTURB_CLEAN || ABS (row->perturbation.severity - severity) < 1e-9))
        return row;
    }
  return NULL;
}

const NnRobustnessRow *
nn_robustness_result_worst (const NnRobustnessResult *result)
{
  const NnRobustnessRow *worst = NULL;

  g_return_val_if_fail (result != NULL, NULL);
  for (int i = 0; i < result->n_rows; i++)
    if (worst == NULL || result->rows[i].accuracy < worst->accuracy)
      worst = &result->rows[i];
  return worst;
}

static void
append_json_string (GString *s, const char *text)
{
  g_string_append_c (s, '"');
  for (const char *c = text; *c != '\0'; c++)
    {
      if (*c == '"' || *c == '\\')
        g_string_append_printf (s, "\\%c", *c);
      else if ((guchar) *c < 0x20)
        g_string_append_printf (s, "\\u%04x", (guchar) *c);
      else
        g_string_append_c (s, *c);
    }
  g_string_append_c (s, '"');
}

char *
nn_robustness_result_to_json (const NnRobustnessResult *result, const char *model_name)
{
  GString *s;
  char num[G_ASCII_DTOSTR_BUF_SIZE];

  g_return_val_if_fail (result != NULL, NULL);
  s = g_string_new ("{");
  if (model_name != NULL)
    {
      g_string_append (s, "\"model\": ");
      append_json_string (s, model_name);
      g_string_append (s, ", ");
    }
  g_string_append_printf (s, "\"images\": %d, \"seed\": %" G_GUINT64_FORMAT ", \"rows\": [",
                          result->n_images, result->seed);
  for (int i = 0; i < result->n_rows; i++)
    {
      const NnRobustnessRow *row = &result->rows[i];
      g_autofree char *label = nn_perturbation_describe (&row->perturbation);

      g_string_append (s, i > 0 ? ",\n  " : "\n  ");
      g_string_append (s, "{\"perturbation\": ");
      append_json_string (s, nn_perturb_kind_name (row->perturbation.kind));
      g_string_append_printf (s, ", \"severity\": %s",
                              g_ascii_formatd (num, sizeof num, "%g", row->perturbation.severity));
      g_string_append (s, ", \"label\": ");
      append_json_string (s, label);
      g_string_append_printf (s, ", \"correct\": %d, \"n\": %d, \"accuracy\": %s}", row->correct,
                              row->n, g_ascii_formatd (num, sizeof num, "%.6f", row->accuracy));
    }
  g_string_append (s, "\n]}");
  return g_string_free (s, FALSE);
}

char *
nn_robustness_result_to_csv (const NnRobustnessResult *result)
{
  GString *s;
  char sev[G_ASCII_DTOSTR_BUF_SIZE], acc[G_ASCII_DTOSTR_BUF_SIZE];

  g_return_val_if_fail (result != NULL, NULL);
  s = g_string_new ("perturbation,severity,label,correct,n,accuracy\n");
  for (int i = 0; i < result->n_rows; i++)
    {
      const NnRobustnessRow *row = &result->rows[i];
      g_autofree char *label = nn_perturbation_describe (&row->perturbation);

      g_string_append_printf (s, "%s,%s,\"%s\",%d,%d,%s\n",
                              nn_perturb_kind_name (row->perturbation.kind),
                              g_ascii_formatd (sev, sizeof sev, "%g", row->perturbation.severity),
                              label, row->correct, row->n,
                              g_ascii_formatd (acc, sizeof acc, "%.6f", row->accuracy));
    }
  return g_string_free (s, FALSE);
}
