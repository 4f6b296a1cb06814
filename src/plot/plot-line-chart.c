/* plot-line-chart.c: axes, ticks, legend and series. */
#include "plot-line-chart.h"

#include <math.h>
#include <string.h>

#define MAX_TICKS 32

typedef struct {
  char *name;
  int color;
  PlotSeriesFlags flags;
  GArray *x, *y; /* double */
} Series;

typedef struct {
  char *text;
  gboolean dashed;
} StyleKey;

struct _PlotLineChart {
  char *title, *subtitle, *x_label, *y_label;
  double x_min, x_max, y_min, y_max; /* NAN: automatic */
  PlotNumberFormat y_format;
  gboolean log_y;
  GArray *x_tick_values;  /* double; empty for numeric ticks */
  GPtrArray *x_tick_labels;
  PlotLegendPosition legend;
  const PlotTheme *theme;
  GPtrArray *series;      /* Series* */
  GPtrArray *style_keys;  /* StyleKey* */
};

/* Everything that depends on the size, the data and the text metrics. */
typedef struct {
  double px, py, pw, ph;       /* the plot area */
  double x0, x1, y0, y1;       /* data range shown (y in log10 when log_y) */
  double xt[MAX_TICKS], yt[MAX_TICKS];
  int nxt, nyt;
  double x_step, y_step;
  double title_size, label_size, tick_size;
  double legend_x, legend_y, legend_w, legend_h;
} Layout;

static void
series_free (gpointer p)
{
  Series *s = p;
  g_free (s->name);
  g_array_unref (s->x);
  g_array_unref (s->y);
  g_free (s);
}

static void
style_key_free (gpointer p)
{
  StyleKey *k = p;
  g_free (k->text);
  g_free (k);
}

PlotLineChart *
plot_line_chart_new (void)
{
  PlotLineChart *c = g_new0 (PlotLineChart, 1);

  c->x_min = c->x_max = c->y_min = c->y_max = NAN;
  c->x_tick_values = g_array_new (FALSE, FALSE, sizeof (double));
  c->x_tick_labels = g_ptr_array_new_with_free_func (g_free);
  c->series = g_ptr_array_new_with_free_func (series_free);
  c->style_keys = g_ptr_array_new_with_free_func (style_key_free);
  c->legend = PLOT_LEGEND_INSIDE;
  c->theme = plot_theme_light ();
  return c;
}

void
plot_line_chart_free (PlotLineChart *c)
{
  if (c == NULL)
    return;
  g_free (c->title);
  g_free (c->subtitle);
  g_free (c->x_label);
  g_free (c->y_label);
  g_array_unref (c->x_tick_values);
  g_ptr_array_unref (c->x_tick_labels);
  g_ptr_array_unref (c->series);
  g_ptr_array_unref (c->style_keys);
  g_free (c);
}

void
plot_line_chart_set_title (PlotLineChart *c, const char *title, const char *subtitle)
{
  g_return_if_fail (c != NULL);
  g_free (c->title);
  g_free (c->subtitle);
  c->title = g_strdup (title);
  c->subtitle = g_strdup (subtitle);
}

void
plot_line_chart_set_axis_labels (PlotLineChart *c, const char *x_label, const char *y_label)
{
  g_return_if_fail (c != NULL);
  g_free (c->x_label);
  g_free (c->y_label);
  c->x_label = g_strdup (x_label);
  c->y_label = g_strdup (y_label);
}

void
plot_line_chart_set_x_range (PlotLineChart *c, double min, double max)
{
  g_return_if_fail (c != NULL);
  c->x_min = min;
  c->x_max = max;
}

void
plot_line_chart_set_y_range (PlotLineChart *c, double min, double max)
{
  g_return_if_fail (c != NULL);
  c->y_min = min;
  c->y_max = max;
}

void
plot_line_chart_set_y_format (PlotLineChart *c, PlotNumberFormat format)
{
  g_return_if_fail (c != NULL);
  c->y_format = format;
}

void
plot_line_chart_set_log_y (PlotLineChart *c, gboolean log_y)
{
  g_return_if_fail (c != NULL);
  c->log_y = log_y;
}

