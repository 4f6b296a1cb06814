/* dg-canvas.c: strokes in, pixels out.
 *
 * GTK merges the motion events of one frame into a single drag-update; the
 * merged positions are in the event's history, so drag-update replays it and a
 * fast stroke keeps every point the pointer reported.
 *
 * An opened image is a raster layer: a "stroke" that holds a 280 x 280 ink mask
 * instead of points, always the first of its drawing. Opening one puts the
 * drawing away as Clear does, so it is one step of history.
 */
#include "dg-config.h"
#include "dg-canvas.h"
#include "dg-colormap.h"
#include "nn-explain-canvas.h"

#include <math.h>


typedef struct {
  GArray *points; /* of graphene_point_t, canvas units */
  float width;
  cairo_surface_t *image;  /* a raster layer (A8 ink, 280 x 280), or NULL */
  gpointer image_data;     /* the opener's, given back while the image is alone */
  GDestroyNotify image_destroy;
  double placement[3];     /* the heat map's centre (x, y) and input px per unit */
} DgStroke;

struct _DgCanvas {
  GtkWidget parent_instance;

  GtkGesture *drag;
  double drag_x, drag_y;   /* widget coordinates of the drag start */

  GPtrArray *strokes;      /* of DgStroke*, oldest first: the drawing */
  GPtrArray *redo;         /* undone strokes, most recently undone last */
  /* History is a stack of steps, each a stroke or a Clear; Undo takes back the
   * last one whole, so Undo after Clear brings the drawing back. */
  GArray *done;            /* of Step, oldest first */
  GArray *undone;          /* of Step, most recently undone last */
  GPtrArray *cleared;      /* of GPtrArray* of DgStroke*: one drawing per Clear in done */
  DgStroke *current;       /* the last of strokes while a drag runs */

  int brush_size;
  gboolean dark;
  int width_units;         /* the drawing's width in canvas units; its height is 280 */

  gboolean has_heat, show_heat;
  float *heat;                   /* (280, heat_width): the map in canvas units */
  int heat_width;                /* the drawing's width_units when the map was laid */
  cairo_surface_t *heat_surface; /* heat_width x 280 ARGB, the overlay colours */
};

G_DEFINE_FINAL_TYPE (DgCanvas, dg_canvas, GTK_TYPE_WIDGET)

typedef guint8 Step;
enum { STEP_STROKE, STEP_CLEAR, STEP_IMAGE };

enum {
  PROP_0,
  PROP_BRUSH_SIZE,
  PROP_DARK,
  PROP_SHOW_HEATMAP,
  PROP_CAN_UNDO,
  PROP_CAN_REDO,
  PROP_WIDTH_UNITS,
  N_PROPS
};

enum {
  CHANGED,
  STROKE_FINISHED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

static void
dg_stroke_free (gpointer data)
{
  DgStroke *stroke = data;

  g_array_unref (stroke->points);
  g_clear_pointer (&stroke->image, cairo_surface_destroy);
  if (stroke->image_destroy)
    stroke->image_destroy (stroke->image_data);
  g_free (stroke);
}

/* The rectangle the drawing occupies inside the widget (a square, or width_units
 * by 280 when wide), centred; side is its height in pixels. */
static void
get_square (DgCanvas *self, double *ox, double *oy, double *side)
{
  int w = gtk_widget_get_width (GTK_WIDGET (self));
  int h = gtk_widget_get_height (GTK_WIDGET (self));
  double aspect = self->width_units / (double) DG_CANVAS_UNITS;

  *side = floor (MIN (w / aspect, h));
  *ox = floor ((w - *side * aspect) / 2);
  *oy = floor ((h - *side) / 2);
}

void
dg_canvas_get_area (DgCanvas *self, graphene_rect_t *area)
{
  double ox, oy, side;

  g_return_if_fail (DG_IS_CANVAS (self));
  get_square (self, &ox, &oy, &side);
  *area = GRAPHENE_RECT_INIT (ox, oy, MAX (side, 0) * self->width_units / DG_CANVAS_UNITS,
                              MAX (side, 0));
}

static void
widget_to_canvas (DgCanvas *self, double wx, double wy, double *cx, double *cy)
{
  double ox, oy, side;

  get_square (self, &ox, &oy, &side);
  if (side <= 0)
    side = DG_CANVAS_UNITS;
  *cx = (wx - ox) * DG_CANVAS_UNITS / side;
  *cy = (wy - oy) * DG_CANVAS_UNITS / side;
}

static void
notify_history (DgCanvas *self, gboolean could_undo, gboolean could_redo)
{
  if (could_undo != dg_canvas_get_can_undo (self))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CAN_UNDO]);
  if (could_redo != dg_canvas_get_can_redo (self))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CAN_REDO]);
}

