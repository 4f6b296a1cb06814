/* dg-input-view.c */
#include "dg-config.h"
#include "dg-input-view.h"

#define SIDE 28

struct _DgInputView {
  GtkWidget parent_instance;

  gboolean has_input;
  float input[SIDE * SIDE];
};

G_DEFINE_FINAL_TYPE (DgInputView, dg_input_view, GTK_TYPE_WIDGET)

void
dg_input_view_draw_grey (cairo_t *cr, const float *input, double side)
{
  cairo_surface_t *surface = cairo_image_surface_create (CAIRO_FORMAT_RGB24, SIDE, SIDE);
  guint32 *pixels;
  int stride;

  cairo_surface_flush (surface);
  pixels = (guint32 *) cairo_image_surface_get_data (surface);
  stride = cairo_image_surface_get_stride (surface) / 4;
  for (int y = 0; y < SIDE; y++)
    for (int x = 0; x < SIDE; x++)
      {
        guint32 v = (guint32) (CLAMP (input[y * SIDE + x], 0.f, 1.f) * 255.f + .5f);
        pixels[y * stride + x] = 0xff000000u | (v << 16) | (v << 8) | v;
      }
  cairo_surface_mark_dirty (surface);

  cairo_save (cr);
  cairo_scale (cr, side / SIDE, side / SIDE);
  cairo_set_source_surface (cr, surface, 0, 0);
  cairo_pattern_set_filter (cairo_get_source (cr), CAIRO_FILTER_NEAREST);
  cairo_paint (cr);
  cairo_restore (cr);
  cairo_surface_destroy (surface);
}

static void
dg_input_view_snapshot (GtkWidget *widget, GtkSnapshot *snapshot)
{
  DgInputView *self = DG_INPUT_VIEW (widget);
  int w = gtk_widget_get_width (widget), h = gtk_widget_get_height (widget);
  double side = MIN (w, h), ox = (w - side) / 2, oy = (h - side) / 2;
  cairo_t *cr;

  if (side <= 0)
    return;
  cr = gtk_snapshot_append_cairo (snapshot, &GRAPHENE_RECT_INIT (ox, oy, side, side));
  cairo_translate (cr, ox, oy);
  if (self->has_input)
    dg_input_view_draw_grey (cr, self->input, side);
  else
    {
      cairo_set_source_rgb (cr, 0, 0, 0);
      cairo_paint (cr);
    }
  cairo_destroy (cr);
}

static void
dg_input_view_measure (GtkWidget *widget, GtkOrientation orientation, int for_size,
                       int *minimum, int *natural, int *minimum_baseline, int *natural_baseline)
{
  *minimum = SIDE * 3;
  *natural = SIDE * 4;
}

static void
dg_input_view_class_init (DgInputViewClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  widget_class->snapshot = dg_input_view_snapshot;
  widget_class->measure = dg_input_view_measure;
  gtk_widget_class_set_css_name (widget_class, "dg-input-view");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_IMG);
}

static void
dg_input_view_init (DgInputView *self)
{
  gtk_widget_set_overflow (GTK_WIDGET (self), GTK_OVERFLOW_HIDDEN);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("The 28 × 28 image the model sees"), -1);
}

GtkWidget *
dg_input_view_new (void)
{
  return g_object_new (DG_TYPE_INPUT_VIEW, NULL);
}

void
dg_input_view_set_input (DgInputView *self, const float *input)
{
  g_return_if_fail (DG_IS_INPUT_VIEW (self));
  self->has_input = input != NULL;
  if (input)
    memcpy (self->input, input, sizeof self->input);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}