void
plot_line_chart_set_x_ticks (PlotLineChart *c, const double *values, const char *const *labels,
                             int n)
{
  g_return_if_fail (c != NULL);
  g_array_set_size (c->x_tick_values, 0);
  g_ptr_array_set_size (c->x_tick_labels, 0);
  for (int i = 0; i < n && i < MAX_TICKS; i++)
    {
      g_array_append_val (c->x_tick_values, values[i]);
      g_ptr_array_add (c->x_tick_labels, g_strdup (labels[i]));
    }
}

void
plot_line_chart_set_legend (PlotLineChart *c, PlotLegendPosition position)
{
  g_return_if_fail (c != NULL);
  c->legend = position;
}

void
plot_line_chart_set_theme (PlotLineChart *c, const PlotTheme *theme)
{
  g_return_if_fail (c != NULL);
  c->theme = theme != NULL ? theme : plot_theme_light ();
}

int
plot_line_chart_add_series (PlotLineChart *c, const char *name, int color, PlotSeriesFlags flags)
{
  Series *s;

  g_return_val_if_fail (c != NULL, -1);
  s = g_new0 (Series, 1);
  s->name = g_strdup (name);
  s->color = color;
  s->flags = flags;
  s->x = g_array_new (FALSE, FALSE, sizeof (double));
  s->y = g_array_new (FALSE, FALSE, sizeof (double));
  g_ptr_array_add (c->series, s);
  return (int) c->series->len - 1;
}

static Series *
get_series (const PlotLineChart *c, int i)
{
  g_return_val_if_fail (c != NULL, NULL);
  g_return_val_if_fail (i >= 0 && (guint) i < c->series->len, NULL);
  return g_ptr_array_index (c->series, i);
}

void
plot_line_chart_append (PlotLineChart *c, int series, double x, double y)
{
  Series *s = get_series (c, series);

  if (s == NULL)
    return;
  g_array_append_val (s->x, x);
  g_array_append_val (s->y, y);
}

void
plot_line_chart_set_data (PlotLineChart *c, int series, const double *x, const double *y, int n)
{
  Series *s = get_series (c, series);

  if (s == NULL)
    return;
  g_array_set_size (s->x, 0);
  g_array_set_size (s->y, 0);
  g_array_append_vals (s->x, x, n);
  g_array_append_vals (s->y, y, n);
}

void
plot_line_chart_clear_data (PlotLineChart *c)
{
  g_return_if_fail (c != NULL);
  for (guint i = 0; i < c->series->len; i++)
    {
      Series *s = g_ptr_array_index (c->series, i);
      g_array_set_size (s->x, 0);
      g_array_set_size (s->y, 0);
    }
}

int
plot_line_chart_n_series (const PlotLineChart *c)
{
  g_return_val_if_fail (c != NULL, 0);
  return (int) c->series->len;
}

int
plot_line_chart_series_length (const PlotLineChart *c, int series)
{
  Series *s = get_series (c, series);
  return s != NULL ? (int) s->x->len : 0;
}

void
plot_line_chart_add_style_key (PlotLineChart *c, const char *text, gboolean dashed)
{
  StyleKey *k;

  g_return_if_fail (c != NULL && text != NULL);
  k = g_new0 (StyleKey, 1);
  k->text = g_strdup (text);
  k->dashed = dashed;
  g_ptr_array_add (c->style_keys, k);
}

/* ---- layout ------------------------------------------------------------------- */

static inline double
y_value (const PlotLineChart *c, double y)
{
  return c->log_y ? log10 (y) : y;
}

static inline gboolean
point_ok (const PlotLineChart *c, double x, double y)
{
  return isfinite (x) && isfinite (y) && (!c->log_y || y > 0);
}

static void
format_tick (char *buf, size_t len, double v, double step, PlotNumberFormat format, gboolean log)
{
  int decimals;

  if (log)
    {
      g_snprintf (buf, len, "%g", pow (10.0, v));
      return;
    }
  if (format == PLOT_FORMAT_PERCENT)
    {
      v *= 100.0;
      step *= 100.0;
    }
  decimals = step > 0 ? MAX (0, (int) ceil (-log10 (step) - 1e-9)) : 0;
  if (fabs (v) >= 1e5 || (fabs (v) < 1e-4 && v != 0))
    g_snprintf (buf, len, "%.1e", v);
  else
    g_snprintf (buf, len, "%.*f%s", MIN (decimals, 6), v, format == PLOT_FORMAT_PERCENT ? "%" : "");
}