static void
changed (DgCanvas *self)
{
  gtk_widget_queue_draw (GTK_WIDGET (self));
  g_signal_emit (self, signals[CHANGED], 0);
}

/* ---- strokes --------------------------------------------------------------- */

static void
push_step (GArray *steps, Step step)
{
  g_array_append_val (steps, step);
}

static Step
pop_step (GArray *steps)
{
  Step step = g_array_index (steps, Step, steps->len - 1);

  g_array_set_size (steps, steps->len - 1);
  return step;
}

void
dg_canvas_stroke_begin (DgCanvas *self, double x, double y)
{
  gboolean could_undo, could_redo;
  DgStroke *stroke;

  g_return_if_fail (DG_IS_CANVAS (self));

  could_undo = dg_canvas_get_can_undo (self);
  could_redo = dg_canvas_get_can_redo (self);
  if (self->current)
    dg_canvas_stroke_end (self);

  stroke = g_new0 (DgStroke, 1);
  stroke->points = g_array_sized_new (FALSE, FALSE, sizeof (graphene_point_t), 64);
  stroke->width = self->brush_size;
  g_ptr_array_add (self->strokes, stroke);
  self->current = stroke;
  push_step (self->done, STEP_STROKE);
  /* A new stroke forks history: what was undone cannot come back. */
  g_ptr_array_set_size (self->redo, 0);
  g_array_set_size (self->undone, 0);

  dg_canvas_stroke_add (self, x, y);
  notify_history (self, could_undo, could_redo);
}

void
dg_canvas_stroke_add (DgCanvas *self, double x, double y)
{
  graphene_point_t p = GRAPHENE_POINT_INIT (x, y);
  GArray *points;

  g_return_if_fail (DG_IS_CANVAS (self));
  if (!self->current)
    return;

  points = self->current->points;
  /* A repeated position adds nothing but work. */
  if (points->len > 0)
    {
      graphene_point_t *last = &g_array_index (points, graphene_point_t, points->len - 1);
      if (last->x == p.x && last->y == p.y)
        return;
    }
  g_array_append_val (points, p);
  changed (self);
}

void
dg_canvas_stroke_end (DgCanvas *self)
{
  g_return_if_fail (DG_IS_CANVAS (self));
  if (!self->current)
    return;
  self->current = NULL;
  g_signal_emit (self, signals[STROKE_FINISHED], 0);
}

/* The drawing goes onto the cleared stack and an empty one takes its place. */
static void
put_drawing_away (DgCanvas *self)
{
  g_ptr_array_add (self->cleared, self->strokes);
  self->strokes = g_ptr_array_new_with_free_func (dg_stroke_free);
}

static void
bring_drawing_back (DgCanvas *self)
{
  g_ptr_array_unref (self->strokes);
  self->strokes = g_ptr_array_steal_index (self->cleared, self->cleared->len - 1);
}

void
dg_canvas_undo (DgCanvas *self)
{
  gboolean could_undo, could_redo;
  Step step;

  g_return_if_fail (DG_IS_CANVAS (self));
  if (self->done->len == 0)
    return;
  could_undo = dg_canvas_get_can_undo (self);
  could_redo = dg_canvas_get_can_redo (self);
  self->current = NULL;
  step = pop_step (self->done);
  if (step == STEP_STROKE)
    g_ptr_array_add (self->redo, g_ptr_array_steal_index (self->strokes, self->strokes->len - 1));
  else if (step == STEP_IMAGE)
    {
      /* the image is alone in its drawing: strokes on it were undone first */
      g_ptr_array_add (self->redo, g_ptr_array_steal_index (self->strokes, 0));
      bring_drawing_back (self);
    }
  else
    bring_drawing_back (self);
  push_step (self->undone, step);
  notify_history (self, could_undo, could_redo);
  changed (self);
}

void
dg_canvas_redo (DgCanvas *self)
{
  gboolean could_undo, could_redo;
  Step step;

  g_return_if_fail (DG_IS_CANVAS (self));
  if (self->undone->len == 0)
    return;
  could_undo = dg_canvas_get_can_undo (self);
  could_redo = dg_canvas_get_can_redo (self);
  self->current = NULL;
  step = pop_step (self->undone);
  if (step == STEP_STROKE)
    g_ptr_array_add (self->strokes, g_ptr_array_steal_index (self->redo, self->redo->len - 1));
  else if (step == STEP_IMAGE)
    {
      put_drawing_away (self);
      g_ptr_array_add (self->strokes, g_ptr_array_steal_index (self->redo, self->redo->len - 1));
    }
  else
    put_drawing_away (self);
  push_step (self->done, step);
  notify_history (self, could_undo, could_redo);
  changed (self);
}

