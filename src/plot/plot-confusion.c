/* plot-confusion.c: the confusion-matrix heat map. */
#include "plot-confusion.h"

#include <math.h>
#include <string.h>

#define N NN_EVAL_CLASSES

/* Where everything goes, from the size and options alone (no text metrics), so
 * that drawing and hit-testing always agree. */
typedef struct {
  double pad;
  double title_size, label_size, cell_text_size, small_size;
  double title_y, subtitle_y;
  double grid_x, grid_y, cell;   /* the 10 x 10 grid */
  double score_gap;              /* between the grid and the recall column */
} Layout;

static void
layout_compute (Layout *l, double width, double height, const PlotConfusionOptions *opt)
{
  double header, left, right, bottom, side;

  l->pad = 18;
  l->title_size = CLAMP (width / 40.0, 13, 20);
  l->label_size = CLAMP (width / 58.0, 10, 14);
  l->small_size = l->label_size * 0.85;
  l->title_y = l->pad;
  l->subtitle_y = l->title_y + l->title_size * 1.45;
  header = l->subtitle_y + (opt->subtitle != NULL ? l->label_size * 1.5 : 0)
           + l->label_size * 1.6; /* the key line */
  header += l->label_size * 0.8;
  left = l->pad + l->label_size * 1.6 /* axis title */ + l->label_size * 1.8 /* digits */;
  bottom = l->label_size * 1.8 /* digits */ + l->label_size * 1.8 /* axis title */ + l->pad;
  l->score_gap = l->label_size * 0.6;
  right = l->pad;
  if (opt->show_scores)
    {
      right += l->score_gap + l->label_size * 5.0;
      bottom += l->label_size * 1.9;
    }
  side = MIN (width - left - right, height - header - bottom);
  side = MAX (side, 10.0);
  l->cell = side / N;
  /* Centre the block (grid plus scores) horizontally. */
  l->grid_x = left + MAX (0.0, (width - left - right - side) / 2);
  l->grid_y = header;
  l->cell_text_size = CLAMP (l->cell * 0.30, 7, 15);
}

void
plot_confusion_options_init (PlotConfusionOptions *opt)
{
  g_return_if_fail (opt != NULL);
  memset (opt, 0, sizeof *opt);
  opt->show_scores = TRUE;
  opt->highlight_row = -1;
  opt->highlight_col = -1;
}

static const PlotConfusionOptions *
options_or_default (const PlotConfusionOptions *opt, PlotConfusionOptions *storage)
{
  if (opt != NULL)
    return opt;
  plot_confusion_options_init (storage);
  return storage;
}

/* Correct answers in blue, confusions in orange (ColorBrewer's Blues and Oranges
 * ends), both readable with red-green colour blindness. */
static const PlotRgb deep_blue = { 0.031, 0.271, 0.580 };
static const PlotRgb deep_orange = { 0.651, 0.212, 0.012 };

static PlotRgb
cell_color (const PlotTheme *theme, gboolean diagonal, double t)
{
  PlotRgb hue = diagonal ? deep_blue : deep_orange;

  if (theme->dark)
    hue = plot_mix (hue, (PlotRgb) { 1, 1, 1 }, 0.15);
  return plot_mix (theme->background, hue, 0.06 + 0.94 * t);
}

static void
format_percent (char *buf, size_t len, double v)
{
  if (v >= 0.9995)
    g_snprintf (buf, len, "100%%");
  else
    g_snprintf (buf, len, "%.1f%%", 100.0 * v);
}

