/* plot-activations.c: feature-map grids, unit bars, the softmax, the first
 * convolution's filters and the model graph (see plot-activations.h). */
#include "plot-activations.h"
#include "plot-gradcam.h"
#include "nn-error.h"

#include <math.h>
#include <string.h>

#define CAPTION_H   20.0 /* a section's caption line */
#define CAPTION_PT  12.0
#define SECTION_GAP 14.0
#define MAX_MAP     40   /* a small map's largest side, px */
#define MIN_COLS    16   /* maps per row wanted before they may shrink to 1 px per value */
#define BARS_H      48.0
#define SOFTMAX_H   72.0
#define SOFTMAX_LABELS 30.0 /* digits under the bars and percentages over them */

PlotSectionKind
plot_activations_section (const NnModel *m, int layer)
{
  g_return_val_if_fail (m != NULL && layer >= 0 && layer < m->n_layers, PLOT_SECTION_NONE);
  const NnLayer *l = &m->layers[layer];
  if (layer == m->output)
    return PLOT_SECTION_SOFTMAX;
  if (l->kind == NN_LAYER_INPUT || l->kind == NN_LAYER_FLATTEN || l->kind == NN_LAYER_RESHAPE)
    return PLOT_SECTION_NONE;
  return nn_layer_is_spatial (l) ? PLOT_SECTION_GRID : PLOT_SECTION_BARS;
}

/* ---- grids ------------------------------------------------------------------- */

/* Each map drawn at an integer scale s with one scaled pixel between maps: the
 * largest s (maps up to MAX_MAP px) at which MIN_COLS maps fit a row, or 1. */
static void
grid_layout (const NnShape *sh, double width, int *cols, int *rows, int *scale)
{
  int s = MAX (1, MAX_MAP / MAX (sh->w, sh->h)), c = 1;
  for (; s >= 1; s--)
    {
      c = (int) ((width + s) / (s * (sh->w + 1)));
      if (c >= MIN (sh->c, MIN_COLS))
        break;
    }
  *scale = MAX (s, 1);
  *cols = CLAMP (c, 1, MAX (sh->c, 1));
  *rows = (sh->c + *cols - 1) / *cols;
}

static double
grid_height (const NnShape *sh, double width)
{
  int cols, rows, s;
  grid_layout (sh, width, &cols, &rows, &s);
  return (double) s * (rows * (sh->h + 1) - 1);
}

static inline guint32
argb (PlotRgb c)
{
  return 0xff000000u | ((guint32) lrint (CLAMP (c.r, 0, 1) * 255) << 16)
         | ((guint32) lrint (CLAMP (c.g, 0, 1) * 255) << 8) | (guint32) lrint (CLAMP (c.b, 0, 1) * 255);
}

/* The layer's maps at one pixel per value, one transparent pixel between them,
 * each from its own minimum to its own maximum; then one scaled paint. */
static void
draw_grid (cairo_t *cr, const NnShape *sh, const float *v, double width, double y)
{
  int cols, rows, s;
  grid_layout (sh, width, &cols, &rows, &s);
  int W = cols * (sh->w + 1) - 1, H = rows * (sh->h + 1) - 1, C = sh->c;
  cairo_surface_t *surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, W, H);
  guint32 *px = (guint32 *) cairo_image_surface_get_data (surface);
  int stride = cairo_image_surface_get_stride (surface) / 4;
  guint32 lut[256];

  for (int i = 0; i < 256; i++)
    lut[i] = argb (plot_viridis (i / 255.0));
  cairo_surface_flush (surface);
  memset (px, 0, (size_t) stride * 4 * H);
  for (int k = 0; k < C; k++)
    {
      float lo = INFINITY, hi = -INFINITY;
      int ox = (k % cols) * (sh->w + 1), oy = (k / cols) * (sh->h + 1);
      for (int p = 0; p < sh->h * sh->w; p++)
        {
          float a = v[(size_t) p * C + k];
          if (isfinite (a))
            lo = MIN (lo, a), hi = MAX (hi, a);
        }
      float range = hi > lo ? hi - lo : 0.0f;
      for (int yy = 0; yy < sh->h; yy++)
        for (int xx = 0; xx < sh->w; xx++)
          {
            float a = v[(size_t) (yy * sh->w + xx) * C + k];
            int t = range > 0 && isfinite (a) ? (int) lrintf ((a - lo) / range * 255.0f) : 0;
            px[(oy + yy) * stride + ox + xx] = lut[CLAMP (t, 0, 255)];
          }
    }
  cairo_surface_mark_dirty (surface);
  cairo_save (cr);
  cairo_translate (cr, 0, y);
  cairo_scale (cr, s, s);
  cairo_set_source_surface (cr, surface, 0, 0);
  cairo_pattern_set_filter (cairo_get_source (cr), CAIRO_FILTER_NEAREST);
  cairo_paint (cr);
  cairo_restore (cr);
  cairo_surface_destroy (surface);
}