/* Clearing is one step of history, like a stroke: Undo brings the whole drawing
 * back, Redo clears it again. */
void
dg_canvas_clear (DgCanvas *self)
{
  gboolean could_undo, could_redo;

  g_return_if_fail (DG_IS_CANVAS (self));
  if (self->strokes->len == 0)
    return;
  could_undo = dg_canvas_get_can_undo (self);
  could_redo = dg_canvas_get_can_redo (self);
  self->current = NULL;
  put_drawing_away (self);
  push_step (self->done, STEP_CLEAR);
  g_ptr_array_set_size (self->redo, 0);
  g_array_set_size (self->undone, 0);
  notify_history (self, could_undo, could_redo);
  changed (self);
}

void
dg_canvas_set_image (DgCanvas *self, const guint8 *ink, const double placement[3], gpointer data,
                     GDestroyNotify destroy)
{
  gboolean could_undo, could_redo;
  DgStroke *layer;
  guint8 *dst;
  int stride;

  g_return_if_fail (DG_IS_CANVAS (self));
  g_return_if_fail (ink != NULL);

  layer = g_new0 (DgStroke, 1);
  layer->points = g_array_new (FALSE, FALSE, sizeof (graphene_point_t));
  layer->image = cairo_image_surface_create (CAIRO_FORMAT_A8, DG_CANVAS_UNITS, DG_CANVAS_UNITS);
  cairo_surface_flush (layer->image);
  dst = cairo_image_surface_get_data (layer->image);
  stride = cairo_image_surface_get_stride (layer->image);
  for (int y = 0; y < DG_CANVAS_UNITS; y++)
    memcpy (dst + y * stride, ink + y * DG_CANVAS_UNITS, DG_CANVAS_UNITS);
  cairo_surface_mark_dirty (layer->image);
  layer->image_data = data;
  layer->image_destroy = destroy;
  if (placement)
    memcpy (layer->placement, placement, sizeof layer->placement);

  could_undo = dg_canvas_get_can_undo (self);
  could_redo = dg_canvas_get_can_redo (self);
  self->current = NULL;
  put_drawing_away (self);
  g_ptr_array_add (self->strokes, layer);
  push_step (self->done, STEP_IMAGE);
  g_ptr_array_set_size (self->redo, 0);
  g_array_set_size (self->undone, 0);
  notify_history (self, could_undo, could_redo);
  changed (self);
}

static DgStroke *
image_layer (DgCanvas *self)
{
  DgStroke *first = self->strokes->len > 0 ? g_ptr_array_index (self->strokes, 0) : NULL;

  return first && first->image ? first : NULL;
}

gboolean
dg_canvas_has_image (DgCanvas *self)
{
  g_return_val_if_fail (DG_IS_CANVAS (self), FALSE);
  return image_layer (self) != NULL;
}

gpointer
dg_canvas_get_image_data (DgCanvas *self)
{
  g_return_val_if_fail (DG_IS_CANVAS (self), NULL);
  return image_layer (self) && self->strokes->len == 1 ? image_layer (self)->image_data : NULL;
}

gboolean
dg_canvas_get_can_undo (DgCanvas *self)
{
  g_return_val_if_fail (DG_IS_CANVAS (self), FALSE);
  return self->done->len > 0;
}

gboolean
dg_canvas_get_can_redo (DgCanvas *self)
{
  g_return_val_if_fail (DG_IS_CANVAS (self), FALSE);
  return self->undone->len > 0;
}

gboolean
dg_canvas_is_empty (DgCanvas *self)
{
  g_return_val_if_fail (DG_IS_CANVAS (self), TRUE);
  return self->strokes->len == 0;
}

guint
dg_canvas_get_n_strokes (DgCanvas *self)
{
  g_return_val_if_fail (DG_IS_CANVAS (self), 0);
  return self->strokes->len;
}

guint
dg_canvas_get_n_points (DgCanvas *self)
{
  guint n = 0;

  g_return_val_if_fail (DG_IS_CANVAS (self), 0);
  for (guint i = 0; i < self->strokes->len; i++)
    n += ((DgStroke *) g_ptr_array_index (self->strokes, i))->points->len;
  return n;
}