static void
data_range (const PlotLineChart *c, double *x0, double *x1, double *y0, double *y1)
{
  double xmin = INFINITY, xmax = -INFINITY, ymin = INFINITY, ymax = -INFINITY;

  for (guint i = 0; i < c->series->len; i++)
    {
      Series *s = g_ptr_array_index (c->series, i);
      for (guint j = 0; j < s->x->len; j++)
        {
          double x = g_array_index (s->x, double, j), y = g_array_index (s->y, double, j);
          if (!point_ok (c, x, y))
            continue;
          y = y_value (c, y);
          xmin = MIN (xmin, x);
          xmax = MAX (xmax, x);
          ymin = MIN (ymin, y);
          ymax = MAX (ymax, y);
        }
    }
  if (xmin > xmax)
    xmin = 0, xmax = 1;
  if (ymin > ymax)
    ymin = c->log_y ? -1 : 0, ymax = c->log_y ? 0 : 1;
  if (!isnan (c->x_min))
    xmin = c->x_min;
  if (!isnan (c->x_max))
    xmax = c->x_max;
  /* Automatic y ends get 5% of air so lines do not run along the frame. */
  {
    double pad = (ymax - ymin) * 0.05;
    if (pad == 0)
      pad = c->log_y ? 0.5 : MAX (fabs (ymax) * 0.05, 0.5);
    if (isnan (c->y_min))
      ymin -= pad;
    else
      ymin = y_value (c, c->y_min);
    if (isnan (c->y_max))
      ymax += pad;
    else
      ymax = y_value (c, c->y_max);
  }
  if (xmax <= xmin)
    xmax = xmin + 1;
  if (ymax <= ymin)
    ymax = ymin + 1;
  *x0 = xmin, *x1 = xmax, *y0 = ymin, *y1 = ymax;
}

static int
log_ticks (double lo, double hi, double *ticks, int max)
{
  int n = 0;

  for (double e = ceil (lo - 1e-9); e <= hi + 1e-9 && n < max; e++)
    ticks[n++] = e;
  if (n < 2) /* within one decade: add 2x and 5x */
    {
      n = 0;
      for (double e = floor (lo); e <= ceil (hi) && n < max; e++)
        for (int m = 0; m < 3 && n < max; m++)
          {
            double v = e + log10 ((double[]) { 1, 2, 5 }[m]);
            if (v >= lo - 1e-9 && v <= hi + 1e-9)
              ticks[n++] = v;
          }
    }
  return n;
}

static double
legend_entry_width (cairo_t *cr, const char *text, double size)
{
  return 28 + 6 + plot_text_width (cr, text, size, FALSE);
}

static int
legend_entries (const PlotLineChart *c)
{
  int n = (int) c->style_keys->len;
  for (guint i = 0; i < c->series->len; i++)
    if (((Series *) g_ptr_array_index (c->series, i))->name != NULL)
      n++;
  return n;
}

static double to_px (const Layout *l, double x);
static double to_py (const Layout *l, double y);

/* Inside the plot area, the legend goes to the corner that hides the fewest
 * data points: top right for a falling loss, bottom right for a rising accuracy. */
static void
place_legend_inside (const PlotLineChart *c, Layout *l)
{
  const double corners[4][2] = {
    { l->px + l->pw - l->legend_w - 8, l->py + 8 },
    { l->px + l->pw - l->legend_w - 8, l->py + l->ph - l->legend_h - 8 },
    { l->px + 8, l->py + 8 },
    { l->px + 8, l->py + l->ph - l->legend_h - 8 },
  };
  int best = 0, best_hidden = G_MAXINT;

  for (int k = 0; k < 4; k++)
    {
      int hidden = 0;
      for (guint i = 0; i < c->series->len; i++)
        {
          Series *s = g_ptr_array_index (c->series, i);
          /* A long series is sampled: a few hundred points tell enough. */
          guint step = MAX (1u, s->x->len / 256);
          for (guint j = 0; j < s->x->len; j += step)
            {
              double x = g_array_index (s->x, double, j), y = g_array_index (s->y, double, j);
              double px, py;
              if (!point_ok (c, x, y))
                continue;
              px = to_px (l, x);
              py = to_py (l, y_value (c, y));
              hidden += px >= corners[k][0] - 4 && px <= corners[k][0] + l->legend_w + 4
                        && py >= corners[k][1] - 4 && py <= corners[k][1] + l->legend_h + 4;
            }
        }
      if (hidden < best_hidden)
        {
          best = k;
          best_hidden = hidden;
        }
    }
  l->legend_x = corners[best][0];
  l->legend_y = corners[best][1];
}