/* ---- bars and the softmax -------------------------------------------------------- */

static void
draw_bars (cairo_t *cr, const PlotTheme *t, const float *v, int n, double width, double y)
{
  float mx = 0.0f;
  gboolean negative = FALSE;
  for (int i = 0; i < n; i++)
    if (isfinite (v[i]))
      {
        mx = MAX (mx, fabsf (v[i]));
        negative |= v[i] < 0;
      }
  double base = negative ? y + BARS_H / 2 : y + BARS_H, span = negative ? BARS_H / 2 : BARS_H;
  double bw = width / MAX (n, 1);

  plot_set_rgb (cr, t->grid);
  cairo_rectangle (cr, 0, base - 0.5, width, 1);
  cairo_fill (cr);
  for (int i = 0; i < n; i++)
    {
      double f = mx > 0 && isfinite (v[i]) ? v[i] / mx : 0.0;
      plot_set_rgb (cr, plot_viridis (0.25 + 0.75 * fabs (f)));
      double h = fabs (f) * span;
      cairo_rectangle (cr, i * bw + (bw > 3 ? 0.5 : 0), f >= 0 ? base - h : base,
                       MAX (bw - (bw > 3 ? 1 : 0), 0.5), MAX (h, 0.5));
      cairo_fill (cr);
    }
}

static void
draw_softmax (cairo_t *cr, const PlotTheme *t, const float *p, int n, double width, double y)
{
  double bw = width / MAX (n, 1), top = y + SOFTMAX_LABELS / 2;
  int best = 0;
  for (int i = 1; i < n; i++)
    if (p[i] > p[best])
      best = i;
  for (int i = 0; i < n; i++)
    {
      double f = isfinite (p[i]) ? CLAMP (p[i], 0.0f, 1.0f) : 0.0;
      double h = MAX (f * SOFTMAX_H, 1.0), x = i * bw;
      plot_set_rgb (cr, i == best ? plot_viridis (0.85) : plot_viridis (0.35));
      cairo_rectangle (cr, x + bw * 0.15, top + SOFTMAX_H - h, bw * 0.7, h);
      cairo_fill (cr);
      g_autofree char *digit = g_strdup_printf ("%d", i);
      plot_set_rgb (cr, i == best ? t->text : t->muted);
      plot_text (cr, digit, 12, i == best, x + bw / 2, top + SOFTMAX_H + 3, PLOT_ALIGN_CENTER,
                 PLOT_ALIGN_START);
      if (f >= 0.01)
        {
          g_autofree char *pct = g_strdup_printf ("%.0f%%", f * 100);
          plot_text (cr, pct, 10, FALSE, x + bw / 2, top + SOFTMAX_H - h - 2, PLOT_ALIGN_CENTER,
                     PLOT_ALIGN_END);
        }
    }
}

/* ---- the sections -------------------------------------------------------------- */

static char *
shape_text (NnShape s)
{
  if (s.h == 1 && s.w == 1)
    return g_strdup_printf ("%d", s.c);
  return g_strdup_printf ("%d × %d × %d", s.h, s.w, s.c);
}