/* ---- drawing --------------------------------------------------------------- */

/* Quadratic curves through the midpoints of successive points: smooth without
 * moving the curve away from where the pointer went. */
static void
draw_stroke (cairo_t *cr, const DgStroke *stroke)
{
  const graphene_point_t *p = (const graphene_point_t *) stroke->points->data;
  guint n = stroke->points->len;

  cairo_set_line_width (cr, stroke->width);
  cairo_move_to (cr, p[0].x, p[0].y);
  if (n == 1)
    cairo_line_to (cr, p[0].x, p[0].y); /* a dot: round caps on a zero-length line */
  for (guint i = 1; i + 1 < n; i++)
    {
      double x0, y0, mx = (p[i].x + p[i + 1].x) / 2, my = (p[i].y + p[i + 1].y) / 2;

      cairo_get_current_point (cr, &x0, &y0);
      cairo_curve_to (cr, x0 + 2.0 / 3 * (p[i].x - x0), y0 + 2.0 / 3 * (p[i].y - y0),
                      mx + 2.0 / 3 * (p[i].x - mx), my + 2.0 / 3 * (p[i].y - my), mx, my);
    }
  if (n > 1)
    cairo_line_to (cr, p[n - 1].x, p[n - 1].y);
  cairo_stroke (cr);
}

/* Every stroke, each moved right by shifts[i] canvas units when shifts is given. */
static void
draw_strokes (DgCanvas *self, cairo_t *cr, const double *shifts)
{
  cairo_set_line_cap (cr, CAIRO_LINE_CAP_ROUND);
  cairo_set_line_join (cr, CAIRO_LINE_JOIN_ROUND);

  for (guint s = 0; s < self->strokes->len; s++)
    {
      DgStroke *stroke = g_ptr_array_index (self->strokes, s);
      double shift = shifts ? shifts[s] : 0;

      if (shift != 0)
        {
          cairo_save (cr);
          cairo_translate (cr, shift, 0);
        }
      if (stroke->image)
        cairo_mask_surface (cr, stroke->image, 0, 0);
      else if (stroke->points->len > 0)
        draw_stroke (cr, stroke);
      if (shift != 0)
        cairo_restore (cr);
    }
}

void
dg_canvas_render_grey (DgCanvas *self, guint8 *grey)
{
  g_return_if_fail (DG_IS_CANVAS (self));
  g_return_if_fail (grey != NULL);
  dg_canvas_render_grey_shifted (self, grey, DG_CANVAS_UNITS, DG_CANVAS_UNITS, DG_CANVAS_UNITS, 1,
                                 NULL);
}

void
dg_canvas_render_grey_shifted (DgCanvas *self, guint8 *grey, int width, int height, int stride,
                               double scale, const double *shifts)
{
  cairo_surface_t *surface;
  cairo_t *cr;

  g_return_if_fail (DG_IS_CANVAS (self));
  g_return_if_fail (grey != NULL && width > 0 && height > 0 && stride >= width && scale > 0);
  /* Cairo wants A8 rows 4-byte aligned: draw into its own rows when they differ */
  g_return_if_fail (stride == cairo_format_stride_for_width (CAIRO_FORMAT_A8, width));

  memset (grey, 0, (size_t) stride * height);
  surface = cairo_image_surface_create_for_data (grey, CAIRO_FORMAT_A8, width, height, stride);
  cr = cairo_create (surface);
  cairo_scale (cr, scale, scale);
  cairo_set_source_rgba (cr, 1, 1, 1, 1);
  draw_strokes (self, cr, shifts);
  cairo_destroy (cr);
  cairo_surface_flush (surface);
  cairo_surface_destroy (surface);
}

gboolean
dg_canvas_get_stroke_extent (DgCanvas *self, guint i, double *x0, double *x1)
{
  DgStroke *stroke;

  g_return_val_if_fail (DG_IS_CANVAS (self), FALSE);
  if (i >= self->strokes->len)
    return FALSE;
  stroke = g_ptr_array_index (self->strokes, i);
  if (stroke->image)
    {
      *x0 = 0, *x1 = DG_CANVAS_UNITS;
      return TRUE;
    }
  if (stroke->points->len == 0)
    return FALSE;
  *x0 = G_MAXDOUBLE, *x1 = -G_MAXDOUBLE;
  for (guint k = 0; k < stroke->points->len; k++)
    {
      const graphene_point_t *p = &g_array_index (stroke->points, graphene_point_t, k);
      *x0 = MIN (*x0, p->x - stroke->width / 2);
      *x1 = MAX (*x1, p->x + stroke->width / 2);
    }
  return TRUE;
}

