/* dg-number-reader.c: strokes grouped into digits, set apart, read (see
 * dg-number-reader.h). */
#include "dg-config.h"
#include "dg-number-reader.h"
#include "nn-image.h"

#include <math.h>
#include <stdlib.h>

#define JOIN_OVERLAP 0.5  /* of the narrower stroke's columns: the two are one digit */
/* Canvas units of background between groups moved apart: nn_number_read reduces a
 * drawing about 100 px high (at DG_NUMBER_READ_SCALE) by up to 5, but never so far
 * that a gap between pieces closes, so a gap of 8 units (4 px) held it at 2. */
#define GAP 32

typedef struct {
  double x0, x1;          /* the group's columns on the canvas */
  int offset;             /* how far right it is moved */
} Group;

static int
find_root (int *parent, int i)
{
  while (parent[i] != i)
    i = parent[i] = parent[parent[i]];
  return i;
}

static int
cmp_group (const void *a, const void *b)
{
  const Group *const *p = a, *const *q = b;
  return ((*p)->x0 > (*q)->x0) - ((*p)->x0 < (*q)->x0);
}

/* Groups the strokes and gives each its shift; returns the width the shifted
 * drawing needs. groups (n) is indexed by root stroke. */
static int
place_groups (DgCanvas *canvas, guint n, int *parent, Group *groups, double *shifts)
{
  g_autofree Group **order = g_new (Group *, n);
  g_autofree double *x0 = g_new (double, n);
  g_autofree double *x1 = g_new (double, n);
  guint n_groups = 0;
  double end = -G_MAXDOUBLE;
  int offset = 0;

  for (guint i = 0; i < n; i++)
    {
      parent[i] = i;
      if (!dg_canvas_get_stroke_extent (canvas, i, &x0[i], &x1[i]))
        x0[i] = x1[i] = 0;
    }
  for (guint i = 0; i < n; i++)
    for (guint j = i + 1; j < n; j++)
      {
        double overlap = MIN (x1[i], x1[j]) - MAX (x0[i], x0[j]);
        double narrow = MIN (x1[i] - x0[i], x1[j] - x0[j]);
        if (overlap > 0 && overlap >= JOIN_OVERLAP * narrow)
          parent[find_root (parent, j)] = find_root (parent, i);
      }
  for (guint i = 0; i < n; i++)
    groups[i] = (Group) { G_MAXDOUBLE, -G_MAXDOUBLE, 0 };
  for (guint i = 0; i < n; i++)
    {
      Group *g = &groups[find_root (parent, i)];
      g->x0 = MIN (g->x0, x0[i]);
      g->x1 = MAX (g->x1, x1[i]);
    }
  for (guint i = 0; i < n; i++)
    if (find_root (parent, i) == (int) i)
      order[n_groups++] = &groups[i];
  qsort (order, n_groups, sizeof *order, cmp_group);
  /* left to right, each group starts at least GAP after every group before it */
  for (guint k = 0; k < n_groups; k++)
    {
      if (k > 0)
        offset = MAX (offset, (int) ceil (end + GAP - order[k]->x0));
      order[k]->offset = offset;
      end = MAX (end, order[k]->x1 + offset);
    }
  for (guint i = 0; i < n; i++)
    shifts[i] = groups[find_root (parent, i)].offset;
  return MAX (dg_canvas_get_width_units (canvas) + offset, n_groups > 0 ? (int) ceil (end) + 1 : 0);
}

/* The shift of the group a box in the shifted drawing belongs to: the one whose
 * shifted columns hold the box's centre, or the nearest. */
static int
box_offset (const Group *groups, const int *parent, guint n, const NnNumberDigit *d)
{
  double cx = d->x + d->w / 2.0, best = G_MAXDOUBLE;
  int offset = 0;

  for (guint i = 0; i < n; i++)
    if (find_root ((int *) parent, i) == (int) i)
      {
        const Group *g = &groups[i];
        double dist = cx < g->x0 + g->offset ? g->x0 + g->offset - cx
                      : cx > g->x1 + g->offset ? cx - g->x1 - g->offset : 0;
        if (dist < best)
          best = dist, offset = g->offset;
      }
  return offset;
}