static double
section_height (const NnModel *m, int i, double width)
{
  switch (plot_activations_section (m, i))
    {
    case PLOT_SECTION_GRID:
      return CAPTION_H + grid_height (&m->layers[i].out_shape, width) + SECTION_GAP;
    case PLOT_SECTION_BARS:
      return CAPTION_H + BARS_H + SECTION_GAP;
    case PLOT_SECTION_SOFTMAX:
      return CAPTION_H + SOFTMAX_H + SOFTMAX_LABELS + SECTION_GAP;
    default:
      return 0;
    }
}

double
plot_activations_height (const NnModel *m, double width)
{
  double h = 0;
  g_return_val_if_fail (m != NULL, 0);
  for (int i = 0; i < m->n_layers; i++)
    h += section_height (m, i, width);
  return h;
}

static void
draw_caption (cairo_t *cr, const PlotTheme *t, const NnLayer *l, const char *what, double width,
              double y)
{
  g_autofree char *shape = shape_text (l->out_shape);
  g_autofree char *tail = g_strdup_printf (" · %s · %s", what, shape);
  double size = plot_text_fit (cr, l->name, CAPTION_PT, TRUE, width * 0.6);
  plot_set_rgb (cr, t->text);
  double adv = plot_text (cr, l->name, size, TRUE, 0, y + CAPTION_H - 6, PLOT_ALIGN_START,
                          PLOT_ALIGN_END);
  plot_set_rgb (cr, t->muted);
  plot_text (cr, tail, plot_text_fit (cr, tail, CAPTION_PT - 1, FALSE, MAX (width - adv, 20)),
             FALSE, adv, y + CAPTION_H - 6, PLOT_ALIGN_START, PLOT_ALIGN_END);
}

void
plot_activations_draw (cairo_t *cr, const PlotActivations *a, double width, const PlotTheme *theme,
                       PlotActivationsCount *counts)
{
  PlotActivationsCount n = { 0 };
  double y = 0;

  g_return_if_fail (cr != NULL && a != NULL && a->model != NULL && a->outputs != NULL);
  const NnModel *m = a->model;
  double clip_y0, clip_y1, x0, x1;
  /* sections outside the clip are counted, not drawn */
  cairo_clip_extents (cr, &x0, &clip_y0, &x1, &clip_y1);
  for (int i = 0; i < m->n_layers; i++)
    {
      const NnLayer *l = &m->layers[i];
      PlotSectionKind kind = plot_activations_section (m, i);
      const float *v = a->outputs[i];
      double sh = section_height (m, i, width);
      if (kind == PLOT_SECTION_NONE || (v == NULL && kind != PLOT_SECTION_SOFTMAX))
        continue;
      if (y + sh < clip_y0 || y > clip_y1)
        {
          n.n_grids += kind == PLOT_SECTION_GRID;
          n.n_maps += kind == PLOT_SECTION_GRID ? l->out_shape.c : 0;
          n.n_bars += kind == PLOT_SECTION_BARS;
          n.n_softmax += kind == PLOT_SECTION_SOFTMAX;
          y += sh;
          continue;
        }
      switch (kind)
        {
        case PLOT_SECTION_GRID:
          draw_caption (cr, theme, l, nn_layer_kind_to_keras (l->kind), width, y);
          draw_grid (cr, &l->out_shape, v, width, y + CAPTION_H);
          n.n_grids++;
          n.n_maps += l->out_shape.c;
          break;
        case PLOT_SECTION_BARS:
          draw_caption (cr, theme, l, nn_layer_kind_to_keras (l->kind), width, y);
          draw_bars (cr, theme, v, (int) nn_shape_size (l->out_shape), width, y + CAPTION_H);
          n.n_bars++;
          break;
        case PLOT_SECTION_SOFTMAX:
          draw_caption (cr, theme, l, "softmax", width, y);
          if (a->probs != NULL)
            draw_softmax (cr, theme, a->probs, m->n_classes, width, y + CAPTION_H);
          n.n_softmax++;
          break;
        default:
          break;
        }
      y += sh;
    }
  if (counts != NULL)
    *counts = n;
}