static void
layout_compute (PlotLineChart *c, cairo_t *cr, double width, double height, Layout *l)
{
  double top, left, right, bottom, max_label = 0;
  char buf[64];
  int n_legend = c->legend == PLOT_LEGEND_NONE ? 0 : legend_entries (c);

  l->title_size = CLAMP (width / 42.0, 12, 18);
  l->label_size = CLAMP (width / 62.0, 10, 13);
  l->tick_size = l->label_size * 0.92;

  top = 14;
  if (c->title != NULL)
    top += l->title_size * 1.5;
  if (c->subtitle != NULL)
    top += l->label_size * 1.5;
  top += 10;
  bottom = 14 + l->tick_size * 1.8 + (c->x_label != NULL ? l->label_size * 1.8 : 0);

  /* The legend's size, to reserve a column for it on the right. */
  l->legend_w = l->legend_h = 0;
  if (n_legend > 0)
    {
      for (guint i = 0; i < c->series->len; i++)
        {
          Series *s = g_ptr_array_index (c->series, i);
          if (s->name != NULL)
            l->legend_w = MAX (l->legend_w, legend_entry_width (cr, s->name, l->label_size));
        }
      for (guint i = 0; i < c->style_keys->len; i++)
        {
          StyleKey *k = g_ptr_array_index (c->style_keys, i);
          l->legend_w = MAX (l->legend_w, legend_entry_width (cr, k->text, l->label_size));
        }
      l->legend_w += 20;
      l->legend_h = n_legend * l->label_size * 1.7 + 12
                    + (c->style_keys->len > 0 && c->style_keys->len < (guint) n_legend ? 6 : 0);
    }
  right = 18 + (c->legend == PLOT_LEGEND_RIGHT && n_legend > 0 ? l->legend_w + 10 : 0);

  data_range (c, &l->x0, &l->x1, &l->y0, &l->y1);
  l->ph = MAX (height - top - bottom, 20.0);
  if (c->log_y)
    {
      l->nyt = log_ticks (l->y0, l->y1, l->yt, MAX_TICKS);
      l->y_step = 1;
    }
  else
    l->nyt = plot_nice_ticks (l->y0, l->y1, MAX (2, (int) (l->ph / 55)), l->yt, MAX_TICKS,
                              &l->y_step);
  for (int i = 0; i < l->nyt; i++)
    {
      format_tick (buf, sizeof buf, l->yt[i], l->y_step, c->y_format, c->log_y);
      max_label = MAX (max_label, plot_text_width (cr, buf, l->tick_size, FALSE));
    }
  left = 14 + (c->y_label != NULL ? l->label_size * 1.9 : 0) + max_label + 8;
  l->px = left;
  l->py = top;
  l->pw = MAX (width - left - right, 20.0);

  if (c->x_tick_values->len > 0)
    {
      l->nxt = (int) c->x_tick_values->len;
      memcpy (l->xt, c->x_tick_values->data, l->nxt * sizeof (double));
      l->x_step = 1;
    }
  else
    l->nxt = plot_nice_ticks (l->x0, l->x1, MAX (2, (int) (l->pw / 90)), l->xt, MAX_TICKS,
                              &l->x_step);

  if (c->legend == PLOT_LEGEND_RIGHT)
    {
      l->legend_x = l->px + l->pw + 14;
      l->legend_y = l->py;
    }
  else
    place_legend_inside (c, l);
}

static double
to_px (const Layout *l, double x)
{
  return l->px + (x - l->x0) / (l->x1 - l->x0) * l->pw;
}

static double
to_py (const Layout *l, double y)
{
  return l->py + l->ph - (y - l->y0) / (l->y1 - l->y0) * l->ph;
}