gboolean
dg_number_read_canvas (DgNumberRead *out, DgModel *model, DgCanvas *canvas, GError **error)
{
  guint n = dg_canvas_get_n_strokes (canvas);
  g_autofree int *parent = g_new (int, MAX (n, 1));
  g_autofree Group *groups = g_new (Group, MAX (n, 1));
  g_autofree double *shifts = g_new0 (double, MAX (n, 1));

  g_return_val_if_fail (out != NULL && DG_IS_MODEL (model) && DG_IS_CANVAS (canvas), FALSE);
  dg_number_read_clear (out);
  const double s = DG_NUMBER_READ_SCALE;

  out->width = (int) ceil (place_groups (canvas, n, parent, groups, shifts) * s);
  out->height = (int) ceil (DG_CANVAS_UNITS * s);
  out->stride = cairo_format_stride_for_width (CAIRO_FORMAT_A8, out->width);
  out->grey = g_malloc ((size_t) out->stride * out->height);
  dg_canvas_render_grey_shifted (canvas, out->grey, out->width, out->height, out->stride, s,
                                 shifts);
  /* Strokes drawn are set apart, so their digits seldom touch, and they are read
   * at every frame: with the pieces model a read of six took 7.5 to 8.9 ms at
   * the 95th percentile instead of 5.6 to 6.1 (latency-bench in number mode).
   * An opened picture's digits may well touch. */
  if (!dg_model_read_number (model, out->grey, out->width, out->height, out->stride,
                             dg_canvas_has_image (canvas), &out->reading, error))
    return FALSE;
  /* the boxes, in pixels of the picture read, go back to canvas units */
  for (int i = 0; i < out->reading.n; i++)
    {
      NnNumberDigit *d = &out->reading.digits[i];
      int x1 = (int) ceil ((d->x + d->w) / s), y1 = (int) ceil ((d->y + d->h) / s);

      d->x = (int) floor (d->x / s), d->y = (int) floor (d->y / s);
      d->w = x1 - d->x, d->h = y1 - d->y;
      out->offset[i] = box_offset (groups, parent, n, d);
      d->x -= out->offset[i];
    }
  return TRUE;
}

gboolean
dg_number_read_input (const DgNumberRead *nr, int i, float *input, double placement[3])
{
  const NnNumberDigit *d;
  NnPreprocessInfo info;
  int x0, y0, x1, y1, w;
  const double s = DG_NUMBER_READ_SCALE;
  g_autofree guint8 *crop = NULL;

  g_return_val_if_fail (nr != NULL && nr->grey != NULL, FALSE);
  g_return_val_if_fail (i >= 0 && i < nr->reading.n, FALSE);
  d = &nr->reading.digits[i];
  /* the box and a pixel around it, in the picture that was read */
  x0 = MAX ((int) floor ((d->x + nr->offset[i]) * s) - 1, 0);
  x1 = MIN ((int) ceil ((d->x + nr->offset[i] + d->w) * s) + 1, nr->width);
  y0 = MAX ((int) floor (d->y * s) - 1, 0);
  y1 = MIN ((int) ceil ((d->y + d->h) * s) + 1, nr->height);
  if (x1 <= x0 || y1 <= y0)
    return FALSE;
  w = x1 - x0;
  crop = g_malloc ((size_t) w * (y1 - y0));
  for (int y = y0; y < y1; y++)
    memcpy (crop + (size_t) (y - y0) * w, nr->grey + (size_t) y * nr->stride + x0, w);
  if (!nn_preprocess_digit_info (crop, w, y1 - y0, w, NN_BACKGROUND_DARK, input, &info, NULL))
    return FALSE;
  /* field coordinate 14 sits at x = x0 + (14 - off_x) / scale in the crop */
  placement[0] = (x0 + info.x0 + (14 - info.off_x) / info.scale) / s - nr->offset[i];
  placement[1] = (y0 + info.y0 + (14 - info.off_y) / info.scale) / s;
  placement[2] = info.scale * s;
  return TRUE;
}

void
dg_number_read_clear (DgNumberRead *nr)
{
  g_clear_pointer (&nr->grey, g_free);
  memset (nr, 0, sizeof *nr);
}