/* ---- the first convolution's filters ---------------------------------------------- */

int
plot_filters_layer (const NnModel *m)
{
  g_return_val_if_fail (m != NULL, -1);
  for (int i = 0; i < m->n_layers; i++)
    if (m->layers[i].kind == NN_LAYER_CONV2D)
      return i;
  return -1;
}

static const NnVar *
kernel_of (const NnLayer *l)
{
  for (int v = 0; v < l->n_vars; v++)
    if (g_strcmp0 (l->vars[v].role, "kernel") == 0 && l->vars[v].ndim == 4)
      return &l->vars[v];
  return NULL;
}

int
plot_filters_top (const NnModel *m, const float *layer_output, int *top, int n)
{
  int layer = plot_filters_layer (m);
  if (layer < 0 || layer_output == NULL || n <= 0)
    return 0;
  NnShape s = m->layers[layer].out_shape;
  g_autofree double *strength = g_new0 (double, s.c);
  for (int p = 0; p < s.h * s.w; p++)
    for (int k = 0; k < s.c; k++)
      strength[k] += fabsf (layer_output[(size_t) p * s.c + k]);
  n = MIN (n, s.c);
  for (int r = 0; r < n; r++)
    {
      int best = -1;
      for (int k = 0; k < s.c; k++)
        {
          gboolean taken = FALSE;
          for (int q = 0; q < r; q++)
            taken |= top[q] == k;
          if (!taken && isfinite (strength[k]) && (best < 0 || strength[k] > strength[best]))
            best = k;
        }
      if (best < 0)
        return r;
      top[r] = best;
    }
  return n;
}

#define FILTER_GAP 6.0

static void
filter_layout (int n, double width, int *cols, double *cell)
{
  /* cells of 24 to 40 px, as many per row as fit */
  int c = MAX (1, (int) ((width + FILTER_GAP) / (24 + FILTER_GAP)));
  c = MIN (c, n);
  *cols = c;
  *cell = MIN (40.0, (width - (c - 1) * FILTER_GAP) / c);
}

double
plot_filters_height (const NnModel *m, double width)
{
  int layer = plot_filters_layer (m), cols;
  double cell;
  if (layer < 0)
    return 0;
  int n = m->layers[layer].out_shape.c;
  filter_layout (n, width, &cols, &cell);
  int rows = (n + cols - 1) / cols;
  return CAPTION_H + rows * cell + (rows - 1) * FILTER_GAP + SECTION_GAP;
}