static void
draw_header (cairo_t *cr, const Layout *l, double width, const NnConfusion *cm,
             const PlotConfusionOptions *opt, const PlotTheme *theme)
{
  g_autofree char *title = NULL;
  double y, x, sw = l->label_size * 0.9;

  title = g_strdup_printf ("%s · accuracy %.2f%% (%" G_GINT64_FORMAT " / %" G_GINT64_FORMAT ")",
                           opt->title != NULL ? opt->title : "Confusion matrix",
                           100.0 * nn_confusion_accuracy (cm), nn_confusion_correct (cm),
                           nn_confusion_total (cm));
  plot_set_rgb (cr, theme->text);
  plot_text (cr, title, plot_text_fit (cr, title, l->title_size, TRUE, width - 2 * l->pad), TRUE,
             width / 2, l->title_y, PLOT_ALIGN_CENTER, PLOT_ALIGN_START);
  y = l->subtitle_y;
  if (opt->subtitle != NULL)
    {
      plot_set_rgb (cr, theme->muted);
      plot_text (cr, opt->subtitle,
                 plot_text_fit (cr, opt->subtitle, l->label_size, FALSE, width - 2 * l->pad),
                 FALSE, width / 2, y, PLOT_ALIGN_CENTER, PLOT_ALIGN_START);
      y += l->label_size * 1.5;
    }

  /* The key: what the two hues mean and what the shading measures. */
  {
    const char *k1 = "correct", *k2 = "confused",
               *k3 = "shading: share of the true class (row)";
    double w = sw + 6 + plot_text_width (cr, k1, l->small_size, FALSE) + 18 + sw + 6
               + plot_text_width (cr, k2, l->small_size, FALSE) + 18
               + plot_text_width (cr, k3, l->small_size, FALSE);
    /* In a narrow picture the explanation of the shading gives way first. */
    if (w > width - 2 * l->pad)
      {
        w -= 18 + plot_text_width (cr, k3, l->small_size, FALSE);
        k3 = "";
      }
    x = width / 2 - w / 2;
    y += l->label_size * 0.2;
    plot_set_rgb (cr, cell_color (theme, TRUE, 0.85));
    cairo_rectangle (cr, x, y, sw, sw);
    cairo_fill (cr);
    plot_set_rgb (cr, theme->muted);
    x += sw + 6;
    x += plot_text (cr, k1, l->small_size, FALSE, x, y + sw / 2, PLOT_ALIGN_START,
                    PLOT_ALIGN_CENTER) + 18;
    plot_set_rgb (cr, cell_color (theme, FALSE, 0.85));
    cairo_rectangle (cr, x, y, sw, sw);
    cairo_fill (cr);
    plot_set_rgb (cr, theme->muted);
    x += sw + 6;
    x += plot_text (cr, k2, l->small_size, FALSE, x, y + sw / 2, PLOT_ALIGN_START,
                    PLOT_ALIGN_CENTER) + 18;
    plot_text (cr, k3, l->small_size, FALSE, x, y + sw / 2, PLOT_ALIGN_START, PLOT_ALIGN_CENTER);
  }
}

static void
draw_cells (cairo_t *cr, const Layout *l, const NnConfusion *cm, const PlotTheme *theme)
{
  double max_off_rate = 0.0;
  guint32 row_sum[N] = { 0 };

  for (int t = 0; t < N; t++)
    {
      for (int p = 0; p < N; p++)
        row_sum[t] += cm->counts[t][p];
      for (int p = 0; p < N; p++)
        if (p != t && row_sum[t] > 0)
          max_off_rate = MAX (max_off_rate, (double) cm->counts[t][p] / row_sum[t]);
    }
  /* Confusions saturate at 5% of the row, or at the worst one if that is more:
   * a good model's rare errors stay visible, a poor model's are not all black. */
  max_off_rate = MAX (max_off_rate, 0.05);

  for (int t = 0; t < N; t++)
    for (int p = 0; p < N; p++)
      {
        guint32 count = cm->counts[t][p];
        double x = l->grid_x + p * l->cell, y = l->grid_y + t * l->cell;
        double rate = row_sum[t] > 0 ? (double) count / row_sum[t] : 0.0;
        PlotRgb fill = theme->background;
        char text[16];

        if (count > 0)
          fill = p == t ? cell_color (theme, TRUE, rate)
                        : cell_color (theme, FALSE, sqrt (rate / max_off_rate));
        plot_set_rgb (cr, fill);
        cairo_rectangle (cr, x, y, l->cell, l->cell);
        cairo_fill (cr);

        if (count == 0 && p != t)
          continue; /* empty confusions stay blank: the eye goes to the errors */
        g_snprintf (text, sizeof text, "%u", count);
        if (plot_luminance (fill) < 0.45)
          cairo_set_source_rgb (cr, 1, 1, 1);
        else
          plot_set_rgb (cr, theme->dark ? (PlotRgb) { 0.1, 0.1, 0.1 } : theme->text);
        plot_text (cr, text, l->cell_text_size * (strlen (text) > 4 ? 0.88 : 1.0), p == t,
                   x + l->cell / 2, y + l->cell / 2, PLOT_ALIGN_CENTER, PLOT_ALIGN_CENTER);
      }

  /* Thin separators between cells, and a frame. */
  plot_set_rgb (cr, theme->grid);
  cairo_set_line_width (cr, 1.0);
  for (int i = 1; i < N; i++)
    {
      cairo_move_to (cr, l->grid_x + i * l->cell, l->grid_y);
      cairo_line_to (cr, l->grid_x + i * l->cell, l->grid_y + N * l->cell);
      cairo_move_to (cr, l->grid_x, l->grid_y + i * l->cell);
      cairo_line_to (cr, l->grid_x + N * l->cell, l->grid_y + i * l->cell);
    }
  cairo_stroke (cr);
  plot_set_rgb (cr, theme->axis);
  cairo_rectangle (cr, l->grid_x + 0.5, l->grid_y + 0.5, N * l->cell - 1, N * l->cell - 1);
  cairo_stroke (cr);
}

