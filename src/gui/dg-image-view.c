/* dg-image-view.c: the model input, its Grad-CAM map, or both (see the header). */
#include "dg-config.h"
#include "dg-image-view.h"
#include "dg-colormap.h"

#define SIDE 28

struct _DgImageView {
  GtkWidget parent_instance;

  gboolean show_input;
  gboolean show_heatmap;
  gboolean has_input;
  gboolean has_heat;
  float input[SIDE * SIDE];
  float heat[SIDE * SIDE];
  cairo_surface_t *heat_surface; /* the heat map's colours */
  char *method;                  /* the name of the method that made the map */
};

G_DEFINE_FINAL_TYPE (DgImageView, dg_image_view, GTK_TYPE_WIDGET)

enum { PROP_0, PROP_SHOW_INPUT, PROP_SHOW_HEATMAP, N_PROPS };
static GParamSpec *properties[N_PROPS];

/* Draws the 28 x 28 grey image into a side x side square. */
static void
draw_grey (cairo_t *cr, const float *input, double side)
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
dg_image_view_snapshot (GtkWidget *widget, GtkSnapshot *snapshot)
{
  DgImageView *self = DG_IMAGE_VIEW (widget);
  int w = gtk_widget_get_width (widget), h = gtk_widget_get_height (widget);
  double side = MIN (w, h), ox = (w - side) / 2, oy = (h - side) / 2;
  gboolean heat = self->show_heatmap && self->has_heat;
  cairo_t *cr;

  if (side <= 0)
    return;
  cr = gtk_snapshot_append_cairo (snapshot, &GRAPHENE_RECT_INIT (ox, oy, side, side));
  cairo_translate (cr, ox, oy);
  cairo_set_source_rgb (cr, 0, 0, 0);
  cairo_paint (cr);
  /* a map view without a map stays black rather than show the bare input */
  if (self->show_input && self->has_input && (heat || !self->show_heatmap))
    draw_grey (cr, self->input, side);
  if (heat)
    {
      cairo_scale (cr, side / SIDE, side / SIDE);
      cairo_set_source_surface (cr, self->heat_surface, 0, 0);
      cairo_pattern_set_filter (cairo_get_source (cr), CAIRO_FILTER_BILINEAR);
      cairo_pattern_set_extend (cairo_get_source (cr), CAIRO_EXTEND_PAD);
      cairo_paint (cr);
    }
  cairo_destroy (cr);
}

/* Square: as tall as it is wide, so that wide results show larger pictures. */
static void
dg_image_view_measure (GtkWidget *widget, GtkOrientation orientation, int for_size,
                       int *minimum, int *natural, int *minimum_baseline, int *natural_baseline)
{
  *minimum = SIDE * 3;
  *natural = orientation == GTK_ORIENTATION_VERTICAL && for_size > 0
               ? CLAMP (for_size, SIDE * 3, SIDE * 10)
               : SIDE * 4;
}

static GtkSizeRequestMode
dg_image_view_get_request_mode (GtkWidget *widget)
{
  return GTK_SIZE_REQUEST_HEIGHT_FOR_WIDTH;
}

/* The map's colours: see-through where it is cold, and lighter over the input. */
static void
update_heat_surface (DgImageView *self)
{
  if (!self->has_heat)
    return;
  if (!self->heat_surface)
    self->heat_surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, SIDE, SIDE);
  cairo_surface_flush (self->heat_surface);
  dg_colormap_fill_argb ((guint32 *) cairo_image_surface_get_data (self->heat_surface),
                         cairo_image_surface_get_stride (self->heat_surface) / 4, self->heat,
                         SIDE, SIDE, self->show_input ? 0.7f : 1.f, 0.25f);
  cairo_surface_mark_dirty (self->heat_surface);
}

static void
update_label (DgImageView *self)
{
  const char *method = self->method != NULL ? self->method : _("Grad-CAM");
  g_autofree char *label
    = !self->show_heatmap ? g_strdup (_("The 28 × 28 image the model sees"))
      /* TRANSLATORS: %s is the method that made the map, such as “Grad-CAM++” */
      : self->show_input  ? g_strdup_printf (_("%s heat map over the model input"), method)
      /* TRANSLATORS: %s is the method that made the map, such as “Grad-CAM++” */
                          : g_strdup_printf (_("%s heat map"), method);

  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_LABEL, label, -1);
}