void
plot_filters_draw (cairo_t *cr, const NnModel *m, const int *top, int n_top, double width,
                   const PlotTheme *theme)
{
  int layer = plot_filters_layer (m), cols;
  double cell;
  g_return_if_fail (cr != NULL && m != NULL);
  if (layer < 0)
    return;
  const NnLayer *l = &m->layers[layer];
  const NnVar *kv = kernel_of (l);
  if (kv == NULL)
    return;
  int KH = kv->dims[0], KW = kv->dims[1], CI = kv->dims[2], CO = kv->dims[3];
  const float *w = m->params + kv->offset;
  g_autofree char *what = g_strdup_printf ("%d × %d × %d", KH, KW, CI);
  plot_set_rgb (cr, theme->text);
  double adv = plot_text (cr, l->name, CAPTION_PT, TRUE, 0, CAPTION_H - 6, PLOT_ALIGN_START,
                          PLOT_ALIGN_END);
  g_autofree char *tail = g_strdup_printf (" · %d filters · %s", CO, what);
  plot_set_rgb (cr, theme->muted);
  plot_text (cr, tail, plot_text_fit (cr, tail, CAPTION_PT - 1, FALSE, MAX (width - adv, 20)),
             FALSE, adv, CAPTION_H - 6, PLOT_ALIGN_START, PLOT_ALIGN_END);

  filter_layout (CO, width, &cols, &cell);
  cairo_surface_t *surface = cairo_image_surface_create (CAIRO_FORMAT_RGB24, KW, KH);
  for (int co = 0; co < CO; co++)
    {
      double x = (co % cols) * (cell + FILTER_GAP), y = CAPTION_H + (co / cols) * (cell + FILTER_GAP);
      float k[KH * KW], mx = 0;
      for (int p = 0; p < KH * KW; p++)
        {
          double sum = 0;
          for (int ci = 0; ci < CI; ci++)
            sum += w[((size_t) p * CI + ci) * CO + co];
          k[p] = (float) (sum / CI);
          if (isfinite (k[p]))
            mx = MAX (mx, fabsf (k[p]));
        }
      cairo_surface_flush (surface);
      guint32 *px = (guint32 *) cairo_image_surface_get_data (surface);
      int stride = cairo_image_surface_get_stride (surface) / 4;
      for (int p = 0; p < KH * KW; p++)
        {
          double g = mx > 0 && isfinite (k[p]) ? 0.5 + 0.5 * k[p] / mx : 0.5;
          px[(p / KW) * stride + p % KW] = argb ((PlotRgb) { g, g, g });
        }
      cairo_surface_mark_dirty (surface);
      cairo_save (cr);
      cairo_translate (cr, x, y);
      cairo_scale (cr, cell / KW, cell / KH);
      cairo_set_source_surface (cr, surface, 0, 0);
      cairo_pattern_set_filter (cairo_get_source (cr), CAIRO_FILTER_NEAREST);
      cairo_paint (cr);
      cairo_restore (cr);

      int rank = -1;
      for (int r = 0; r < n_top; r++)
        if (top[r] == co)
          rank = r;
      if (rank >= 0)
        {
          g_autofree char *label = g_strdup_printf ("%d", rank + 1);
          PlotRgb accent = plot_palette_color (1);
          plot_set_rgb (cr, accent);
          cairo_set_line_width (cr, 2.5);
          cairo_rectangle (cr, x - 1.5, y - 1.5, cell + 3, cell + 3);
          cairo_stroke (cr);
          cairo_rectangle (cr, x - 2.75, y - 2.75, 13, 13);
          cairo_fill (cr);
          cairo_set_source_rgb (cr, 1, 1, 1);
          plot_text (cr, label, 10, TRUE, x + 3.75, y + 3.75, PLOT_ALIGN_CENTER, PLOT_ALIGN_CENTER);
        }
    }
  cairo_surface_destroy (surface);
}

/* ---- the model graph ------------------------------------------------------------- */

#define GRAPH_ROW  46.0
#define GRAPH_BOX  36.0
#define LANE_GAP   24.0
#define SKIP_ROOM  18.0 /* right of a lane, for arrows that skip boxes */

/* Columns: a layer continues its first input's column unless that input already
 * feeds the next box there; then it opens a new column. */
static int
graph_lanes (const NnModel *m, int *lane)
{
  g_autofree gboolean *continued = g_new0 (gboolean, m->n_layers);
  int n_lanes = 1;
  for (int i = 0; i < m->n_layers; i++)
    {
      const NnLayer *l = &m->layers[i];
      if (l->n_inputs == 0)
        {
          lane[i] = i == 0 ? 0 : n_lanes++;
          continue;
        }
      int p = l->inputs[0];
      if (!continued[p])
        {
          lane[i] = lane[p];
          continued[p] = TRUE;
        }
      else
        lane[i] = n_lanes++;
    }
  return n_lanes;
}

double
plot_model_graph_height (const NnModel *m, double width)
{
  g_return_val_if_fail (m != NULL, 0);
  return m->n_layers * GRAPH_ROW + 4;
}

static void
arrow_head (cairo_t *cr, double x, double y)
{
  cairo_move_to (cr, x, y);
  cairo_line_to (cr, x - 4, y - 6);
  cairo_line_to (cr, x + 4, y - 6);
  cairo_close_path (cr);
  cairo_fill (cr);
}