/* The whole canvas, no frame: the map is 0 (see-through) wherever the model saw
 * nothing. */
static void
draw_heat (DgCanvas *self, cairo_t *cr)
{
  cairo_save (cr);
  cairo_set_source_surface (cr, self->heat_surface, 0, 0);
  cairo_pattern_set_filter (cairo_get_source (cr), CAIRO_FILTER_BILINEAR);
  cairo_pattern_set_extend (cairo_get_source (cr), CAIRO_EXTEND_PAD);
  cairo_paint (cr);
  cairo_restore (cr);
}

static void
dg_canvas_snapshot (GtkWidget *widget, GtkSnapshot *snapshot)
{
  DgCanvas *self = DG_CANVAS (widget);
  double ox, oy, side, width, radius = 12;
  cairo_t *cr;

  get_square (self, &ox, &oy, &side);
  if (side <= 0)
    return;
  width = side * self->width_units / DG_CANVAS_UNITS;

  cr = gtk_snapshot_append_cairo (snapshot, &GRAPHENE_RECT_INIT (ox, oy, width, side));
  cairo_translate (cr, ox, oy);

  /* rounded corners, like the cards around it */
  cairo_new_sub_path (cr);
  cairo_arc (cr, width - radius, radius, radius, -G_PI / 2, 0);
  cairo_arc (cr, width - radius, side - radius, radius, 0, G_PI / 2);
  cairo_arc (cr, radius, side - radius, radius, G_PI / 2, G_PI);
  cairo_arc (cr, radius, radius, radius, G_PI, 3 * G_PI / 2);
  cairo_close_path (cr);
  cairo_clip (cr);

  if (self->dark)
    cairo_set_source_rgb (cr, 0, 0, 0);
  else
    cairo_set_source_rgb (cr, 1, 1, 1);
  cairo_paint (cr);

  cairo_scale (cr, side / DG_CANVAS_UNITS, side / DG_CANVAS_UNITS);
  if (self->dark)
    cairo_set_source_rgb (cr, 1, 1, 1);
  else
    cairo_set_source_rgb (cr, 0, 0, 0);
  draw_strokes (self, cr, NULL);

  if (self->show_heat && self->has_heat && self->strokes->len > 0)
    draw_heat (self, cr);

  cairo_destroy (cr);
}

static void
dg_canvas_measure (GtkWidget *widget, GtkOrientation orientation, int for_size,
                   int *minimum, int *natural, int *minimum_baseline, int *natural_baseline)
{
  DgCanvas *self = DG_CANVAS (widget);

  /* wide, it keeps the square's minimum width and as much height as the aspect gives */
  if (orientation == GTK_ORIENTATION_VERTICAL)
    {
      *minimum = DG_CANVAS_UNITS * DG_CANVAS_UNITS / self->width_units;
      *natural = 420 * DG_CANVAS_UNITS / self->width_units;
    }
  else
    {
      *minimum = DG_CANVAS_UNITS;
      *natural = 420 * self->width_units / DG_CANVAS_UNITS;
    }
}

/* ---- heat map overlay ------------------------------------------------------ */

/* The map's colours over the drawing: see-through below 35% of its maximum
 * and growing smoothly to 80% opaque, so that a map's low, even floor over the
 * model's field (Grad-CAM's usually is) does not show the field as a lit square
 * on the canvas; only where the model looked is coloured. */
static void
fill_wash (guint32 *pixels, int stride_px, const float *heat, int width)
{
  guint32 lut[256];

  for (int i = 0; i < 256; i++)
    {
      float t = i / 255.f, r, g, b, u = CLAMP ((t - 0.35f) / 0.45f, 0.f, 1.f);
      float a = 0.8f * u * u * (3.f - 2.f * u);

      dg_colormap_viridis (t, &r, &g, &b);
      lut[i] = ((guint32) (a * 255.f + .5f) << 24) | ((guint32) (a * r * 255.f + .5f) << 16)
               | ((guint32) (a * g * 255.f + .5f) << 8) | (guint32) (a * b * 255.f + .5f);
    }
  for (int y = 0; y < DG_CANVAS_UNITS; y++)
    for (int x = 0; x < width; x++)
      {
        float t = CLAMP (heat[y * width + x], 0.f, 1.f);
        pixels[y * stride_px + x] = lut[(int) (t * 255.f + .5f)];
      }
}

/* Field coordinates of canvas unit (x, y)'s centre: input pixel (14, 14) sits at
 * canvas (placement[0], placement[1]), placement[2] input pixels per unit. */
