/* dg-inside-view.c: the layers' outputs for the drawing, the first filters and the
 * model graph, updated after the frame that showed a prediction (see the header). */
#include "dg-config.h"
#include "dg-inside-view.h"
#include "dg-inside-plot.h"
#include "plot-activations.h"

#include <adwaita.h>
#include <string.h>

#define TOP_FILTERS 3

struct _DgInsideView {
  GtkWidget parent_instance;

  /* template */
  GtkWidget *scroller;
  GtkWidget *blank_label;
  GtkWidget *filters_heading;
  GtkWidget *filters_caption;
  DgInsidePlot *layers_plot;
  DgInsidePlot *filters_plot;
  DgInsidePlot *graph_plot;

  /* owned */
  DgContext *context;
  DgDrawPage *page;        /* a weak pointer: the page outlives its window's views */
  DgModel *model;          /* the model the workspace is for */
  NnWorkspace *ws;         /* batch 1, inference */
  const float **outputs;   /* per layer, into ws, after the last forward pass */
  float *probs;
  gboolean has_input;      /* the outputs are for a drawing */
  float input[28 * 28];
  gboolean dirty;          /* a new input (or none) waits for the next update */
  guint update_idle;
  int top[TOP_FILTERS], n_top;
};

G_DEFINE_FINAL_TYPE (DgInsideView, dg_inside_view, GTK_TYPE_WIDGET)

enum { PROP_0, PROP_CONTEXT, PROP_PAGE, N_PROPS };
static GParamSpec *props[N_PROPS];

enum { UPDATED, N_SIGNALS };
static guint signals[N_SIGNALS];

static const PlotTheme *
theme (void)
{
  return adw_style_manager_get_dark (adw_style_manager_get_default ()) ? plot_theme_dark ()
                                                                      : plot_theme_light ();
}

/* ---- the three pictures --------------------------------------------------------- */

static double
layers_height (double width, gpointer data)
{
  DgInsideView *self = data;
  return self->has_input ? plot_activations_height (dg_model_get_nn (self->model), width) : 0;
}

static void
layers_draw (cairo_t *cr, double width, gpointer data)
{
  DgInsideView *self = data;
  PlotActivations a = { dg_model_get_nn (self->model), self->outputs, self->probs };
  PlotActivationsCount counts;

  plot_activations_draw (cr, &a, width, theme (), &counts);
}

static double
filters_height (double width, gpointer data)
{
  DgInsideView *self = data;
  return self->model ? plot_filters_height (dg_model_get_nn (self->model), width) : 0;
}

static void
filters_draw (cairo_t *cr, double width, gpointer data)
{
  DgInsideView *self = data;
  plot_filters_draw (cr, dg_model_get_nn (self->model), self->top,
                     self->has_input ? self->n_top : 0, width, theme ());
}

static double
graph_height (double width, gpointer data)
{
  DgInsideView *self = data;
  return self->model ? plot_model_graph_height (dg_model_get_nn (self->model), width) : 0;
}

static void
graph_draw (cairo_t *cr, double width, gpointer data)
{
  DgInsideView *self = data;
  plot_model_graph_draw (cr, dg_model_get_nn (self->model), width, theme ());
}

/* ---- updates ------------------------------------------------------------------- */

static void
count_sections (DgInsideView *self, PlotActivationsCount *n)
{
  NnModel *nn = dg_model_get_nn (self->model);

  memset (n, 0, sizeof *n);
  for (int i = 0; self->has_input && i < nn->n_layers; i++)
    switch (plot_activations_section (nn, i))
      {
      case PLOT_SECTION_GRID: n->n_grids++; n->n_maps += nn->layers[i].out_shape.c; break;
      case PLOT_SECTION_BARS: n->n_bars++; break;
      case PLOT_SECTION_SOFTMAX: n->n_softmax++; break;
      default: break;
      }
}