static PlotRgb
kind_color (NnLayerKind kind)
{
  switch (kind)
    {
    case NN_LAYER_CONV2D:
    case NN_LAYER_DEPTHWISE_CONV2D:
    case NN_LAYER_SEPARABLE_CONV2D: return plot_palette_color (0);
    case NN_LAYER_MAX_POOL:
    case NN_LAYER_AVG_POOL:
    case NN_LAYER_GLOBAL_AVG_POOL:  return plot_palette_color (1);
    case NN_LAYER_DENSE:            return plot_palette_color (2);
    case NN_LAYER_ADD:
    case NN_LAYER_CONCATENATE:      return plot_palette_color (3);
    default:                        return plot_palette_color (5);
    }
}

void
plot_model_graph_draw (cairo_t *cr, const NnModel *m, double width, const PlotTheme *theme)
{
  g_return_if_fail (cr != NULL && m != NULL);
  g_autofree int *lane = g_new0 (int, m->n_layers);
  int n_lanes = graph_lanes (m, lane);
  double lane_w = (width - SKIP_ROOM - (n_lanes - 1) * LANE_GAP) / n_lanes;
  double box_w = MIN (lane_w, 340.0);
  PlotRgb fill = plot_mix (theme->background, theme->grid, 0.35);

#define BOX_X(i) (lane[i] * (lane_w + LANE_GAP) + (lane_w - box_w) / 2)
#define BOX_Y(i) ((i) * GRAPH_ROW + 2)
  /* the arrows first, under the boxes */
  plot_set_rgb (cr, theme->muted);
  cairo_set_line_width (cr, 1.2);
  for (int i = 0; i < m->n_layers; i++)
    for (int k = 0; k < m->layers[i].n_inputs; k++)
      {
        int p = m->layers[i].inputs[k];
        double x0 = BOX_X (p) + box_w / 2, y0 = BOX_Y (p) + GRAPH_BOX;
        double x1 = BOX_X (i) + box_w / 2, y1 = BOX_Y (i);
        cairo_move_to (cr, x0, y0);
        if (lane[p] == lane[i] && i > p + 1)
          {
            /* past the boxes between: out to the right of the column and back */
            double xr = BOX_X (i) + box_w + SKIP_ROOM * 0.7;
            cairo_curve_to (cr, x0, y0 + 10, xr, y0 + 10, xr, (y0 + y1) / 2);
            cairo_curve_to (cr, xr, y1 - 10, x1, y1 - 16, x1, y1 - 6);
          }
        else
          cairo_curve_to (cr, x0, (y0 + y1) / 2, x1, (y0 + y1) / 2, x1, y1 - 6);
        cairo_stroke (cr);
        arrow_head (cr, x1, y1);
      }

  for (int i = 0; i < m->n_layers; i++)
    {
      const NnLayer *l = &m->layers[i];
      double x = BOX_X (i), y = BOX_Y (i), r = 6;
      cairo_new_sub_path (cr);
      cairo_arc (cr, x + box_w - r, y + r, r, -G_PI / 2, 0);
      cairo_arc (cr, x + box_w - r, y + GRAPH_BOX - r, r, 0, G_PI / 2);
      cairo_arc (cr, x + r, y + GRAPH_BOX - r, r, G_PI / 2, G_PI);
      cairo_arc (cr, x + r, y + r, r, G_PI, 3 * G_PI / 2);
      cairo_close_path (cr);
      plot_set_rgb (cr, fill);
      cairo_fill_preserve (cr);
      plot_set_rgb (cr, theme->grid);
      cairo_set_line_width (cr, 1);
      cairo_stroke (cr);
      plot_set_rgb (cr, kind_color (l->kind));
      cairo_rectangle (cr, x + 1, y + 6, 4, GRAPH_BOX - 12);
      cairo_fill (cr);

      g_autofree char *shape = shape_text (l->out_shape);
      g_autofree char *line2 = g_strdup_printf ("%s · %s · %" G_GSIZE_FORMAT, nn_layer_kind_to_keras (l->kind),
                                                shape, nn_layer_count_params (l));
      double tw = box_w - 16;
      plot_set_rgb (cr, theme->text);
      plot_text (cr, l->name, plot_text_fit (cr, l->name, 12, TRUE, tw), TRUE, x + 11, y + 15,
                 PLOT_ALIGN_START, PLOT_ALIGN_END);
      plot_set_rgb (cr, theme->muted);
      plot_text (cr, line2, plot_text_fit (cr, line2, 10.5, FALSE, tw), FALSE, x + 11, y + 30,
                 PLOT_ALIGN_START, PLOT_ALIGN_END);
    }
#undef BOX_X
#undef BOX_Y
}

