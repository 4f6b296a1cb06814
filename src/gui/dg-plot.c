/* dg-plot.c: PlotLineChart in a widget. */
#include "dg-config.h"
#include "dg-plot.h"

#include <adwaita.h>
#include <math.h>

struct _DgPlot {
  GtkWidget parent_instance;

  PlotLineChart *chart;     /* borrowed */
  GPtrArray *names;        /* series index -> name or NULL */
  gboolean y_percent, x_integer;
  gboolean hovering;
  double hover_x, hover_y; /* pointer, widget coordinates */
};

G_DEFINE_FINAL_TYPE (DgPlot, dg_plot, GTK_TYPE_WIDGET)

static const PlotTheme *
current_theme (void)
{
  return adw_style_manager_get_dark (adw_style_manager_get_default ()) ? plot_theme_dark ()
                                                                        : plot_theme_light ();
}

static void
draw_readout (DgPlot *self, cairo_t *cr, double w, double h)
{
  const PlotTheme *theme = current_theme ();
  int series, index;
  double x, y, tw, bx, by, px, py;
  char xs[32], ys[32];
  g_autofree char *text = NULL;
  const char *name;

  if (!plot_line_chart_pick (self->chart, w, h, self->hover_x, self->hover_y, 14, &series, &index,
                             &x, &y))
    return;
  name = (guint) series < self->names->len ? g_ptr_array_index (self->names, series) : NULL;
  if (self->x_integer)
    g_snprintf (xs, sizeof xs, "%.0f", x);
  else
    g_snprintf (xs, sizeof xs, "%g", x);
  if (self->y_percent)
    g_snprintf (ys, sizeof ys, "%.2f %%", y * 100.0);
  else
    g_snprintf (ys, sizeof ys, "%.4g", y);
  text = name ? g_strdup_printf ("%s · %s · %s", name, xs, ys) : g_strdup_printf ("%s · %s", xs, ys);

  /* a dot on the point and a label box beside the pointer, kept inside */
  tw = plot_text_width (cr, text, 12, FALSE);
  bx = CLAMP (self->hover_x + 12, 4, w - tw - 16);
  by = CLAMP (self->hover_y - 30, 4, h - 26);
  px = self->hover_x;
  py = self->hover_y;
  plot_set_rgba (cr, theme->text, 0.85);
  cairo_arc (cr, px, py, 3.5, 0, 2 * G_PI);
  cairo_fill (cr);
  plot_set_rgba (cr, theme->background, 0.92);
  cairo_rectangle (cr, bx, by, tw + 12, 22);
  cairo_fill_preserve (cr);
  plot_set_rgba (cr, theme->grid, 1.0);
  cairo_set_line_width (cr, 1);
  cairo_stroke (cr);
  plot_set_rgb (cr, theme->text);
  plot_text (cr, text, 12, FALSE, bx + 6, by + 11, PLOT_ALIGN_START, PLOT_ALIGN_CENTER);
}

static void
dg_plot_snapshot (GtkWidget *widget, GtkSnapshot *snapshot)
{
  DgPlot *self = DG_PLOT (widget);
  double w = gtk_widget_get_width (widget), h = gtk_widget_get_height (widget);
  cairo_t *cr;

  if (w < 2 || h < 2 || !self->chart)
    return;
  cr = gtk_snapshot_append_cairo (snapshot, &GRAPHENE_RECT_INIT (0, 0, w, h));
  plot_line_chart_set_theme (self->chart, current_theme ());
  plot_line_chart_draw (self->chart, cr, w, h);
  if (self->hovering)
    draw_readout (self, cr, w, h);
  cairo_destroy (cr);
}

static void
on_motion (GtkEventControllerMotion *motion, double x, double y, DgPlot *self)
{
  self->hovering = TRUE;
  self->hover_x = x;
  self->hover_y = y;
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

static void
on_leave (GtkEventControllerMotion *motion, DgPlot *self)
{
  self->hovering = FALSE;
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

static void
on_dark_changed (AdwStyleManager *manager, GParamSpec *pspec, DgPlot *self)
{
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

static void
dg_plot_measure (GtkWidget *widget, GtkOrientation orientation, int for_size, int *minimum,
                 int *natural, int *minimum_baseline, int *natural_baseline)
{
  *minimum = orientation == GTK_ORIENTATION_HORIZONTAL ? 240 : 170;
  *natural = orientation == GTK_ORIENTATION_HORIZONTAL ? 420 : 240;
}

static void
dg_plot_finalize (GObject *object)
{
  DgPlot *self = DG_PLOT (object);

  g_ptr_array_unref (self->names);
  G_OBJECT_CLASS (dg_plot_parent_class)->finalize (object);
}

static void
dg_plot_class_init (DgPlotClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  G_OBJECT_CLASS (klass)->finalize = dg_plot_finalize;
  widget_class->snapshot = dg_plot_snapshot;
  widget_class->measure = dg_plot_measure;
  gtk_widget_class_set_css_name (widget_class, "plot");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_IMG);
}

static void
dg_plot_init (DgPlot *self)
{
  GtkEventController *motion = gtk_event_controller_motion_new ();

  self->names = g_ptr_array_new_with_free_func (g_free);
  gtk_widget_set_overflow (GTK_WIDGET (self), GTK_OVERFLOW_HIDDEN);
  g_signal_connect (motion, "motion", G_CALLBACK (on_motion), self);
  g_signal_connect (motion, "leave", G_CALLBACK (on_leave), self);
  gtk_widget_add_controller (GTK_WIDGET (self), motion);
  g_signal_connect_object (adw_style_manager_get_default (), "notify::dark",
                           G_CALLBACK (on_dark_changed), self, 0);
  gtk_widget_set_hexpand (GTK_WIDGET (self), TRUE);
  gtk_widget_set_vexpand (GTK_WIDGET (self), TRUE);
}

GtkWidget *
dg_plot_new (void)
{
  return g_object_new (DG_TYPE_PLOT, NULL);
}

void
dg_plot_set_chart (DgPlot *self, PlotLineChart *chart, const char *const *names, int n_names)
{
  g_return_if_fail (DG_IS_PLOT (self));
  self->chart = chart;
  g_ptr_array_set_size (self->names, 0);
  for (int i = 0; names && i < n_names; i++)
    g_ptr_array_add (self->names, g_strdup (names[i]));
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

PlotLineChart *
dg_plot_get_chart (DgPlot *self)
{
  g_return_val_if_fail (DG_IS_PLOT (self), NULL);
  return self->chart;
}

void
dg_plot_set_readout_format (DgPlot *self, gboolean y_percent, gboolean x_integer)
{
  g_return_if_fail (DG_IS_PLOT (self));
  self->y_percent = y_percent;
  self->x_integer = x_integer;
}

void
dg_plot_changed (DgPlot *self)
{
  g_return_if_fail (DG_IS_PLOT (self));
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

int
dg_plot_n_points (DgPlot *self)
{
  int n = 0;

  g_return_val_if_fail (DG_IS_PLOT (self), 0);
  for (int s = 0; self->chart && s < plot_line_chart_n_series (self->chart); s++)
    n += plot_line_chart_series_length (self->chart, s);
  return n;
}