/* One forward pass for the drawing, and the pictures drawn again. */
static gboolean
update_idle (gpointer data)
{
  DgInsideView *self = data;
  gint64 t0 = g_get_monotonic_time ();
  PlotActivationsCount n;

  self->update_idle = 0;
  self->dirty = FALSE;
  if (!self->model || !self->ws)
    return G_SOURCE_REMOVE;
  if (self->has_input)
    {
      NnModel *nn = dg_model_get_nn (self->model);
      const float *logits = nn_model_forward (nn, self->ws, self->input, 1);
      int filters = plot_filters_layer (nn);

      if (nn->output_softmax)
        nn_softmax_rows (self->probs, logits, 1, nn->n_classes);
      else
        memcpy (self->probs, logits, sizeof (float) * nn->n_classes);
      for (int i = 0; i < nn->n_layers; i++)
        self->outputs[i] = nn_workspace_layer_output (self->ws, i);
      self->n_top = filters >= 0 ? plot_filters_top (nn, self->outputs[filters], self->top,
                                                      TOP_FILTERS)
                                 : 0;
    }
  gtk_widget_set_visible (self->blank_label, !self->has_input);
  dg_inside_plot_render (self->layers_plot);
  dg_inside_plot_render (self->filters_plot);
  count_sections (self, &n);
  g_signal_emit (self, signals[UPDATED], 0, n.n_grids, n.n_bars, n.n_softmax,
                 g_get_monotonic_time () - t0);
  return G_SOURCE_REMOVE;
}

/* After the frame being drawn (redraws run at a higher priority than this idle),
 * and only while the view shows. */
static void
schedule_update (DgInsideView *self)
{
  self->dirty = TRUE;
  if (self->update_idle == 0 && gtk_widget_get_mapped (GTK_WIDGET (self)))
    self->update_idle = g_idle_add_full (G_PRIORITY_DEFAULT_IDLE, update_idle, self, NULL);
}

static void
on_predicted (DgDrawPage *page, int digit, double confidence, double cam_sum, gint64 latency_us,
              DgInsideView *self)
{
  const float *input = dg_draw_page_get_input (page);

  self->has_input = input != NULL && self->ws != NULL;
  if (input)
    memcpy (self->input, input, sizeof self->input);
  schedule_update (self);
}

static void
on_model_changed (DgInsideView *self)
{
  DgModel *model = dg_context_get_model (self->context);
  g_autoptr(GError) error = NULL;
  gboolean has_filters;

  if (model == self->model)
    return;
  g_clear_pointer (&self->ws, nn_workspace_free);
  g_clear_pointer (&self->outputs, g_free);
  g_clear_pointer (&self->probs, g_free);
  g_set_object (&self->model, model);
  self->has_input = FALSE;
  if (model)
    {
      NnModel *nn = dg_model_get_nn (model);
      self->ws = nn_workspace_new_checked (nn, 1, NN_MODE_INFERENCE, &error);
      if (!self->ws)
        g_warning ("The Inside view cannot show %s: %s", dg_model_get_title (model), error->message);
      self->outputs = g_new0 (const float *, nn->n_layers);
      self->probs = g_new0 (float, nn->n_classes);
    }
  /* a model without a convolution has no filters to show */
  has_filters = model && plot_filters_layer (dg_model_get_nn (model)) >= 0;
  gtk_widget_set_visible (self->filters_heading, has_filters);
  gtk_widget_set_visible (self->filters_caption, has_filters);
  dg_inside_plot_render (self->graph_plot);
  /* the page may have predicted with the new model before this handler ran */
  if (self->page)
    on_predicted (self->page, 0, 0, 0, 0, self);
  else
    schedule_update (self);
}

static void
on_style_changed (DgInsideView *self)
{
  dg_inside_plot_render (self->graph_plot);
  schedule_update (self);
}

/* ---- life cycle ---------------------------------------------------------------- */

static void
dg_inside_view_map (GtkWidget *widget)
{
  DgInsideView *self = DG_INSIDE_VIEW (widget);

  GTK_WIDGET_CLASS (dg_inside_view_parent_class)->map (widget);
  /* what changed while hidden: the current drawing, once */
  if (self->page)
    on_predicted (self->page, 0, 0, 0, 0, self);
}