void
dg_image_view_set_method (DgImageView *self, const char *method)
{
  g_return_if_fail (DG_IS_IMAGE_VIEW (self));
  g_free (self->method);
  self->method = g_strdup (method);
  update_label (self);
}

void
dg_image_view_set_image (DgImageView *self, const float *input, const float *heat)
{
  g_return_if_fail (DG_IS_IMAGE_VIEW (self));

  self->has_input = input != NULL;
  self->has_heat = heat != NULL;
  if (input)
    memcpy (self->input, input, sizeof self->input);
  if (heat)
    {
      memcpy (self->heat, heat, sizeof self->heat);
      update_heat_surface (self);
    }
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

gboolean
dg_image_view_get_show_input (DgImageView *self)
{
  g_return_val_if_fail (DG_IS_IMAGE_VIEW (self), FALSE);
  return self->show_input;
}

gboolean
dg_image_view_get_show_heatmap (DgImageView *self)
{
  g_return_val_if_fail (DG_IS_IMAGE_VIEW (self), FALSE);
  return self->show_heatmap;
}

static void
set_flag (DgImageView *self, gboolean *flag, gboolean value, int prop)
{
  value = !!value;
  if (*flag == value)
    return;
  *flag = value;
  update_heat_surface (self);
  update_label (self);
  gtk_widget_queue_draw (GTK_WIDGET (self));
  g_object_notify_by_pspec (G_OBJECT (self), properties[prop]);
}

void
dg_image_view_set_show_input (DgImageView *self, gboolean show)
{
  g_return_if_fail (DG_IS_IMAGE_VIEW (self));
  set_flag (self, &self->show_input, show, PROP_SHOW_INPUT);
}

void
dg_image_view_set_show_heatmap (DgImageView *self, gboolean show)
{
  g_return_if_fail (DG_IS_IMAGE_VIEW (self));
  set_flag (self, &self->show_heatmap, show, PROP_SHOW_HEATMAP);
}

static void
dg_image_view_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  DgImageView *self = DG_IMAGE_VIEW (object);

  switch (prop_id)
    {
    case PROP_SHOW_INPUT: g_value_set_boolean (value, self->show_input); break;
    case PROP_SHOW_HEATMAP: g_value_set_boolean (value, self->show_heatmap); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
dg_image_view_set_property (GObject *object, guint prop_id, const GValue *value,
                            GParamSpec *pspec)
{
  DgImageView *self = DG_IMAGE_VIEW (object);

  switch (prop_id)
    {
    case PROP_SHOW_INPUT: dg_image_view_set_show_input (self, g_value_get_boolean (value)); break;
    case PROP_SHOW_HEATMAP: dg_image_view_set_show_heatmap (self, g_value_get_boolean (value)); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
dg_image_view_finalize (GObject *object)
{
  g_clear_pointer (&DG_IMAGE_VIEW (object)->heat_surface, cairo_surface_destroy);
  g_clear_pointer (&DG_IMAGE_VIEW (object)->method, g_free);
  G_OBJECT_CLASS (dg_image_view_parent_class)->finalize (object);
}

static void
dg_image_view_class_init (DgImageViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->get_property = dg_image_view_get_property;
  object_class->set_property = dg_image_view_set_property;
  object_class->finalize = dg_image_view_finalize;
  widget_class->snapshot = dg_image_view_snapshot;
  widget_class->measure = dg_image_view_measure;
  widget_class->get_request_mode = dg_image_view_get_request_mode;

  properties[PROP_SHOW_INPUT] = g_param_spec_boolean ("show-input", NULL, NULL, TRUE,
                                                      G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY
                                                      | G_PARAM_STATIC_STRINGS);
  properties[PROP_SHOW_HEATMAP] = g_param_spec_boolean ("show-heatmap", NULL, NULL, FALSE,
                                                        G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY
                                                        | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_css_name (widget_class, "dg-image-view");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_IMG);
}

static void
dg_image_view_init (DgImageView *self)
{
  self->show_input = TRUE;
  gtk_widget_set_overflow (GTK_WIDGET (self), GTK_OVERFLOW_HIDDEN);
  update_label (self);
}

GtkWidget *
dg_image_view_new (void)
{
  return g_object_new (DG_TYPE_IMAGE_VIEW, NULL);
}