/* ---- drawing ------------------------------------------------------------------ */

static void
draw_frame (PlotLineChart *c, cairo_t *cr, const Layout *l, double width)
{
  const PlotTheme *t = c->theme;
  char buf[64];
  double y;

  y = 14;
  if (c->title != NULL)
    {
      plot_set_rgb (cr, t->text);
      plot_text (cr, c->title, plot_text_fit (cr, c->title, l->title_size, TRUE, width - 28),
                 TRUE, width / 2, y, PLOT_ALIGN_CENTER, PLOT_ALIGN_START);
      y += l->title_size * 1.5;
    }
  if (c->subtitle != NULL)
    {
      plot_set_rgb (cr, t->muted);
      plot_text (cr, c->subtitle, plot_text_fit (cr, c->subtitle, l->label_size, FALSE, width - 28),
                 FALSE, width / 2, y, PLOT_ALIGN_CENTER, PLOT_ALIGN_START);
    }

  /* Grid: horizontal lines at the y ticks, faint verticals at the x ticks. */
  cairo_set_line_width (cr, 1.0);
  plot_set_rgb (cr, t->grid);
  for (int i = 0; i < l->nyt; i++)
    {
      double py = round (to_py (l, l->yt[i])) + 0.5;
      cairo_move_to (cr, l->px, py);
      cairo_line_to (cr, l->px + l->pw, py);
    }
  cairo_stroke (cr);
  plot_set_rgba (cr, t->grid, 0.6);
  for (int i = 0; i < l->nxt; i++)
    {
      double px;
      if (l->xt[i] < l->x0 - 1e-9 || l->xt[i] > l->x1 + 1e-9)
        continue;
      px = round (to_px (l, l->xt[i])) + 0.5;
      cairo_move_to (cr, px, l->py);
      cairo_line_to (cr, px, l->py + l->ph);
    }
  cairo_stroke (cr);

  /* Axes: left and bottom only. */
  plot_set_rgb (cr, t->axis);
  cairo_move_to (cr, round (l->px) + 0.5, l->py);
  cairo_line_to (cr, round (l->px) + 0.5, l->py + l->ph);
  cairo_line_to (cr, l->px + l->pw, round (l->py + l->ph) + 0.5);
  cairo_stroke (cr);

  plot_set_rgb (cr, t->muted);
  for (int i = 0; i < l->nyt; i++)
    {
      format_tick (buf, sizeof buf, l->yt[i], l->y_step, c->y_format, c->log_y);
      plot_text (cr, buf, l->tick_size, FALSE, l->px - 7, to_py (l, l->yt[i]), PLOT_ALIGN_END,
                 PLOT_ALIGN_CENTER);
    }
  for (int i = 0; i < l->nxt; i++)
    {
      const char *label = buf;
      if (l->xt[i] < l->x0 - 1e-9 || l->xt[i] > l->x1 + 1e-9)
        continue;
      if (c->x_tick_values->len > 0)
        label = g_ptr_array_index (c->x_tick_labels, i);
      else
        format_tick (buf, sizeof buf, l->xt[i], l->x_step, PLOT_FORMAT_NUMBER, FALSE);
      plot_text (cr, label, l->tick_size, FALSE, to_px (l, l->xt[i]), l->py + l->ph + 7,
                 PLOT_ALIGN_CENTER, PLOT_ALIGN_START);
    }
  plot_set_rgb (cr, t->text);
  if (c->x_label != NULL)
    plot_text (cr, c->x_label, l->label_size, FALSE, l->px + l->pw / 2,
               l->py + l->ph + 7 + l->tick_size * 1.8, PLOT_ALIGN_CENTER, PLOT_ALIGN_START);
  if (c->y_label != NULL)
    plot_text_vertical (cr, c->y_label, l->label_size, FALSE, 14 + l->label_size * 0.6,
                        l->py + l->ph / 2);
}