static void
map_by_placement (const float *heatmap28, const double placement[3], int width, float *out)
{
  nn_explain_map_to_grid (heatmap28, 14.0 - placement[0] * placement[2],
                          14.0 - placement[1] * placement[2], placement[2], width,
                          DG_CANVAS_UNITS, out);
}

/* self->heat (width_units x 280) from the 28 x 28 map; FALSE when nothing says
 * where the model's input lies on the canvas. */
static gboolean
map_heat (DgCanvas *self, const float *heatmap28, const NnPreprocessInfo *info,
          const double placement[3])
{
  int width = self->width_units;
  DgStroke *image = image_layer (self);

  /* kept from one map to the next: a map is laid with every stroke */
  if (!self->heat || self->heat_width != width)
    {
      g_free (self->heat);
      self->heat = g_new (float, (gsize) width * DG_CANVAS_UNITS);
      self->heat_width = width;
    }
  if (placement)
    map_by_placement (heatmap28, placement, width, self->heat);
  else if (info && width == DG_CANVAS_UNITS)
    nn_explain_map_to_picture (heatmap28, info, DG_CANVAS_UNITS, DG_CANVAS_UNITS, self->heat);
  else if (info)
    {
      /* info places dg_canvas_render_grey's picture: the drawing's left square */
      g_autofree float *square = g_new (float, DG_CANVAS_UNITS * DG_CANVAS_UNITS);
      nn_explain_map_to_picture (heatmap28, info, DG_CANVAS_UNITS, DG_CANVAS_UNITS, square);
      memset (self->heat, 0, (gsize) width * DG_CANVAS_UNITS * sizeof (float));
      for (int y = 0; y < DG_CANVAS_UNITS; y++)
        memcpy (self->heat + (gsize) y * width, square + y * DG_CANVAS_UNITS,
                DG_CANVAS_UNITS * sizeof (float));
    }
  else if (image && self->strokes->len == 1 && image->placement[2] > 0)
    /* the input came from the picture's own file */
    map_by_placement (heatmap28, image->placement, width, self->heat);
  else
    return FALSE;
  return TRUE;
}

static void
set_heat (DgCanvas *self, const float *heatmap28, const NnPreprocessInfo *info,
          const double placement[3])
{
  self->has_heat = heatmap28 != NULL;
  if (heatmap28)
    {
      if (!map_heat (self, heatmap28, info, placement))
        {
          g_critical ("%s: a heat map needs the preprocessing's placement", G_STRFUNC);
          self->has_heat = FALSE;
          return;
        }
      if (!self->heat_surface
          || cairo_image_surface_get_width (self->heat_surface) != self->heat_width)
        {
          g_clear_pointer (&self->heat_surface, cairo_surface_destroy);
          self->heat_surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, self->heat_width,
                                                           DG_CANVAS_UNITS);
        }
      cairo_surface_flush (self->heat_surface);
      fill_wash ((guint32 *) cairo_image_surface_get_data (self->heat_surface),
                 cairo_image_surface_get_stride (self->heat_surface) / 4, self->heat,
                 self->heat_width);
      cairo_surface_mark_dirty (self->heat_surface);
    }
  if (self->show_heat)
    gtk_widget_queue_draw (GTK_WIDGET (self));
}

void
dg_canvas_set_heatmap (DgCanvas *self, const float *heatmap28, const NnPreprocessInfo *info)
{
  g_return_if_fail (DG_IS_CANVAS (self));
  set_heat (self, heatmap28, info, NULL);
}

void
dg_canvas_set_heatmap_at (DgCanvas *self, const float *heatmap28, const double placement[3])
{
  g_return_if_fail (DG_IS_CANVAS (self));
  g_return_if_fail (heatmap28 == NULL || placement != NULL);
  set_heat (self, heatmap28, NULL, placement);
}

const float *
dg_canvas_get_heatmap_picture (DgCanvas *self)
{
  g_return_val_if_fail (DG_IS_CANVAS (self), NULL);
  return self->has_heat ? self->heat : NULL;
}

void
dg_canvas_set_show_heatmap (DgCanvas *self, gboolean show)
{
  g_return_if_fail (DG_IS_CANVAS (self));
  show = !!show;
  if (self->show_heat == show)
    return;
  self->show_heat = show;
  gtk_widget_queue_draw (GTK_WIDGET (self));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SHOW_HEATMAP]);
}

gboolean
dg_canvas_get_show_heatmap (DgCanvas *self)
{
  g_return_val_if_fail (DG_IS_CANVAS (self), FALSE);
  return self->show_heat;
}