static void
dg_inside_view_unmap (GtkWidget *widget)
{
  DgInsideView *self = DG_INSIDE_VIEW (widget);

  g_clear_handle_id (&self->update_idle, g_source_remove);
  GTK_WIDGET_CLASS (dg_inside_view_parent_class)->unmap (widget);
}

/* As wide as its content asks, and at least a readable column of maps. */
static void
dg_inside_view_measure (GtkWidget *widget, GtkOrientation orientation, int for_size,
                        int *minimum, int *natural, int *minimum_baseline, int *natural_baseline)
{
  DgInsideView *self = DG_INSIDE_VIEW (widget);

  gtk_widget_measure (self->scroller, orientation, for_size, minimum, natural, NULL, NULL);
  if (orientation == GTK_ORIENTATION_HORIZONTAL)
    {
      *minimum = MAX (*minimum, 300);
      *natural = MAX (*natural, 460);
    }
}

static void
dg_inside_view_size_allocate (GtkWidget *widget, int width, int height, int baseline)
{
  gtk_widget_allocate (DG_INSIDE_VIEW (widget)->scroller, width, height, baseline, NULL);
}

static void
dg_inside_view_constructed (GObject *object)
{
  DgInsideView *self = DG_INSIDE_VIEW (object);

  G_OBJECT_CLASS (dg_inside_view_parent_class)->constructed (object);
  g_return_if_fail (DG_IS_CONTEXT (self->context) && DG_IS_DRAW_PAGE (self->page));
  g_object_add_weak_pointer (G_OBJECT (self->page), (gpointer *) &self->page);
  g_signal_connect_object (self->page, "predicted", G_CALLBACK (on_predicted), self, 0);
  g_signal_connect_object (self->context, "notify::model", G_CALLBACK (on_model_changed), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (adw_style_manager_get_default (), "notify::dark",
                           G_CALLBACK (on_style_changed), self, G_CONNECT_SWAPPED);
  dg_inside_plot_set_funcs (self->layers_plot, layers_height, layers_draw, self);
  dg_inside_plot_set_funcs (self->filters_plot, filters_height, filters_draw, self);
  dg_inside_plot_set_funcs (self->graph_plot, graph_height, graph_draw, self);
  on_model_changed (self);
}

static void
dg_inside_view_get_property (GObject *object, guint id, GValue *value, GParamSpec *pspec)
{
  DgInsideView *self = DG_INSIDE_VIEW (object);

  switch (id)
    {
    case PROP_CONTEXT: g_value_set_object (value, self->context); break;
    case PROP_PAGE: g_value_set_object (value, self->page); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, id, pspec);
    }
}

static void
dg_inside_view_set_property (GObject *object, guint id, const GValue *value, GParamSpec *pspec)
{
  DgInsideView *self = DG_INSIDE_VIEW (object);

  switch (id)
    {
    case PROP_CONTEXT: self->context = g_value_dup_object (value); break;
    case PROP_PAGE: self->page = g_value_get_object (value); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, id, pspec);
    }
}

static void
dg_inside_view_dispose (GObject *object)
{
  DgInsideView *self = DG_INSIDE_VIEW (object);

  g_clear_handle_id (&self->update_idle, g_source_remove);
  if (self->page)
    g_object_remove_weak_pointer (G_OBJECT (self->page), (gpointer *) &self->page);
  self->page = NULL;
  gtk_widget_dispose_template (GTK_WIDGET (self), DG_TYPE_INSIDE_VIEW);
  g_clear_pointer (&self->ws, nn_workspace_free);
  g_clear_pointer (&self->outputs, g_free);
  g_clear_pointer (&self->probs, g_free);
  g_clear_object (&self->model);
  g_clear_object (&self->context);
  G_OBJECT_CLASS (dg_inside_view_parent_class)->dispose (object);
}

