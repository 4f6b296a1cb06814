/* dg-inside-plot.c: a cached Cairo picture with height for width (see the header). */
#include "dg-config.h"
#include "dg-inside-plot.h"

#include <math.h>

struct _DgInsidePlot {
  GtkWidget parent_instance;

  DgInsidePlotHeightFunc height;
  DgInsidePlotDrawFunc draw;
  gpointer data;
  cairo_surface_t *surface; /* the picture at surface_width, drawn in rows done_y0 .. done_y1 */
  int surface_width, surface_height, surface_scale;
  double done_y0, done_y1;
  GtkAdjustment *vadjustment; /* the scrolled window's, while mapped */
};

G_DEFINE_FINAL_TYPE (DgInsidePlot, dg_inside_plot, GTK_TYPE_WIDGET)

/* Rows drawn beyond those showing, so that scrolling a little draws nothing new. */
#define MARGIN 400

static int
height_for (DgInsidePlot *self, int width)
{
  return self->height && width > 0 ? (int) ceil (self->height (width, self->data)) : 0;
}

/* The rows of the widget that the scrolled window around it shows (all when it
 * is in none), within 0 .. h. */
static void
visible_rows (DgInsidePlot *self, int h, double *y0, double *y1)
{
  GtkWidget *scroller = gtk_widget_get_ancestor (GTK_WIDGET (self), GTK_TYPE_SCROLLED_WINDOW);
  graphene_rect_t b;

  *y0 = 0;
  *y1 = h;
  if (scroller && gtk_widget_compute_bounds (scroller, GTK_WIDGET (self), &b))
    {
      *y0 = CLAMP (b.origin.y, 0, h);
      *y1 = CLAMP (b.origin.y + b.size.height, 0, h);
    }
}

/* Draws the rows near those showing: a tall picture (the layers of a big model
 * run to thousands of pixels) costs what a screenful does. Returns the
 * picture's height at the widget's width. */
static int
render_surface (DgInsidePlot *self)
{
  int w = gtk_widget_get_width (GTK_WIDGET (self)), scale = gtk_widget_get_scale_factor (GTK_WIDGET (self));
  int h = height_for (self, w);
  double y0, y1;
  cairo_t *cr;

  self->surface_width = w;
  if (w <= 0 || h <= 0 || !self->draw)
    {
      g_clear_pointer (&self->surface, cairo_surface_destroy);
      return h;
    }
  if (!self->surface || self->surface_height != h || self->surface_scale != scale
      || cairo_image_surface_get_width (self->surface) != w * scale)
    {
      g_clear_pointer (&self->surface, cairo_surface_destroy);
      self->surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, w * scale, h * scale);
      cairo_surface_set_device_scale (self->surface, scale, scale);
      self->surface_height = h;
      self->surface_scale = scale;
    }
  visible_rows (self, MIN (h, MAX (gtk_widget_get_height (GTK_WIDGET (self)), 1)), &y0, &y1);
  self->done_y0 = MAX (0, y0 - MARGIN);
  self->done_y1 = MIN (h, MAX (y1, y0 + 1) + MARGIN);
  cr = cairo_create (self->surface);
  cairo_rectangle (cr, 0, self->done_y0, w, self->done_y1 - self->done_y0);
  cairo_clip (cr);
  cairo_save (cr);
  cairo_set_operator (cr, CAIRO_OPERATOR_CLEAR);
  cairo_paint (cr);
  cairo_restore (cr);
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
  double y0, y1;
  cairo_t *cr;

  /* a new width (the panel resized): the picture is laid out again */
  if (w != self->surface_width || gtk_widget_get_scale_factor (widget) != self->surface_scale)
    render_surface (self);
  visible_rows (self, h, &y0, &y1);
  /* scrolled past the rows drawn */
  if (self->surface && (y0 < self->done_y0 || y1 > self->done_y1))
    render_surface (self);
  if (!self->surface || h <= 0 || y1 <= y0)
    return;
  /* only what shows: the node's surface is a screenful, not the whole picture */
  cr = gtk_snapshot_append_cairo (snapshot, &GRAPHENE_RECT_INIT (0, y0, w, y1 - y0));
  cairo_set_source_surface (cr, self->surface, 0, 0);
  cairo_paint (cr);
  cairo_destroy (cr);
}

static void
dg_inside_plot_map (GtkWidget *widget)
{
  DgInsidePlot *self = DG_INSIDE_PLOT (widget);
  GtkWidget *scroller = gtk_widget_get_ancestor (widget, GTK_TYPE_SCROLLED_WINDOW);

  GTK_WIDGET_CLASS (dg_inside_plot_parent_class)->map (widget);
  /* what it paints depends on the scrolling */
  if (scroller)
    {
      g_set_object (&self->vadjustment,
                    gtk_scrolled_window_get_vadjustment (GTK_SCROLLED_WINDOW (scroller)));
      g_signal_connect_swapped (self->vadjustment, "value-changed",
                                G_CALLBACK (gtk_widget_queue_draw), self);
    }
}

static void
dg_inside_plot_unmap (GtkWidget *widget)
{
  DgInsidePlot *self = DG_INSIDE_PLOT (widget);

  if (self->vadjustment)
    g_signal_handlers_disconnect_by_data (self->vadjustment, self);
  g_clear_object (&self->vadjustment);
  GTK_WIDGET_CLASS (dg_inside_plot_parent_class)->unmap (widget);
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
  g_clear_object (&DG_INSIDE_PLOT (object)->vadjustment);
  G_OBJECT_CLASS (dg_inside_plot_parent_class)->finalize (object);
}

static void
dg_inside_plot_class_init (DgInsidePlotClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  G_OBJECT_CLASS (klass)->finalize = dg_inside_plot_finalize;
  widget_class->snapshot = dg_inside_plot_snapshot;
  widget_class->map = dg_inside_plot_map;
  widget_class->unmap = dg_inside_plot_unmap;
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