static void
draw_labels (cairo_t *cr, const Layout *l, const PlotTheme *theme)
{
  double grid_side = N * l->cell;
  double digits_x = l->grid_x - l->label_size * 0.8;
  double digits_y = l->grid_y + grid_side + l->label_size * 0.6;

  plot_set_rgb (cr, theme->text);
  for (int i = 0; i < N; i++)
    {
      char d[4];
      g_snprintf (d, sizeof d, "%d", i);
      plot_text (cr, d, l->label_size, TRUE, digits_x, l->grid_y + (i + 0.5) * l->cell,
                 PLOT_ALIGN_END, PLOT_ALIGN_CENTER);
      plot_text (cr, d, l->label_size, TRUE, l->grid_x + (i + 0.5) * l->cell, digits_y,
                 PLOT_ALIGN_CENTER, PLOT_ALIGN_START);
    }
  plot_set_rgb (cr, theme->muted);
  plot_text (cr, "Predicted label", l->label_size, FALSE, l->grid_x + grid_side / 2,
             digits_y + l->label_size * 1.6, PLOT_ALIGN_CENTER, PLOT_ALIGN_START);
  plot_text_vertical (cr, "True label", l->label_size, FALSE,
                      digits_x - l->label_size * 2.0, l->grid_y + grid_side / 2);
}

static void
draw_scores (cairo_t *cr, const Layout *l, const NnConfusion *cm, const PlotTheme *theme)
{
  NnClassScores s[N];
  double grid_side = N * l->cell;
  double rx = l->grid_x + grid_side + l->score_gap;
  double by = l->grid_y + grid_side + l->label_size * 3.6 + l->label_size * 0.4;
  char buf[16];

  nn_confusion_scores (cm, s);
  /* the scores are read as closely as the counts: the labels' size, in the text
   * colour (the headings bold) */
  plot_set_rgb (cr, theme->text);
  plot_text (cr, "recall", l->label_size, TRUE, rx, l->grid_y - l->label_size * 0.5,
             PLOT_ALIGN_START, PLOT_ALIGN_END);
  /* Both headings sit in the right-hand column: "recall" above it, "precision"
   * at the end of the bottom row, where there is always room. */
  plot_text (cr, "precision", l->label_size, TRUE, rx, by, PLOT_ALIGN_START, PLOT_ALIGN_START);
  for (int i = 0; i < N; i++)
    {
      if (s[i].support > 0)
        format_percent (buf, sizeof buf, s[i].recall);
      else
        g_snprintf (buf, sizeof buf, "–");
      plot_text (cr, buf, l->label_size, FALSE, rx, l->grid_y + (i + 0.5) * l->cell,
                 PLOT_ALIGN_START, PLOT_ALIGN_CENTER);
      if (s[i].predicted > 0)
        format_percent (buf, sizeof buf, s[i].precision);
      else
        g_snprintf (buf, sizeof buf, "–");
      /* as large as the label size, or as fits under its column */
      plot_text (cr, buf, plot_text_fit (cr, buf, l->label_size, FALSE, l->cell - 3), FALSE,
                 l->grid_x + (i + 0.5) * l->cell, by, PLOT_ALIGN_CENTER, PLOT_ALIGN_START);
    }
}