static void
dg_inside_view_class_init (DgInsideViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->constructed = dg_inside_view_constructed;
  object_class->get_property = dg_inside_view_get_property;
  object_class->set_property = dg_inside_view_set_property;
  object_class->dispose = dg_inside_view_dispose;
  widget_class->map = dg_inside_view_map;
  widget_class->unmap = dg_inside_view_unmap;
  widget_class->measure = dg_inside_view_measure;
  widget_class->size_allocate = dg_inside_view_size_allocate;

  props[PROP_CONTEXT] = g_param_spec_object ("context", NULL, NULL, DG_TYPE_CONTEXT,
                                             G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY
                                             | G_PARAM_STATIC_STRINGS);
  props[PROP_PAGE] = g_param_spec_object ("page", NULL, NULL, DG_TYPE_DRAW_PAGE,
                                          G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY
                                          | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, props);

  /* (grids, bars, softmax sections drawn; µs the update took) */
  signals[UPDATED] = g_signal_new ("updated", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                   NULL, NULL, NULL, G_TYPE_NONE, 4, G_TYPE_INT, G_TYPE_INT,
                                   G_TYPE_INT, G_TYPE_INT64);

  g_type_ensure (DG_TYPE_INSIDE_PLOT);
  gtk_widget_class_set_template_from_resource (widget_class, DG_RESOURCE_PATH "/dg-inside-view.ui");
  gtk_widget_class_bind_template_child (widget_class, DgInsideView, scroller);
  gtk_widget_class_bind_template_child (widget_class, DgInsideView, blank_label);
  gtk_widget_class_bind_template_child (widget_class, DgInsideView, filters_heading);
  gtk_widget_class_bind_template_child (widget_class, DgInsideView, filters_caption);
  gtk_widget_class_bind_template_child (widget_class, DgInsideView, layers_plot);
  gtk_widget_class_bind_template_child (widget_class, DgInsideView, filters_plot);
  gtk_widget_class_bind_template_child (widget_class, DgInsideView, graph_plot);
  gtk_widget_class_set_css_name (widget_class, "dg-inside-view");
}

static void
dg_inside_view_init (DgInsideView *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  /* folded over the page on narrow windows, it needs its own background */
  gtk_widget_add_css_class (GTK_WIDGET (self), "background");
}

GtkWidget *
dg_inside_view_new (DgContext *context, DgDrawPage *page)
{
  g_return_val_if_fail (DG_IS_CONTEXT (context), NULL);
  g_return_val_if_fail (DG_IS_DRAW_PAGE (page), NULL);
  return g_object_new (DG_TYPE_INSIDE_VIEW, "context", context, "page", page, NULL);
}

GtkWidget *
dg_inside_view_new_beside (DgContext *context, DgDrawPage *page)
{
  GtkWidget *flap = adw_flap_new ();
  GSettings *gsettings = dg_settings_get_gsettings (dg_context_get_settings (context));

  g_return_val_if_fail (DG_IS_CONTEXT (context), NULL);
  adw_flap_set_content (ADW_FLAP (flap), GTK_WIDGET (page));
  adw_flap_set_flap (ADW_FLAP (flap), dg_inside_view_new (context, page));
  adw_flap_set_flap_position (ADW_FLAP (flap), GTK_PACK_END);
  adw_flap_set_separator (ADW_FLAP (flap), gtk_separator_new (GTK_ORIENTATION_VERTICAL));
  /* drags on the canvas are strokes, never swipes */
  adw_flap_set_swipe_to_open (ADW_FLAP (flap), FALSE);
  adw_flap_set_swipe_to_close (ADW_FLAP (flap), FALSE);
  adw_flap_set_transition_type (ADW_FLAP (flap), ADW_FLAP_TRANSITION_TYPE_OVER);
  g_settings_bind (gsettings, "show-inside", flap, "reveal-flap", G_SETTINGS_BIND_DEFAULT);
  return flap;
}
