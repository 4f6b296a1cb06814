/* dg-gradcam-view.c */
#include "dg-config.h"
#include "dg-gradcam-view.h"
#include "dg-colormap.h"
#include "dg-input-view.h"

#define SIDE 28

struct _DgGradcamView {
  GtkWidget parent_instance;

  gboolean overlay;
  gboolean has_heat;
  float heat[SIDE * SIDE];
  float input[SIDE * SIDE];
  cairo_surface_t *surface; /* the heat map's colours */
};

G_DEFINE_FINAL_TYPE (DgGradcamView, dg_gradcam_view, GTK_TYPE_WIDGET)

enum { PROP_0, PROP_OVERLAY, N_PROPS };
static GParamSpec *properties[N_PROPS];

static void
dg_gradcam_view_snapshot (GtkWidget *widget, GtkSnapshot *snapshot)
{
  DgGradcamView *self = DG_GRADCAM_VIEW (widget);
  int w = gtk_widget_get_width (widget), h = gtk_widget_get_height (widget);
  double side = MIN (w, h), ox = (w - side) / 2, oy = (h - side) / 2;
  cairo_t *cr;

  if (side <= 0)
    return;
  cr = gtk_snapshot_append_cairo (snapshot, &GRAPHENE_RECT_INIT (ox, oy, side, side));
  cairo_translate (cr, ox, oy);
  cairo_set_source_rgb (cr, 0, 0, 0);
  cairo_paint (cr);
  if (self->has_heat)
    {
      if (self->overlay)
        dg_input_view_draw_grey (cr, self->input, side);
      cairo_scale (cr, side / SIDE, side / SIDE);
      cairo_set_source_surface (cr, self->surface, 0, 0);
      cairo_pattern_set_filter (cairo_get_source (cr), CAIRO_FILTER_BILINEAR);
      cairo_pattern_set_extend (cairo_get_source (cr), CAIRO_EXTEND_PAD);
      cairo_paint (cr);
    }
  cairo_destroy (cr);
}

static void
dg_gradcam_view_measure (GtkWidget *widget, GtkOrientation orientation, int for_size,
                         int *minimum, int *natural, int *minimum_baseline, int *natural_baseline)
{
  *minimum = SIDE * 3;
  *natural = SIDE * 4;
}

static void
update_surface (DgGradcamView *self)
{
  if (!self->has_heat)
    return;
  if (!self->surface)
    self->surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, SIDE, SIDE);
  cairo_surface_flush (self->surface);
  dg_colormap_fill_argb ((guint32 *) cairo_image_surface_get_data (self->surface),
                         cairo_image_surface_get_stride (self->surface) / 4, self->heat,
                         SIDE, SIDE, self->overlay ? 0.7f : 1.f, 0.25f);
  cairo_surface_mark_dirty (self->surface);
}

void
dg_gradcam_view_set_heatmap (DgGradcamView *self, const float *heat, const float *input)
{
  g_return_if_fail (DG_IS_GRADCAM_VIEW (self));

  self->has_heat = heat != NULL && input != NULL;
  if (self->has_heat)
    {
      memcpy (self->heat, heat, sizeof self->heat);
      memcpy (self->input, input, sizeof self->input);
      update_surface (self);
    }
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

gboolean
dg_gradcam_view_get_overlay (DgGradcamView *self)
{
  g_return_val_if_fail (DG_IS_GRADCAM_VIEW (self), FALSE);
  return self->overlay;
}

void
dg_gradcam_view_set_overlay (DgGradcamView *self, gboolean overlay)
{
  g_return_if_fail (DG_IS_GRADCAM_VIEW (self));
  overlay = !!overlay;
  if (self->overlay == overlay)
    return;
  self->overlay = overlay;
  update_surface (self);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  overlay ? _("Grad-CAM heat map over the model input")
                                          : _("Grad-CAM heat map"), -1);
  gtk_widget_queue_draw (GTK_WIDGET (self));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_OVERLAY]);
}

static void
dg_gradcam_view_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  if (prop_id == PROP_OVERLAY)
    g_value_set_boolean (value, DG_GRADCAM_VIEW (object)->overlay);
  else
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
}

static void
dg_gradcam_view_set_property (GObject *object, guint prop_id, const GValue *value,
                              GParamSpec *pspec)
{
  if (prop_id == PROP_OVERLAY)
    dg_gradcam_view_set_overlay (DG_GRADCAM_VIEW (object), g_value_get_boolean (value));
  else
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
}

static void
dg_gradcam_view_finalize (GObject *object)
{
  g_clear_pointer (&DG_GRADCAM_VIEW (object)->surface, cairo_surface_destroy);
  G_OBJECT_CLASS (dg_gradcam_view_parent_class)->finalize (object);
}

static void
dg_gradcam_view_class_init (DgGradcamViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->get_property = dg_gradcam_view_get_property;
  object_class->set_property = dg_gradcam_view_set_property;
  object_class->finalize = dg_gradcam_view_finalize;
  widget_class->snapshot = dg_gradcam_view_snapshot;
  widget_class->measure = dg_gradcam_view_measure;

  properties[PROP_OVERLAY] = g_param_spec_boolean ("overlay", NULL, NULL, FALSE,
                                                   G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY
                                                   | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_css_name (widget_class, "dg-gradcam-view");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_IMG);
}

static void
dg_gradcam_view_init (DgGradcamView *self)
{
  gtk_widget_set_overflow (GTK_WIDGET (self), GTK_OVERFLOW_HIDDEN);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Grad-CAM heat map"), -1);
}

GtkWidget *
dg_gradcam_view_new (void)
{
  return g_object_new (DG_TYPE_GRADCAM_VIEW, NULL);
}
