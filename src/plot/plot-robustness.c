/* plot-robustness.c: the sweep as accuracy-against-severity lines. */
#include "plot-robustness.h"

#include <math.h>

/* "σ 0.05, 0.1, 0.2, 0.3", "10, 15, 20°", "2, 3 px"; *n_levels gets their number. */
static char *
severities (const NnRobustnessResult *r, NnPerturbKind kind, int *n_levels)
{
  GString *s = g_string_new (NULL);
  const char *unit = nn_perturb_kind_unit (kind);
  gboolean prefix = kind == NN_PERTURB_NOISE || kind == NN_PERTURB_BLUR
                    || kind == NN_PERTURB_THICKEN;
  int n = 0;

  for (int i = 0; i < r->n_rows; i++)
    {
      if (r->rows[i].perturbation.kind != kind)
        continue;
      if (n == 0 && prefix)
        g_string_append_printf (s, "%s ", unit);
      else if (n > 0)
        g_string_append (s, ", ");
      g_string_append_printf (s, "%g", r->rows[i].perturbation.severity);
      n++;
    }
  if (!prefix && n > 0)
    g_string_append_printf (s, kind == NN_PERTURB_ROTATION ? "%s" : " %s", unit);
  *n_levels = n;
  return g_string_free (s, FALSE);
}

/* "noise, levels 1–4": the legend speaks of levels, as the axis does; what each
 * level is comes from plot_robustness_describe_levels. */
static char *
legend_name (const NnRobustnessResult *r, NnPerturbKind kind)
{
  int n = 0;
  g_autofree char *values = severities (r, kind, &n);

  if (n <= 1)
    return g_strdup_printf ("%s, level 1", nn_perturb_kind_name (kind));
  return g_strdup_printf ("%s, levels 1–%d", nn_perturb_kind_name (kind), n);
}

char *
plot_robustness_describe_levels (const NnRobustnessResult *r)
{
  GString *s = g_string_new (NULL);

  g_return_val_if_fail (r != NULL, NULL);
  for (NnPerturbKind kind = NN_PERTURB_NOISE; kind < NN_PERTURB_N_KINDS; kind++)
    {
      int n = 0;
      g_autofree char *values = severities (r, kind, &n);

      if (n == 0)
        continue;
      if (s->len)
        g_string_append_c (s, '\n');
      if (n == 1)
        g_string_append_printf (s, "%s, level 1: %s", nn_perturb_kind_name (kind), values);
      else
        g_string_append_printf (s, "%s, levels 1–%d: %s", nn_perturb_kind_name (kind), n, values);
    }
  return g_string_free (s, FALSE);
}

PlotLineChart *
plot_robustness_chart_new (const NnRobustnessResult *const *results, const char *const *names,
                           int n_results, const char *subtitle)
{
  PlotLineChart *chart;
  double lowest = 1.0;
  int max_level = 0;

  g_return_val_if_fail (results != NULL && results[0] != NULL, NULL);
  g_return_val_if_fail (n_results >= 1 && n_results <= PLOT_ROBUSTNESS_MAX_MODELS, NULL);

  chart = plot_line_chart_new ();
  plot_line_chart_set_title (chart, "Accuracy under perturbation", subtitle);
  plot_line_chart_set_axis_labels (chart, "severity level", "test accuracy");
  plot_line_chart_set_y_format (chart, PLOT_FORMAT_PERCENT);
  plot_line_chart_set_legend (chart, PLOT_LEGEND_RIGHT);

  for (int m = 0; m < n_results; m++)
    {
      const NnRobustnessResult *r = results[m];
      const NnRobustnessRow *clean = nn_robustness_result_find (r, NN_PERTURB_CLEAN, 0);

      for (NnPerturbKind kind = NN_PERTURB_NOISE; kind < NN_PERTURB_N_KINDS; kind++)
        {
          g_autofree char *name = NULL;
          int series = -1, level = 0;

          for (int i = 0; i < r->n_rows; i++)
            {
              const NnRobustnessRow *row = &r->rows[i];
              if (row->perturbation.kind != kind)
                continue;
              if (series < 0)
                {
                  name = m == 0 ? legend_name (r, kind) : NULL;
                  series = plot_line_chart_add_series (
                      chart, name, kind - NN_PERTURB_NOISE,
                      PLOT_SERIES_MARKERS | (m > 0 ? PLOT_SERIES_DASHED : 0));
                  if (clean != NULL)
                    plot_line_chart_append (chart, series, 0, clean->accuracy);
                }
              plot_line_chart_append (chart, series, ++level, row->accuracy);
              lowest = MIN (lowest, row->accuracy);
            }
          max_level = MAX (max_level, level);
        }
      if (clean != NULL)
        lowest = MIN (lowest, clean->accuracy);
    }

  {
    double values[8];
    char labels_buf[8][8];
    const char *labels[8];
    int n = MIN (max_level + 1, 8);

    for (int i = 0; i < n; i++)
      {
        values[i] = i;
        g_snprintf (labels_buf[i], sizeof labels_buf[i], "%d", i);
        labels[i] = i == 0 ? "clean" : labels_buf[i];
      }
    plot_line_chart_set_x_ticks (chart, values, labels, n);
    plot_line_chart_set_x_range (chart, -0.25, MAX (max_level, 1) + 0.25);
  }
  /* From a round 5% below the worst row to 100%: differences between good
   * models stay visible, and a collapse still fits. */
  {
    double lo = floor (lowest * 20.0) / 20.0;
    if (lowest - lo < 0.01)
      lo -= 0.05;
    plot_line_chart_set_y_range (chart, MAX (lo, 0.0), 1.0);
  }
  if (n_results > 1)
    for (int m = 0; m < n_results; m++)
      {
        g_autofree char *key = g_strdup_printf ("%s: %s", m == 0 ? "solid" : "dashed",
                                                names != NULL && names[m] != NULL ? names[m]
                                                                                  : "model");
        plot_line_chart_add_style_key (chart, key, m > 0);
      }
  return chart;
}

gboolean
plot_robustness_write_png (const NnRobustnessResult *const *results, const char *const *names,
                           int n_results, const char *subtitle, int width, int height,
                           const char *path, GError **error)
{
  g_autoptr (PlotLineChart) chart = NULL;

  g_return_val_if_fail (path != NULL, FALSE);
  chart = plot_robustness_chart_new (results, names, n_results, subtitle);
  g_return_val_if_fail (chart != NULL, FALSE);
  if (width <= 0 || height <= 0)
    {
      width = 900;
      height = 560;
    }
  return plot_line_chart_write_png (chart, width, height, path, error);
}