/* ---- the PNG --------------------------------------------------------------------- */

#define PNG_PAD   16.0
#define PNG_TITLE 30.0
#define PNG_INPUT 112.0

typedef struct {
  const PlotActivations *a;
  const float *input;
  const char *title;
  const int *top;
  int n_top;
  PlotActivationsCount *counts;
} PngData;

static double
png_head_height (const NnModel *m, double inner)
{
  double filters = plot_filters_height (m, inner - PNG_INPUT - PNG_PAD);
  return PNG_TITLE + MAX (PNG_INPUT + SECTION_GAP, filters);
}

static void
draw_png (cairo_t *cr, double width, double height, gpointer data)
{
  const PngData *d = data;
  const PlotTheme *t = plot_theme_light ();
  double inner = width - 2 * PNG_PAD;

  plot_set_rgb (cr, t->background);
  cairo_paint (cr);
  cairo_translate (cr, PNG_PAD, PNG_PAD);
  if (d->title != NULL)
    {
      plot_set_rgb (cr, t->text);
      plot_text (cr, d->title, plot_text_fit (cr, d->title, 16, TRUE, inner), TRUE, 0, 0,
                 PLOT_ALIGN_START, PLOT_ALIGN_START);
    }
  plot_gradcam_draw (cr, 0, PNG_TITLE + CAPTION_H, PNG_INPUT - CAPTION_H, d->input, NULL);
  plot_set_rgb (cr, t->muted);
  plot_text (cr, "input 28 × 28", CAPTION_PT - 1, FALSE, 0, PNG_TITLE + CAPTION_H - 6,
             PLOT_ALIGN_START, PLOT_ALIGN_END);
  cairo_save (cr);
  cairo_translate (cr, PNG_INPUT + PNG_PAD, PNG_TITLE);
  plot_filters_draw (cr, d->a->model, d->top, d->n_top, inner - PNG_INPUT - PNG_PAD, t);
  cairo_restore (cr);
  cairo_translate (cr, 0, png_head_height (d->a->model, inner));
  plot_activations_draw (cr, d->a, inner, t, d->counts);
}

gboolean
plot_activations_write_png (const PlotActivations *a, const float *input, const char *title,
                            int width, const char *path, PlotActivationsCount *counts,
                            GError **error)
{
  g_return_val_if_fail (a != NULL && a->model != NULL && input != NULL && path != NULL, FALSE);
  if (width <= 0)
    width = 720;
  double inner = width - 2 * PNG_PAD;
  double height = 2 * PNG_PAD + png_head_height (a->model, inner)
                  + plot_activations_height (a->model, inner);
  int top[3], n_top = 0, layer = plot_filters_layer (a->model);
  if (layer >= 0)
    n_top = plot_filters_top (a->model, a->outputs[layer], top, 3);
  if (height > 16384)
    {
      g_set_error (error, NN_ERROR, NN_ERROR_UNSUPPORTED,
                   "%s: the model's layers need a picture %.0f pixels tall, more than 16384; "
                   "try a smaller width", path, height);
      return FALSE;
    }
  PngData d = { a, input, title, top, n_top, counts };
  return plot_render_png (width, (int) ceil (height), draw_png, &d, path, error);
}