void
plot_confusion_draw (cairo_t *cr, double width, double height, const NnConfusion *cm,
                     const PlotConfusionOptions *opt)
{
  PlotConfusionOptions storage;
  const PlotTheme *theme;
  Layout l;

  g_return_if_fail (cr != NULL && cm != NULL);
  opt = options_or_default (opt, &storage);
  theme = opt->theme != NULL ? opt->theme : plot_theme_light ();
  layout_compute (&l, width, height, opt);

  cairo_save (cr);
  plot_set_rgb (cr, theme->background);
  cairo_rectangle (cr, 0, 0, width, height);
  cairo_fill (cr);

  draw_header (cr, &l, width, cm, opt, theme);
  draw_cells (cr, &l, cm, theme);
  draw_labels (cr, &l, theme);
  if (opt->show_scores)
    draw_scores (cr, &l, cm, theme);

  if (opt->highlight_row >= 0 && opt->highlight_row < N && opt->highlight_col >= 0
      && opt->highlight_col < N)
    {
      plot_set_rgb (cr, theme->text);
      cairo_set_line_width (cr, 2.5);
      cairo_rectangle (cr, l.grid_x + opt->highlight_col * l.cell + 1.25,
                       l.grid_y + opt->highlight_row * l.cell + 1.25, l.cell - 2.5, l.cell - 2.5);
      cairo_stroke (cr);
    }
  cairo_restore (cr);
}

gboolean
plot_confusion_cell_at (double width, double height, const PlotConfusionOptions *opt, double x,
                        double y, int *row, int *col)
{
  PlotConfusionOptions storage;
  Layout l;
  int r, c;

  opt = options_or_default (opt, &storage);
  layout_compute (&l, width, height, opt);
  if (x < l.grid_x || y < l.grid_y)
    return FALSE;
  c = (int) ((x - l.grid_x) / l.cell);
  r = (int) ((y - l.grid_y) / l.cell);
  if (r >= N || c >= N)
    return FALSE;
  if (row != NULL)
    *row = r;
  if (col != NULL)
    *col = c;
  return TRUE;
}

gboolean
plot_confusion_cell_rect (double width, double height, const PlotConfusionOptions *opt, int row,
                          int col, double *x, double *y, double *w, double *h)
{
  PlotConfusionOptions storage;
  Layout l;

  if (row < 0 || col < 0 || row >= N || col >= N)
    return FALSE;
  opt = options_or_default (opt, &storage);
  layout_compute (&l, width, height, opt);
  if (x != NULL)
    *x = l.grid_x + col * l.cell;
  if (y != NULL)
    *y = l.grid_y + row * l.cell;
  if (w != NULL)
    *w = l.cell;
  if (h != NULL)
    *h = l.cell;
  return TRUE;
}

typedef struct {
  const NnConfusion *cm;
  const PlotConfusionOptions *opt;
} PngData;

static void
draw_png (cairo_t *cr, double width, double height, gpointer data)
{
  PngData *d = data;
  plot_confusion_draw (cr, width, height, d->cm, d->opt);
}

gboolean
plot_confusion_write_png (const NnConfusion *cm, const PlotConfusionOptions *opt, int width,
                          int height, const char *path, GError **error)
{
  PngData d = { cm, opt };

  g_return_val_if_fail (cm != NULL && path != NULL, FALSE);
  if (width <= 0 || height <= 0)
    {
      width = 760;
      height = 800;
    }
  return plot_render_png (width, height, draw_png, &d, path, error);
}