/* ---- gesture --------------------------------------------------------------- */

static void
on_drag_begin (GtkGestureDrag *gesture, double x, double y, DgCanvas *self)
{
  double cx, cy;

  self->drag_x = x;
  self->drag_y = y;
  widget_to_canvas (self, x, y, &cx, &cy);
  dg_canvas_stroke_begin (self, cx, cy);
}

static void
replay_history (DgCanvas *self, GdkEvent *event)
{
  GtkNative *native = gtk_widget_get_native (GTK_WIDGET (self));
  g_autofree GdkTimeCoord *history = NULL;
  guint n = 0;
  double tx, ty;

  if (!native || gdk_event_get_event_type (event) != GDK_MOTION_NOTIFY)
    return;
  history = gdk_event_get_history (event, &n);
  gtk_native_get_surface_transform (native, &tx, &ty);
  for (guint i = 0; i < n; i++)
    {
      graphene_point_t in = GRAPHENE_POINT_INIT (history[i].axes[GDK_AXIS_X] - tx,
                                                 history[i].axes[GDK_AXIS_Y] - ty), out;
      double cx, cy;

      if (!gtk_widget_compute_point (GTK_WIDGET (native), GTK_WIDGET (self), &in, &out))
        continue;
      widget_to_canvas (self, out.x, out.y, &cx, &cy);
      dg_canvas_stroke_add (self, cx, cy);
    }
}

static void
on_drag_update (GtkGestureDrag *gesture, double dx, double dy, DgCanvas *self)
{
  GdkEvent *event = gtk_event_controller_get_current_event (GTK_EVENT_CONTROLLER (gesture));
  double cx, cy;

  if (event)
    replay_history (self, event);
  widget_to_canvas (self, self->drag_x + dx, self->drag_y + dy, &cx, &cy);
  dg_canvas_stroke_add (self, cx, cy);
}

static void
on_drag_end (GtkGestureDrag *gesture, double dx, double dy, DgCanvas *self)
{
  double cx, cy;

  widget_to_canvas (self, self->drag_x + dx, self->drag_y + dy, &cx, &cy);
  dg_canvas_stroke_add (self, cx, cy);
  dg_canvas_stroke_end (self);
}

/* ---- properties ------------------------------------------------------------ */

int
dg_canvas_get_width_units (DgCanvas *self)
{
  g_return_val_if_fail (DG_IS_CANVAS (self), DG_CANVAS_UNITS);
  return self->width_units;
}

void
dg_canvas_set_width_units (DgCanvas *self, int width_units)
{
  g_return_if_fail (DG_IS_CANVAS (self));
  width_units = CLAMP (width_units, DG_CANVAS_UNITS, DG_CANVAS_MAX_UNITS);
  if (self->width_units == width_units)
    return;
  self->width_units = width_units;
  gtk_widget_queue_resize (GTK_WIDGET (self));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_WIDTH_UNITS]);
}

int
dg_canvas_get_brush_size (DgCanvas *self)
{
  g_return_val_if_fail (DG_IS_CANVAS (self), 14);
  return self->brush_size;
}

void
dg_canvas_set_brush_size (DgCanvas *self, int size)
{
  g_return_if_fail (DG_IS_CANVAS (self));
  if (self->brush_size == size)
    return;
  self->brush_size = size;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BRUSH_SIZE]);
}

gboolean
dg_canvas_get_dark (DgCanvas *self)
{
  g_return_val_if_fail (DG_IS_CANVAS (self), TRUE);
  return self->dark;
}

void
dg_canvas_set_dark (DgCanvas *self, gboolean dark)
{
  g_return_if_fail (DG_IS_CANVAS (self));
  dark = !!dark;
  if (self->dark == dark)
    return;
  self->dark = dark;
  gtk_widget_queue_draw (GTK_WIDGET (self));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_DARK]);
}

