/* dg-inside-plot.c: a cached Cairo picture with height for width (see the header). */
#include "dg-config.h"
#include "dg-inside-plot.h"

#include <math.h>

struct _DgInsidePlot {
  GtkWidget parent_instance;

  DgInsidePlotHeightFunc height;
  DgInsidePlotDrawFunc draw;
  gpointer data;
  cairo_surface_t *surface; /* the picture at surface_width */
  int surface_width, surface_scale;
};

G_DEFINE_FINAL_TYPE (DgInsidePlot, dg_inside_plot, GTK_TYPE_WIDGET)

static int
height_for (DgInsidePlot *self, int width)
{
  return self->height && width > 0 ? (int) ceil (self->height (width, self->data)) : 0;
}

/* Returns the picture's height at the widget's width. */
static int
render_surface (DgInsidePlot *self)
{
  int w = gtk_widget_get_width (GTK_WIDGET (self)), scale = gtk_widget_get_scale_factor (GTK_WIDGET (self));
  int h = height_for (self, w);
  cairo_t *cr;

  g_clear_pointer (&self->surface, cairo_surface_destroy);
  self->surface_width = w;
  if (w <= 0 || h <= 0 || !self->draw)
    return h;
  self->surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, w * scale, h * scale);
  self->surface_scale = scale;
  cairo_surface_set_device_scale (self->surface, scale, scale);
  cr = cairo_create (self->surface);
  self->draw (cr, w, self->data);
  cairo_destroy (cr);
  return h;
}

void
dg_inside_plot_render (DgInsidePlot *self)
{
  g_return_if_fail (DG_IS_INSIDE_PLOT (self));
  if (render_surface (self) != gtk_widget_get_height (GTK_WIDGET (self)))
    gtk_widget_queue_resize (GTK_WIDGET (self));
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

static void
dg_inside_plot_snapshot (GtkWidget *widget, GtkSnapshot *snapshot)
{
  DgInsidePlot *self = DG_INSIDE_PLOT (widget);
  int w = gtk_widget_get_width (widget), h = gtk_widget_get_height (widget);
  cairo_t *cr;

  /* a new width (the panel resized): the picture is laid out again */
  if (w != self->surface_width || gtk_widget_get_scale_factor (widget) != self->surface_scale)
    render_surface (self);
  if (!self->surface || h <= 0)
    return;
  cr = gtk_snapshot_append_cairo (snapshot, &GRAPHENE_RECT_INIT (0, 0, w, h));
  cairo_set_source_surface (cr, self->surface, 0, 0);
  cairo_paint (cr);
  cairo_destroy (cr);
}

static void
dg_inside_plot_measure (GtkWidget *widget, GtkOrientation orientation, int for_size,
                        int *minimum, int *natural, int *minimum_baseline, int *natural_baseline)
{
  DgInsidePlot *self = DG_INSIDE_PLOT (widget);

  if (orientation == GTK_ORIENTATION_HORIZONTAL)
    *minimum = *natural = 240;
  else
    *minimum = *natural = height_for (self, for_size > 0 ? for_size : 240);
}

static GtkSizeRequestMode
dg_inside_plot_get_request_mode (GtkWidget *widget)
{
  return GTK_SIZE_REQUEST_HEIGHT_FOR_WIDTH;
}

static void
dg_inside_plot_finalize (GObject *object)
{
  g_clear_pointer (&DG_INSIDE_PLOT (object)->surface, cairo_surface_destroy);
  G_OBJECT_CLASS (dg_inside_plot_parent_class)->finalize (object);
}

static void
dg_inside_plot_class_init (DgInsidePlotClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  G_OBJECT_CLASS (klass)->finalize = dg_inside_plot_finalize;
  widget_class->snapshot = dg_inside_plot_snapshot;
  widget_class->measure = dg_inside_plot_measure;
  widget_class->get_request_mode = dg_inside_plot_get_request_mode;
  gtk_widget_class_set_css_name (widget_class, "dg-inside-plot");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_IMG);
}

static void
dg_inside_plot_init (DgInsidePlot *self)
{
}

GtkWidget *
dg_inside_plot_new (void)
{
  return g_object_new (DG_TYPE_INSIDE_PLOT, NULL);
}

void
dg_inside_plot_set_funcs (DgInsidePlot *self, DgInsidePlotHeightFunc height,
                          DgInsidePlotDrawFunc draw, gpointer data)
{
  g_return_if_fail (DG_IS_INSIDE_PLOT (self));
  self->height = height;
  self->draw = draw;
  self->data = data;
  dg_inside_plot_render (self);
}