static void
set_series_style (cairo_t *cr, const Series *s, double alpha_scale)
{
  static const double dash[] = { 7.0, 4.0 };
  PlotRgb color = plot_palette_color (s->color);

  if (s->flags & PLOT_SERIES_FAINT)
    {
      cairo_set_line_width (cr, 1.0);
      plot_set_rgba (cr, color, 0.30 * alpha_scale);
    }
  else
    {
      cairo_set_line_width (cr, 2.2);
      plot_set_rgba (cr, color, alpha_scale);
    }
  cairo_set_dash (cr, dash, (s->flags & PLOT_SERIES_DASHED) ? 2 : 0, 0);
}

static void
draw_marker (cairo_t *cr, const PlotTheme *t, PlotRgb color, double x, double y, gboolean hollow)
{
  cairo_new_sub_path (cr);
  cairo_arc (cr, x, y, 3.6, 0, 2 * G_PI);
  plot_set_rgb (cr, hollow ? t->background : color);
  cairo_fill_preserve (cr);
  plot_set_rgb (cr, color);
  cairo_set_line_width (cr, 1.6);
  cairo_stroke (cr);
}

static void
draw_series (PlotLineChart *c, cairo_t *cr, const Layout *l)
{
  cairo_save (cr);
  /* Clip a little outside the plot area so markers on the edge stay whole. */
  cairo_rectangle (cr, l->px - 5, l->py - 5, l->pw + 10, l->ph + 10);
  cairo_clip (cr);
  cairo_set_line_join (cr, CAIRO_LINE_JOIN_ROUND);
  cairo_set_line_cap (cr, CAIRO_LINE_CAP_ROUND);

  for (guint i = 0; i < c->series->len; i++)
    {
      Series *s = g_ptr_array_index (c->series, i);
      gboolean pen_down = FALSE;

      if (s->flags & PLOT_SERIES_NO_LINE)
        continue;
      set_series_style (cr, s, 1.0);
      for (guint j = 0; j < s->x->len; j++)
        {
          double x = g_array_index (s->x, double, j), y = g_array_index (s->y, double, j);
          if (!point_ok (c, x, y))
            {
              pen_down = FALSE; /* a gap, e.g. a NaN loss */
              continue;
            }
          if (pen_down)
            cairo_line_to (cr, to_px (l, x), to_py (l, y_value (c, y)));
          else
            cairo_move_to (cr, to_px (l, x), to_py (l, y_value (c, y)));
          pen_down = TRUE;
        }
      cairo_stroke (cr);
    }
  cairo_set_dash (cr, NULL, 0, 0);
  for (guint i = 0; i < c->series->len; i++)
    {
      Series *s = g_ptr_array_index (c->series, i);
      if (!(s->flags & (PLOT_SERIES_MARKERS | PLOT_SERIES_NO_LINE)))
        continue;
      for (guint j = 0; j < s->x->len; j++)
        {
          double x = g_array_index (s->x, double, j), y = g_array_index (s->y, double, j);
          if (point_ok (c, x, y))
            draw_marker (cr, c->theme, plot_palette_color (s->color), to_px (l, x),
                         to_py (l, y_value (c, y)), (s->flags & PLOT_SERIES_DASHED) != 0);
        }
    }
  cairo_restore (cr);
}

static void
draw_legend_sample (cairo_t *cr, const PlotTheme *t, PlotRgb color, gboolean dashed,
                    gboolean markers, gboolean faint, double x, double y)
{
  static const double dash[] = { 7.0, 4.0 };

  cairo_set_line_width (cr, faint ? 1.5 : 2.2);
  plot_set_rgba (cr, color, faint ? 0.45 : 1.0);
  cairo_set_dash (cr, dash, dashed ? 2 : 0, 0);
  cairo_move_to (cr, x, y);
  cairo_line_to (cr, x + 28, y);
  cairo_stroke (cr);
  cairo_set_dash (cr, NULL, 0, 0);
  if (markers)
    draw_marker (cr, t, color, x + 14, y, dashed);
}