static void
dg_canvas_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  DgCanvas *self = DG_CANVAS (object);

  switch (prop_id)
    {
    case PROP_BRUSH_SIZE:   g_value_set_int (value, self->brush_size); break;
    case PROP_DARK:         g_value_set_boolean (value, self->dark); break;
    case PROP_SHOW_HEATMAP: g_value_set_boolean (value, self->show_heat); break;
    case PROP_CAN_UNDO:     g_value_set_boolean (value, dg_canvas_get_can_undo (self)); break;
    case PROP_CAN_REDO:     g_value_set_boolean (value, dg_canvas_get_can_redo (self)); break;
    case PROP_WIDTH_UNITS:  g_value_set_int (value, self->width_units); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
dg_canvas_set_property (GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
  DgCanvas *self = DG_CANVAS (object);

  switch (prop_id)
    {
    case PROP_BRUSH_SIZE:   dg_canvas_set_brush_size (self, g_value_get_int (value)); break;
    case PROP_DARK:         dg_canvas_set_dark (self, g_value_get_boolean (value)); break;
    case PROP_SHOW_HEATMAP: dg_canvas_set_show_heatmap (self, g_value_get_boolean (value)); break;
    case PROP_WIDTH_UNITS:  dg_canvas_set_width_units (self, g_value_get_int (value)); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
dg_canvas_finalize (GObject *object)
{
  DgCanvas *self = DG_CANVAS (object);

  g_ptr_array_unref (self->strokes);
  g_ptr_array_unref (self->redo);
  g_array_unref (self->done);
  g_array_unref (self->undone);
  g_ptr_array_unref (self->cleared);
  g_clear_pointer (&self->heat_surface, cairo_surface_destroy);
  g_clear_pointer (&self->heat, g_free);
  G_OBJECT_CLASS (dg_canvas_parent_class)->finalize (object);
}

static void
dg_canvas_class_init (DgCanvasClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  GParamFlags rw = G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;
  GParamFlags ro = G_PARAM_READABLE | G_PARAM_STATIC_STRINGS;

  object_class->get_property = dg_canvas_get_property;
  object_class->set_property = dg_canvas_set_property;
  object_class->finalize = dg_canvas_finalize;
  widget_class->snapshot = dg_canvas_snapshot;
  widget_class->measure = dg_canvas_measure;

  properties[PROP_BRUSH_SIZE] = g_param_spec_int ("brush-size", NULL, NULL, 1, 100, 14, rw);
  properties[PROP_DARK] = g_param_spec_boolean ("dark", NULL, NULL, TRUE, rw);
  properties[PROP_SHOW_HEATMAP] = g_param_spec_boolean ("show-heatmap", NULL, NULL, FALSE, rw);
  properties[PROP_CAN_UNDO] = g_param_spec_boolean ("can-undo", NULL, NULL, FALSE, ro);
  properties[PROP_CAN_REDO] = g_param_spec_boolean ("can-redo", NULL, NULL, FALSE, ro);
  /* the drawing's width in canvas units (its height is always 280): 840 for numbers */
  properties[PROP_WIDTH_UNITS] = g_param_spec_int ("width-units", NULL, NULL, DG_CANVAS_UNITS,
                                                   DG_CANVAS_MAX_UNITS, DG_CANVAS_UNITS, rw);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /* Every change of the drawing: a point added, undo, redo, clear. */
  signals[CHANGED] = g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                   0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  signals[STROKE_FINISHED] = g_signal_new ("stroke-finished", G_TYPE_FROM_CLASS (klass),
                                           G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 0);

  gtk_widget_class_set_css_name (widget_class, "dg-canvas");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_IMG);
}

static void
dg_canvas_init (DgCanvas *self)
{
  self->strokes = g_ptr_array_new_with_free_func (dg_stroke_free);
  self->redo = g_ptr_array_new_with_free_func (dg_stroke_free);
  self->done = g_array_new (FALSE, FALSE, sizeof (Step));
  self->undone = g_array_new (FALSE, FALSE, sizeof (Step));
  self->cleared = g_ptr_array_new_with_free_func ((GDestroyNotify) g_ptr_array_unref);
  self->brush_size = 14;
  self->dark = TRUE;
  self->width_units = DG_CANVAS_UNITS;

  self->drag = gtk_gesture_drag_new ();
  gtk_gesture_single_set_button (GTK_GESTURE_SINGLE (self->drag), GDK_BUTTON_PRIMARY);
  g_signal_connect (self->drag, "drag-begin", G_CALLBACK (on_drag_begin), self);
  g_signal_connect (self->drag, "drag-update", G_CALLBACK (on_drag_update), self);
  g_signal_connect (self->drag, "drag-end", G_CALLBACK (on_drag_end), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (self->drag));

  gtk_widget_set_hexpand (GTK_WIDGET (self), TRUE);
  gtk_widget_set_vexpand (GTK_WIDGET (self), TRUE);
  gtk_widget_set_cursor_from_name (GTK_WIDGET (self), "crosshair");
  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Drawing canvas"), -1);
}

GtkWidget *
dg_canvas_new (void)
{
  return g_object_new (DG_TYPE_CANVAS, NULL);
}