static void
draw_legend (PlotLineChart *c, cairo_t *cr, const Layout *l)
{
  const PlotTheme *t = c->theme;
  double x = l->legend_x, y = l->legend_y, row = l->label_size * 1.7;

  if (c->legend == PLOT_LEGEND_NONE || legend_entries (c) == 0)
    return;
  if (c->legend == PLOT_LEGEND_INSIDE)
    {
      plot_set_rgba (cr, t->background, 0.88);
      cairo_rectangle (cr, x, y, l->legend_w, l->legend_h);
      cairo_fill_preserve (cr);
      plot_set_rgb (cr, t->grid);
      cairo_set_line_width (cr, 1.0);
      cairo_stroke (cr);
    }
  x += 10;
  y += 6 + row / 2;
  for (guint i = 0; i < c->series->len; i++)
    {
      Series *s = g_ptr_array_index (c->series, i);
      if (s->name == NULL)
        continue;
      draw_legend_sample (cr, t, plot_palette_color (s->color), s->flags & PLOT_SERIES_DASHED,
                          (s->flags & (PLOT_SERIES_MARKERS | PLOT_SERIES_NO_LINE)) != 0,
                          s->flags & PLOT_SERIES_FAINT, x, y);
      plot_set_rgb (cr, t->text);
      plot_text (cr, s->name, l->label_size, FALSE, x + 34, y, PLOT_ALIGN_START,
                 PLOT_ALIGN_CENTER);
      y += row;
    }
  if (c->style_keys->len > 0 && (guint) legend_entries (c) > c->style_keys->len)
    y += 6;
  for (guint i = 0; i < c->style_keys->len; i++)
    {
      StyleKey *k = g_ptr_array_index (c->style_keys, i);
      draw_legend_sample (cr, t, t->muted, k->dashed, FALSE, FALSE, x, y);
      plot_set_rgb (cr, t->muted);
      plot_text (cr, k->text, l->label_size, FALSE, x + 34, y, PLOT_ALIGN_START,
                 PLOT_ALIGN_CENTER);
      y += row;
    }
}

void
plot_line_chart_draw (PlotLineChart *c, cairo_t *cr, double width, double height)
{
  Layout l;

  g_return_if_fail (c != NULL && cr != NULL);
  cairo_save (cr);
  layout_compute (c, cr, width, height, &l);
  plot_set_rgb (cr, c->theme->background);
  cairo_rectangle (cr, 0, 0, width, height);
  cairo_fill (cr);
  draw_frame (c, cr, &l, width);
  draw_series (c, cr, &l);
  draw_legend (c, cr, &l);
  cairo_restore (cr);
}

gboolean
plot_line_chart_pick (PlotLineChart *c, double width, double height, double px, double py,
                      double radius, int *series, int *index, double *x, double *y)
{
  cairo_surface_t *scratch;
  cairo_t *cr;
  Layout l;
  double best = radius * radius;
  int bs = -1, bi = -1;

  g_return_val_if_fail (c != NULL, FALSE);
  /* Text metrics decide the margins, so measure with a scratch context. */
  scratch = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, 1, 1);
  cr = cairo_create (scratch);
  layout_compute (c, cr, width, height, &l);
  cairo_destroy (cr);
  cairo_surface_destroy (scratch);

  for (guint i = 0; i < c->series->len; i++)
    {
      Series *s = g_ptr_array_index (c->series, i);
      for (guint j = 0; j < s->x->len; j++)
        {
          double dx = g_array_index (s->x, double, j), dy = g_array_index (s->y, double, j);
          double ex, ey, d;
          if (!point_ok (c, dx, dy))
            continue;
          ex = to_px (&l, dx) - px;
          ey = to_py (&l, y_value (c, dy)) - py;
          d = ex * ex + ey * ey;
          if (d <= best)
            {
              best = d;
              bs = (int) i;
              bi = (int) j;
            }
        }
    }
  if (bs < 0)
    return FALSE;
  if (series != NULL)
    *series = bs;
  if (index != NULL)
    *index = bi;
  if (x != NULL)
    *x = g_array_index (((Series *) g_ptr_array_index (c->series, bs))->x, double, bi);
  if (y != NULL)
    *y = g_array_index (((Series *) g_ptr_array_index (c->series, bs))->y, double, bi);
  return TRUE;
}

static void
draw_png (cairo_t *cr, double width, double height, gpointer data)
{
  plot_line_chart_draw (data, cr, width, height);
}

gboolean
plot_line_chart_write_png (PlotLineChart *c, int width, int height, const char *path,
                           GError **error)
{
  g_return_val_if_fail (c != NULL && path != NULL, FALSE);
  return plot_render_png (width, height, draw_png, c, path, error);
}
