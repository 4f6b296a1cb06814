/* dg-test-probe.c: prints the test mode's state lines (see dg-test-probe.h).
 *
 * Geometry is in X-window coordinates (dg_test_widget_geometry), ready for
 * xdotool --window, and printed after the frame that laid the widgets out.
 */
#include "dg-config.h"
#include "dg-test-probe.h"
#include "dg-data-gate.h"
#include "dg-prediction-view.h"
#include "dg-preferences.h"
#include "dg-draw-page.h"
#include "dg-evaluate-page.h"
#include "dg-inside-view.h"
#include "dg-number-view.h"
#include "dg-page-util.h"
#include "dg-plot.h"
#include "dg-sample-dialog.h"
#include "dg-samples-window.h"
#include "dg-teach-button.h"
#include "dg-history-button.h"
#include "dg-test-hooks.h"
#include "dg-train-page.h"
#include "nn-error.h"
#include "nn-folder.h"
#include "nn-recipe.h"
#include "nn-robustness.h"

#include <stdio.h>

typedef struct {
  DgWindow *window;        /* not a reference: the probe lives as long as it */
  DgContext *context;
  DgDrawPage *draw_page;
  DgCanvas *canvas;
  GtkWidget *train_page;
  GtkWidget *evaluate_page;
  AdwViewStackPage *train_tab; /* the Train page's tab in the view switcher */
  gboolean first_frame_seen;
  GdkFrameClock *clock;    /* the window's; every handler on it has the probe as data */
  DgFrameMeter *meter;     /* frame times while a model trains */
  int batches;             /* batch reports of the current run */
  const NnEvalResult *result; /* the Evaluate page's, while it shows it */
  char *toast_awaited;     /* the last toast's text until the overlay shows it */
  int toast_frames;        /* frames painted since then */
} Probe;

static GObject *
child (gpointer widget, GType type, const char *id)
{
  return gtk_widget_get_template_child (GTK_WIDGET (widget), type, id);
}

static GtkWidget *first_of_type (GtkWidget *w, GType type);

static GtkWidget *
window_child (Probe *p, const char *id)
{
  return GTK_WIDGET (child (p->window, DG_TYPE_WINDOW, id));
}

static GtkWidget *
draw_child (Probe *p, const char *id)
{
  return GTK_WIDGET (child (p->draw_page, DG_TYPE_DRAW_PAGE, id));
}

/* ---- READY and LAYOUT: the geometry of everything a test clicks ----------------- */

static void
print_layout (Probe *p, const char *what)
{
  struct { const char *name; GtkWidget *widget; } w[] = {
    { "canvas-widget", GTK_WIDGET (p->canvas) },
    { "undo", draw_child (p, "undo_button") },       { "redo", draw_child (p, "redo_button") },
    { "clear", draw_child (p, "clear_button") },     { "brush", draw_child (p, "brush_scale") },
    { "dark", draw_child (p, "dark_toggle") },       { "heat", draw_child (p, "heat_toggle") },
    { "predict", draw_child (p, "predict_button") }, { "save", draw_child (p, "save_button") },
    { "method", draw_child (p, "method_button") },   { "inside", draw_child (p, "inside_toggle") },
    { "number", draw_child (p, "number_toggle") },
    { "open", window_child (p, "open_button") },     { "models", window_child (p, "model_dropdown") },
    { "info", window_child (p, "info_button") },     { "menu", window_child (p, "menu_button") },
    { "result", draw_child (p, "prediction_view") },  { "teach", draw_child (p, "teach_button") },
    { "history", draw_child (p, "history_button") }, { "export", draw_child (p, "export_button") },
    { "digit", GTK_WIDGET (child (draw_child (p, "prediction_view"), DG_TYPE_PREDICTION_VIEW,
                                  "digit_label")) },
  };
  DgModel *model = dg_context_get_model (p->context);
  g_autoptr(GString) line = g_string_new (what);
  g_autofree char *canvas = dg_test_widget_geometry (GTK_WIDGET (p->canvas));
  int cx, cy, cw, ch;
  graphene_rect_t area;

  /* the rectangle the canvas draws in (a square, or 3:1 for a number) */
  dg_canvas_get_area (p->canvas, &area);
  if (sscanf (canvas, "%d,%d,%d,%d", &cx, &cy, &cw, &ch) == 4)
    g_string_append_printf (line, " canvas=%d,%d,%d,%d", cx + (int) area.origin.x,
                            cy + (int) area.origin.y, (int) area.size.width,
                            (int) area.size.height);
  for (guint i = 0; i < G_N_ELEMENTS (w); i++)
    {
      g_autofree char *g = dg_test_widget_geometry (w[i].widget);
      g_string_append_printf (line, " %s=%s", w[i].name, g);
    }
  g_string_append_printf (line, " window=%d,%d model=%s startup_ms=%.1f startup_cpu_ms=%.1f"
                          " main_ms=%.1f rss_kb=%" G_GINT64_FORMAT " renderer=%s i18n=%s",
                          gtk_widget_get_width (GTK_WIDGET (p->window)),
                          gtk_widget_get_height (GTK_WIDGET (p->window)),
                          model ? dg_model_get_title (model) : "none",
                          dg_test_process_age_us () / 1000.0, dg_test_process_cpu_us () / 1000.0,
                          dg_test_main_age_us () / 1000.0, dg_test_rss_kb (),
                          G_OBJECT_TYPE_NAME (gtk_native_get_renderer (GTK_NATIVE (p->window))),
                          /* one word whose translation shows the language in use */
                          _("Probabilities"));
  dg_test_print ("%s", line->str);
}

static void print_page_layout (Probe *p);

static gboolean
ready_idle (gpointer data)
{
  Probe *p = data;
  g_autofree char *stamps = NULL;

  print_layout (p, "READY");
  print_page_layout (p); /* when it opened on the Train or Evaluate page */
  stamps = dg_test_stamps ();
  dg_test_print ("STARTUP%s gui_thread_cpu_ms=%.1f", stamps, dg_test_thread_cpu_us () / 1000.0);
  return G_SOURCE_REMOVE;
}

/* Printed in the frame that laid the page out: an idle may wait long while a
 * live plot keeps the frame clock busy. */
static void
on_layout_paint (GdkFrameClock *clock, Probe *p)
{
  g_signal_handlers_disconnect_by_func (clock, on_layout_paint, p);
  print_layout (p, "LAYOUT");
  print_page_layout (p);
}

/* The geometry again once a hidden page has been laid out (tests aim with it). */
static void
layout_after_paint (Probe *p)
{
  GdkFrameClock *clock = p->clock;

  if (!p->first_frame_seen || !clock || gtk_widget_in_destruction (GTK_WIDGET (p->window)))
    return;
  g_signal_handlers_disconnect_by_func (clock, on_layout_paint, p);
  g_signal_connect (clock, "after-paint", G_CALLBACK (on_layout_paint), p);
  gtk_widget_queue_draw (GTK_WIDGET (p->window));
}

static void
on_first_paint (GdkFrameClock *clock, Probe *p)
{
  g_signal_handlers_disconnect_by_func (clock, on_first_paint, p);
  dg_test_stamp ("painted");
  p->first_frame_seen = TRUE;
  g_idle_add (ready_idle, p);
}

static void
on_window_map (GtkWidget *window, Probe *p)
{
  GdkFrameClock *clock = gdk_surface_get_frame_clock (gtk_native_get_surface (GTK_NATIVE (window)));

  if (clock != p->clock)
    {
      if (p->clock)
        g_signal_handlers_disconnect_by_data (p->clock, p);
      g_set_object (&p->clock, clock);
    }
  if (!p->first_frame_seen)
    g_signal_connect (clock, "after-paint", G_CALLBACK (on_first_paint), p);
}

/* ---- the Draw page and the models --------------------------------------------------- */

static void
on_predicted (DgDrawPage *page, int digit, double confidence, double cam_sum, gint64 latency_us,
              Probe *p)
{
  DgModel *model = dg_context_get_model (p->context);
  GtkWidget *view = draw_child (p, "prediction_view");
  GtkWidget *card = GTK_WIDGET (child (view, DG_TYPE_PREDICTION_VIEW, "prediction_card"));

  if (digit < 0)
    dg_test_print ("PREDICTION blank strokes=%u", dg_canvas_get_n_strokes (p->canvas));
  else
    dg_test_print ("PREDICTION digit=%d confidence=%.4f model=%s strokes=%u points=%u cam=%.1f "
                   "latency_us=%" G_GINT64_FORMAT " image=%d verdict=%s style=%s", digit, confidence,
                   model ? dg_model_get_title (model) : "none", dg_canvas_get_n_strokes (p->canvas),
                   dg_canvas_get_n_points (p->canvas), cam_sum, latency_us,
                   dg_canvas_has_image (p->canvas),
                   nn_verdict_name (dg_prediction_view_get_verdict (DG_PREDICTION_VIEW (view))),
                   gtk_widget_has_css_class (card, "not-a-digit") ? "not-a-digit"
                   : gtk_widget_has_css_class (card, "unsure") ? "unsure" : "sure");
}

/* NUMBER: a reading in number mode, printed after the frame that shows it, with
 * the geometry of each digit's tag over the canvas and its chip (to click). */
static void
on_number_paint (GdkFrameClock *clock, Probe *p)
{
  DgNumberView *view = DG_NUMBER_VIEW (draw_child (p, "number_view"));
  GtkWidget *boxes = draw_child (p, "number_boxes");
  GtkWidget *chips = GTK_WIDGET (child (view, DG_TYPE_NUMBER_VIEW, "chips"));
  const NnNumberReading *r = dg_number_view_get_reading (view);
  g_autoptr(GString) line = g_string_new ("NUMBER");
  g_autofree char *origin = dg_test_widget_geometry (boxes);
  GtkWidget *chip = gtk_widget_get_first_child (chips);
  int bx = 0, by = 0;

  g_signal_handlers_disconnect_by_func (clock, on_number_paint, p);
  sscanf (origin, "%d,%d", &bx, &by);
  g_string_append_printf (line, " verdict=%s number=%s n=%d selected=%d strokes=%u digits=",
                          nn_number_verdict_name (r->verdict), r->n > 0 ? r->number : "-", r->n,
                          dg_number_view_get_selected (view), dg_canvas_get_n_strokes (p->canvas));
  for (int i = 0; i < r->n; i++)
    g_string_append_printf (line, "%s%d:%.3f:%s", i ? "," : "", r->digits[i].digit,
                            r->digits[i].confidence, nn_verdict_name (r->digits[i].verdict));
  g_string_append (line, " boxes=");
  for (int i = 0; i < r->n; i++)
    g_string_append_printf (line, "%s%d,%d,%d,%d", i ? ";" : "", r->digits[i].x, r->digits[i].y,
                            r->digits[i].w, r->digits[i].h);
  g_string_append (line, " tags=");
  for (int i = 0; i < r->n; i++)
    {
      graphene_rect_t tag = { 0 };
      dg_number_boxes_get_tag (DG_NUMBER_BOXES (boxes), i, &tag);
      g_string_append_printf (line, "%s%d,%d,%d,%d", i ? ";" : "", bx + (int) tag.origin.x,
                              by + (int) tag.origin.y, (int) tag.size.width, (int) tag.size.height);
    }
  g_string_append (line, " chips=");
  for (int i = 0; chip; chip = gtk_widget_get_next_sibling (chip), i++)
    {
      g_autofree char *g = dg_test_widget_geometry (chip);
      g_string_append_printf (line, "%s%s", i ? ";" : "", g);
    }
  dg_test_print ("%s", line->str);
}

static void
on_number_read (DgNumberView *view, Probe *p)
{
  if (!p->clock)
    return;
  g_signal_handlers_disconnect_by_func (p->clock, on_number_paint, p);
  g_signal_connect (p->clock, "after-paint", G_CALLBACK (on_number_paint), p);
}

/* NUMBERSEL: the digit chosen in a number, and what the reading below shows
 * (cam=1: with its Grad-CAM). */
static void
on_number_selected (DgNumberView *view, GParamSpec *pspec, Probe *p)
{
  DgPredictionView *pv = DG_PREDICTION_VIEW (draw_child (p, "prediction_view"));
  const NnNumberReading *r = dg_number_view_get_reading (view);
  int i = dg_number_view_get_selected (view);

  GtkWidget *heat = GTK_WIDGET (child (pv, DG_TYPE_PREDICTION_VIEW, "heat_box"));

  dg_test_print ("NUMBERSEL selected=%d digit=%d shown=%d verdict=%s cam=%d", i,
                 i >= 0 && i < r->n ? r->digits[i].digit : -1, dg_prediction_view_get_digit (pv),
                 nn_verdict_name (dg_prediction_view_get_verdict (pv)),
                 gtk_widget_get_visible (heat));
}

/* Where the map laid over the canvas is hottest, in canvas units, and how much of
 * its hottest 1% lies on the drawing's ink or within 10 units of it. */
static void
on_explained (DgDrawPage *page, const char *method, const char *layer, double sum, Probe *p)
{
  enum { N = DG_CANVAS_UNITS, R = 10 };
  const float *heat = dg_canvas_get_heatmap_picture (p->canvas);
  g_autofree guint8 *grey = g_malloc (N * N);
  int peak = 0, hot = 0, near = 0, x0 = N, y0 = N, x1 = -1, y1 = -1;
  float threshold;

  if (!heat || dg_canvas_get_width_units (p->canvas) != N) /* a number's wide canvas: not measured */
    {
      dg_test_print ("EXPLAIN method=%s layer=%s sum=%.1f canvas=0", method, layer ? layer : "-", sum);
      return;
    }
  dg_canvas_render_grey (p->canvas, grey);
  for (int i = 0; i < N * N; i++)
    {
      if (heat[i] > heat[peak])
        peak = i;
      if (grey[i] > 0)
        {
          x0 = MIN (x0, i % N); x1 = MAX (x1, i % N);
          y0 = MIN (y0, i / N); y1 = MAX (y1, i / N);
        }
    }
  {
    /* the hottest 1%: above the 99th percentile, from a histogram */
    int counts[1001] = { 0 }, k = 1000, above = 0;
    for (int i = 0; i < N * N; i++)
      counts[CLAMP ((int) (heat[i] / MAX (heat[peak], 1e-9f) * 1000), 0, 1000)]++;
    while (k > 0 && above + counts[k] < N * N / 100)
      above += counts[k--];
    threshold = k / 1000.0f * heat[peak];
  }
  for (int i = 0; i < N * N; i++)
    {
      gboolean on = FALSE;
      if (heat[i] < threshold || heat[i] <= 0)
        continue;
      hot++;
      for (int dy = -R; dy <= R && !on; dy++)
        for (int dx = -R; dx <= R && !on; dx++)
          {
            int x = i % N + dx, y = i / N + dy;
            on = x >= 0 && x < N && y >= 0 && y < N && grey[y * N + x] > 0;
          }
      near += on;
    }
  dg_test_print ("EXPLAIN method=%s layer=%s sum=%.1f canvas=1 strokes=%u points=%u peak=%d,%d "
                 "hot=%d hot_on_ink=%.3f ink=%d,%d,%d,%d", method, layer ? layer : "-", sum,
                 dg_canvas_get_n_strokes (p->canvas), dg_canvas_get_n_points (p->canvas),
                 peak % N, peak / N, hot, hot ? (double) near / hot : 0.0, x0, y0, x1, y1);
}

static void
on_inside_updated (DgInsideView *view, int grids, int bars, int softmax, gint64 cost_us, Probe *p)
{
  DgModel *model = dg_context_get_model (p->context);
  int spatial = 0;
  g_autofree char *geometry = dg_test_widget_geometry (GTK_WIDGET (view));

  g_autofree char *canvas = dg_test_widget_geometry (GTK_WIDGET (p->canvas));
  int cx = 0, cy = 0, cw = 0, ch = 0, side;

  for (int i = 0; model && i < dg_model_get_nn (model)->n_layers; i++)
    spatial += nn_layer_is_spatial (&dg_model_get_nn (model)->layers[i]);
  /* the canvas's square too: the view beside it narrows the page */
  sscanf (canvas, "%d,%d,%d,%d", &cx, &cy, &cw, &ch);
  side = MIN (cw, ch);
  dg_test_print ("INSIDE grids=%d bars=%d softmax=%d spatial_layers=%d model=%s cost_us=%"
                 G_GINT64_FORMAT " view=%s canvas=%d,%d,%d,%d", grids, bars, softmax, spatial,
                 model ? dg_model_get_title (model) : "none", cost_us, geometry,
                 cx + (cw - side) / 2, cy + (ch - side) / 2, side, side);
}

/* The Inside view's flap once it has opened or closed, laid out: where the view
 * and the canvas are. */
static void
on_flap_painted (GdkFrameClock *clock, Probe *p)
{
  GtkWidget *flap = gtk_widget_get_ancestor (GTK_WIDGET (p->draw_page), ADW_TYPE_FLAP);
  g_autofree char *view = dg_test_widget_geometry (adw_flap_get_flap (ADW_FLAP (flap)));
  g_autofree char *canvas = dg_test_widget_geometry (GTK_WIDGET (p->canvas));
  int cx = 0, cy = 0, cw = 0, ch = 0, side;

  sscanf (canvas, "%d,%d,%d,%d", &cx, &cy, &cw, &ch);
  side = MIN (cw, ch);
  dg_test_print ("FLAP revealed=%d folded=%d view=%s canvas=%d,%d,%d,%d",
                 adw_flap_get_reveal_flap (ADW_FLAP (flap)), adw_flap_get_folded (ADW_FLAP (flap)),
                 view, cx + (cw - side) / 2, cy + (ch - side) / 2, side, side);
  g_signal_handlers_disconnect_by_func (clock, on_flap_painted, p);
}

static void
on_flap_progress (AdwFlap *flap, GParamSpec *pspec, Probe *p)
{
  double progress = adw_flap_get_reveal_progress (flap);

  /* after the frame that lays it out */
  if ((progress == 0.0 || progress == 1.0) && p->clock)
    {
      g_signal_handlers_disconnect_by_func (p->clock, on_flap_painted, p);
      g_signal_connect (p->clock, "after-paint", G_CALLBACK (on_flap_painted), p);
      gtk_widget_queue_draw (GTK_WIDGET (flap));
    }
}

static void
on_image_opened_on_draw (DgDrawPage *page, const char *name, gboolean ok, Probe *p)
{
  dg_test_print ("IMAGE ok=%d strokes=%u image=%d name=%s", ok, dg_canvas_get_n_strokes (p->canvas),
                 dg_canvas_has_image (p->canvas), name);
}

/* Tests wait for this line, then for the prediction after it: the finished stroke's. */
static void
on_stroke_finished (DgCanvas *canvas, Probe *p)
{
  dg_test_print ("STROKE finished strokes=%u points=%u", dg_canvas_get_n_strokes (canvas),
                 dg_canvas_get_n_points (canvas));
}

static void
on_draw_stack_changed (GtkStack *stack, GParamSpec *pspec, Probe *p)
{
  const char *name = gtk_stack_get_visible_child_name (stack);

  if (g_strcmp0 (name, "no-model") == 0)
    dg_test_print ("MODEL none");
  else
    layout_after_paint (p);
}

static void
on_model_changed (DgContext *context, GParamSpec *pspec, Probe *p)
{
  DgModel *model = dg_context_get_model (context);

  if (model)
    dg_test_print ("MODEL loaded name=%s layers=%d params=%" G_GSIZE_FORMAT " gradcam=%d path=%s"
                   " process_ms=%.1f",
                   dg_model_get_title (model), dg_model_get_nn (model)->n_layers,
                   dg_model_get_n_params (model), dg_model_has_gradcam (model),
                   dg_model_get_path (model), dg_test_process_age_us () / 1000.0);
}

static void
on_load_started (DgContext *context, const char *path, Probe *p)
{
  dg_test_print ("MODEL loading path=%s", path);
}

static void
on_load_failed (DgContext *context, const char *path, const char *message, Probe *p)
{
  dg_test_print ("MODEL error message=%s", message);
}

static GtkWidget *
first_label (GtkWidget *widget)
{
  if (GTK_IS_LABEL (widget))
    return widget;
  for (GtkWidget *c = gtk_widget_get_first_child (widget); c; c = gtk_widget_get_next_sibling (c))
    {
      GtkWidget *label = first_label (c);
      if (label)
        return label;
    }
  return NULL;
}

static GtkWidget *
labelled_button (GtkWidget *widget)
{
  if (GTK_IS_BUTTON (widget) && gtk_button_get_label (GTK_BUTTON (widget)))
    return widget;
  for (GtkWidget *c = gtk_widget_get_first_child (widget); c; c = gtk_widget_get_next_sibling (c))
    {
      GtkWidget *b = labelled_button (c);
      if (b)
        return b;
    }
  return NULL;
}

/* What the toast overlay shows once the toast has been added and laid out (after
 * the next paint: before it, a new toast has no place yet); a toast queued behind
 * another is not on screen yet. */
static void
on_toasts_paint (GdkFrameClock *clock, Probe *p)
{
  GtkWidget *overlay = GTK_WIDGET (child (p->window, DG_TYPE_WINDOW, "toast_overlay"));
  g_autoptr(GString) titles = g_string_new (NULL);
  g_autofree char *at = NULL;
  g_autofree char *button = NULL;
  gboolean awaited_shown = FALSE;
  int shown = 0;

  for (GtkWidget *c = gtk_widget_get_first_child (overlay); c; c = gtk_widget_get_next_sibling (c))
    {
      GtkWidget *label;
      const char *text;
      if (!g_str_equal (G_OBJECT_TYPE_NAME (c), "AdwToastWidget") || !gtk_widget_get_visible (c))
        continue;
      label = first_label (c);
      text = label ? gtk_label_get_text (GTK_LABEL (label)) : "?";
      awaited_shown = awaited_shown || g_strcmp0 (text, p->toast_awaited) == 0;
      if (!at)
        {
          /* the toast's own button (Undo, Use This Model), not its close button */
          GtkWidget *b = labelled_button (c);
          at = dg_test_widget_geometry (c);
          if (b && gtk_widget_get_visible (b))
            button = dg_test_widget_geometry (b);
        }
      g_string_append_printf (titles, "%s%s", shown++ ? "|" : "", text);
    }
  /* A toast that replaces another shows once the other has gone, a frame or more
   * later: until then the overlay still shows the old one. */
  if (!awaited_shown && ++p->toast_frames < 120)
    {
      gtk_widget_queue_draw (GTK_WIDGET (p->window));
      return;
    }
  g_signal_handlers_disconnect_by_func (clock, on_toasts_paint, p);
  g_clear_pointer (&p->toast_awaited, g_free);
  dg_test_print ("TOASTS shown=%d at=%s button=%s titles=%s", shown, at ? at : "0,0,0,0",
                 button ? button : "0,0,0,0", titles->str);
}

static void
toasts_after_paint (Probe *p, const char *text)
{
  if (!p->clock || gtk_widget_in_destruction (GTK_WIDGET (p->window)))
    return;
  g_free (p->toast_awaited);
  p->toast_awaited = g_strdup (text);
  p->toast_frames = 0;
  g_signal_handlers_disconnect_by_func (p->clock, on_toasts_paint, p);
  g_signal_connect (p->clock, "after-paint", G_CALLBACK (on_toasts_paint), p);
  gtk_widget_queue_draw (GTK_WIDGET (p->window));
}

static void
on_toast (DgContext *context, const char *text, const char *details, Probe *p)
{
  dg_test_print ("TOAST %s", text);
  toasts_after_paint (p, text);
}

static void
on_toast_action (DgContext *context, const char *text, const char *button_label,
                 const char *action_name, GVariant *target, Probe *p)
{
  dg_test_print ("TOAST %s button=%s action=%s", text, button_label, action_name);
  toasts_after_paint (p, text);
}

static void
on_page_changed (AdwViewStack *stack, GParamSpec *pspec, Probe *p)
{
  layout_after_paint (p);
}

/* ---- the main menu -------------------------------------------------------------------- */

static void
collect_menu_items (GtkWidget *w, GString *line, int px, int py)
{
  g_autofree char *text = NULL;

  if (!gtk_widget_get_mapped (w))
    return;
  /* the menu's items (GTK's GtkModelButton) hold their label as "text" */
  if (g_str_equal (G_OBJECT_TYPE_NAME (w), "GtkModelButton"))
    g_object_get (w, "text", &text, NULL);
  if (text)
    {
      g_autofree char *g = dg_test_widget_geometry (w);
      GString *key = g_string_new (NULL);
      int x, y, wd, h;

      /* "_Delete Model" -> Delete_Model */
      for (const char *c = text; *c; c++)
        if (*c != '_')
          g_string_append_c (key, *c == ' ' ? '_' : *c);
      if (sscanf (g, "%d,%d,%d,%d", &x, &y, &wd, &h) == 4)
        g_string_append_printf (line, " %s=%d,%d,%d,%d:%d", key->str, x + px, y + py, wd, h,
                                gtk_widget_is_sensitive (w));
      g_string_free (key, TRUE);
      return;
    }
  for (GtkWidget *c = gtk_widget_get_first_child (w); c; c = gtk_widget_get_next_sibling (c))
    collect_menu_items (c, line, px, py);
}

/* MENU LABEL=X,Y,W,H:SENSITIVE ...: the main menu's items, in the window's
 * coordinates (the menu is a surface of its own) */
static void
on_menu_paint (GdkFrameClock *clock, GtkWidget *popover)
{
  g_autoptr(GString) line = g_string_new ("MENU");
  GdkSurface *s = gtk_native_get_surface (GTK_NATIVE (popover));
  int px = 0, py = 0;

  g_signal_handlers_disconnect_by_func (clock, on_menu_paint, popover);
  if (GDK_IS_POPUP (s))
    {
      px = gdk_popup_get_position_x (GDK_POPUP (s));
      py = gdk_popup_get_position_y (GDK_POPUP (s));
    }
  collect_menu_items (popover, line, px, py);
  dg_test_print ("%s", line->str);
  g_object_unref (popover);
}

static void
on_menu_map (GtkWidget *popover, Probe *p)
{
  GdkFrameClock *clock = gtk_widget_get_frame_clock (popover);

  if (clock)
    g_signal_connect (clock, "after-paint", G_CALLBACK (on_menu_paint), g_object_ref (popover));
}

/* ---- teaching by correcting ---------------------------------------------------------- */

static void
on_teach_corrected (DgTeacher *teacher, const char *path, int label, Probe *p)
{
  dg_test_print ("TEACH corrected label=%d path=%s", label, path);
}

static void
on_teach_tuned (DgTeacher *teacher, int samples, int replay, int train_ms, Probe *p)
{
  dg_test_print ("TEACH tuned samples=%d replay=%d train_ms=%d", samples, replay, train_ms);
}

static void
on_teach_activated (DgTeacher *teacher, gint64 ms, Probe *p)
{
  DgModel *model = dg_context_get_model (p->context);
  g_autofree char *title = dg_model_title_from_path (dg_model_get_path (model));

  dg_test_print ("TEACH active ms=%" G_GINT64_FORMAT " path=%s title=%s", ms,
                 dg_model_get_path (model), title);
}

static void
on_teach_failed (DgTeacher *teacher, const char *message, Probe *p)
{
  dg_test_print ("TEACH failed message=%s", message);
}

static void
on_teach_busy (DgTeacher *teacher, GParamSpec *pspec, Probe *p)
{
  dg_test_print ("TEACH busy=%d personal=%d", dg_teacher_get_busy (teacher),
                 dg_teacher_get_has_personal (teacher));
}

/* The popover is its own surface: its buttons' places in the window's. */
static void
on_teach_popover_paint (GdkFrameClock *clock, GtkWidget *popover)
{
  g_autoptr(GString) line = g_string_new ("TEACHPOPOVER");
  GtkWidget *grid = GTK_WIDGET (child (gtk_widget_get_ancestor (popover, DG_TYPE_TEACH_BUTTON),
                                       DG_TYPE_TEACH_BUTTON, "digit_grid"));
  GtkWidget *reset = GTK_WIDGET (child (gtk_widget_get_ancestor (popover, DG_TYPE_TEACH_BUTTON),
                                        DG_TYPE_TEACH_BUTTON, "reset_button"));
  GdkSurface *s = gtk_native_get_surface (GTK_NATIVE (popover));
  int px = 0, py = 0;

  g_signal_handlers_disconnect_by_func (clock, on_teach_popover_paint, popover);
  if (GDK_IS_POPUP (s))
    {
      px = gdk_popup_get_position_x (GDK_POPUP (s));
      py = gdk_popup_get_position_y (GDK_POPUP (s));
    }
  for (GtkWidget *b = gtk_widget_get_first_child (grid); b; b = gtk_widget_get_next_sibling (b))
    {
      g_autofree char *g = dg_test_widget_geometry (b);
      int x, y, w, h;
      if (sscanf (g, "%d,%d,%d,%d", &x, &y, &w, &h) == 4)
        g_string_append_printf (line, " d%s=%d,%d,%d,%d", gtk_widget_get_name (b), x + px, y + py,
                                w, h);
    }
  {
    g_autofree char *g = dg_test_widget_geometry (reset);
    int x, y, w, h;
    if (sscanf (g, "%d,%d,%d,%d", &x, &y, &w, &h) == 4)
      g_string_append_printf (line, " reset=%d,%d,%d,%d sensitive=%d", x + px, y + py, w, h,
                              gtk_widget_is_sensitive (reset));
  }
  dg_test_print ("%s", line->str);
  g_object_unref (popover);
}

static void
on_teach_popover_map (GtkWidget *popover, Probe *p)
{
  GdkFrameClock *clock = gtk_widget_get_frame_clock (popover);

  if (clock)
    g_signal_connect (clock, "after-paint", G_CALLBACK (on_teach_popover_paint),
                      g_object_ref (popover));
}

static void
watch_teacher (Probe *p)
{
  GtkWidget *button = draw_child (p, "teach_button");
  DgTeacher *teacher = dg_teach_button_get_teacher (DG_TEACH_BUTTON (button));

  g_signal_connect (teacher, "corrected", G_CALLBACK (on_teach_corrected), p);
  g_signal_connect (teacher, "tuned", G_CALLBACK (on_teach_tuned), p);
  g_signal_connect (teacher, "activated", G_CALLBACK (on_teach_activated), p);
  g_signal_connect (teacher, "failed", G_CALLBACK (on_teach_failed), p);
  g_signal_connect (teacher, "notify::busy", G_CALLBACK (on_teach_busy), p);
  g_signal_connect (teacher, "notify::has-personal", G_CALLBACK (on_teach_busy), p);
  g_signal_connect (child (button, DG_TYPE_TEACH_BUTTON, "popover"), "map",
                    G_CALLBACK (on_teach_popover_map), p);
}

/* ---- the history -------------------------------------------------------------------- */

static void
on_history_changed (DgHistoryButton *history, guint n, Probe *p)
{
  g_autoptr(GString) digits = g_string_new (NULL);

  for (guint i = 0; i < n; i++)
    g_string_append_printf (digits, "%s%d", i ? "," : "", dg_history_button_get_digit (history, i));
  dg_test_print ("HISTORY n=%u digits=%s", n, n ? digits->str : "-");
}

static void
on_history_reopened (DgHistoryButton *history, int position, int digit, Probe *p)
{
  dg_test_print ("HISTORY reopened position=%d digit=%d", position, digit);
}

static void
on_history_popover_paint (GdkFrameClock *clock, GtkWidget *list)
{
  g_autoptr(GString) line = g_string_new ("HISTORYPOPOVER");
  GdkSurface *s = gtk_native_get_surface (gtk_widget_get_native (list));
  int i = 0, px = 0, py = 0;

  g_signal_handlers_disconnect_by_func (clock, on_history_popover_paint, list);
  if (GDK_IS_POPUP (s))
    {
      px = gdk_popup_get_position_x (GDK_POPUP (s));
      py = gdk_popup_get_position_y (GDK_POPUP (s));
    }
  for (GtkWidget *r = gtk_widget_get_first_child (list); r; r = gtk_widget_get_next_sibling (r), i++)
    {
      g_autofree char *g = dg_test_widget_geometry (r);
      int x, y, w, h;
      if (sscanf (g, "%d,%d,%d,%d", &x, &y, &w, &h) == 4)
        g_string_append_printf (line, " row%d=%d,%d,%d,%d", i, x + px, y + py, w, h);
    }
  dg_test_print ("%s", line->str);
  g_object_unref (list);
}

static void
on_history_popover_map (GtkWidget *popover, GtkWidget *list)
{
  GdkFrameClock *clock = gtk_widget_get_frame_clock (popover);

  if (clock)
    g_signal_connect (clock, "after-paint", G_CALLBACK (on_history_popover_paint),
                      g_object_ref (list));
}

static void
watch_history (Probe *p)
{
  GtkWidget *history = draw_child (p, "history_button");

  g_signal_connect (history, "changed", G_CALLBACK (on_history_changed), p);
  g_signal_connect (history, "reopened", G_CALLBACK (on_history_reopened), p);
  g_signal_connect (child (history, DG_TYPE_HISTORY_BUTTON, "popover"), "map",
                    G_CALLBACK (on_history_popover_map),
                    child (history, DG_TYPE_HISTORY_BUTTON, "list"));
}

/* ---- dialogs ------------------------------------------------------------------------ */

static void
on_sample_saved (DgSampleDialog *dialog, const char *path, int label, Probe *p)
{
  dg_test_print ("SAMPLE saved label=%d path=%s", label, path);
}

static void
on_samples_shown (DgSamplesWindow *w, int n, Probe *p)
{
  dg_test_print ("SAMPLES shown=%d", n);
}

static void
on_samples_deleted (DgSamplesWindow *w, const char *path, Probe *p)
{
  dg_test_print ("SAMPLES deleted path=%s", path);
}

static void
on_samples_restored (DgSamplesWindow *w, const char *path, Probe *p)
{
  dg_test_print ("SAMPLES restored path=%s", path);
}

static void
on_samples_trashed (DgSamplesWindow *w, const char *path, gboolean ok, Probe *p)
{
  dg_test_print ("SAMPLES trashed ok=%d path=%s", ok, path);
}

/* " Undo stroke; Redo stroke; ..." */
static void
collect_shortcut_titles (GtkWidget *w, GString *out)
{
  if (GTK_IS_SHORTCUTS_SHORTCUT (w))
    {
      g_autofree char *title = NULL;
      g_object_get (w, "title", &title, NULL);
      g_string_append_printf (out, "%s %s", out->len ? ";" : "", title);
    }
  for (GtkWidget *c = gtk_widget_get_first_child (w); c; c = gtk_widget_get_next_sibling (c))
    collect_shortcut_titles (c, out);
}

static void
on_samples_row (GtkWidget *row)
{
  dg_test_print ("PREFS samples=%s", adw_action_row_get_subtitle (ADW_ACTION_ROW (row)));
}

static gboolean
dialog_idle (gpointer data)
{
  GtkWindow *dialog = data;

  if (DG_IS_SAMPLE_DIALOG (dialog))
    {
      GtkWidget *save = GTK_WIDGET (child (dialog, DG_TYPE_SAMPLE_DIALOG, "save_button"));
      GtkWidget *spin = GTK_WIDGET (child (dialog, DG_TYPE_SAMPLE_DIALOG, "label_spin"));
      g_autofree char *save_g = dg_test_widget_geometry (save);
      g_autofree char *spin_g = dg_test_widget_geometry (spin);
      g_autofree char *next_g =
        dg_test_widget_geometry (GTK_WIDGET (child (dialog, DG_TYPE_SAMPLE_DIALOG, "next_button")));
      g_autofree char *browse_g =
        dg_test_widget_geometry (GTK_WIDGET (child (dialog, DG_TYPE_SAMPLE_DIALOG, "browse_button")));

      dg_test_print ("DIALOG sample save=%s label=%s value=%d next=%s browse=%s", save_g, spin_g,
                     gtk_spin_button_get_value_as_int (GTK_SPIN_BUTTON (spin)), next_g, browse_g);
    }
  else if (DG_IS_SAMPLES_WINDOW (dialog))
    {
      GtkWidget *sections = GTK_WIDGET (child (dialog, DG_TYPE_SAMPLES_WINDOW, "sections"));
      GtkWidget *trash = first_of_type (sections, GTK_TYPE_BUTTON);
      g_autofree char *trash_g = trash ? dg_test_widget_geometry (trash) : g_strdup ("0,0,0,0");

      dg_test_print ("DIALOG samples shown=%d trash=%s",
                     dg_samples_window_get_n_shown (DG_SAMPLES_WINDOW (dialog)), trash_g);
    }
  else
    dg_test_print ("DIALOG window title=%s", gtk_window_get_title (dialog));
  if (DG_IS_PREFERENCES (dialog))
    {
      GtkWidget *row = GTK_WIDGET (child (dialog, DG_TYPE_PREFERENCES, "samples_row"));
      g_autofree char *choose = dg_test_widget_geometry (GTK_WIDGET (child (dialog, DG_TYPE_PREFERENCES,
                                                                            "choose_samples_button")));

      dg_test_print ("PREFS choose=%s", choose);
      on_samples_row (row);
      g_signal_connect (row, "notify::subtitle", G_CALLBACK (on_samples_row), NULL);
    }
  if (GTK_IS_SHORTCUTS_WINDOW (dialog))
    {
      g_autoptr(GString) titles = g_string_new (NULL);

      collect_shortcut_titles (GTK_WIDGET (dialog), titles);
      dg_test_print ("SHORTCUTS%s;", titles->str);
    }
  g_object_unref (dialog);
  return G_SOURCE_REMOVE;
}

static void
on_dialog_paint (GdkFrameClock *clock, GtkWindow *dialog)
{
  g_signal_handlers_disconnect_by_func (clock, on_dialog_paint, dialog);
  g_idle_add (dialog_idle, dialog);
}

static void
on_dialog_map (GtkWidget *dialog, Probe *p)
{
  GdkFrameClock *clock = gdk_surface_get_frame_clock (gtk_native_get_surface (GTK_NATIVE (dialog)));

  g_signal_connect (clock, "after-paint", G_CALLBACK (on_dialog_paint), g_object_ref (dialog));
}

/* Every other window (dialogs, galleries, file choosers) is reported when shown. */
static void
on_toplevels_changed (GListModel *toplevels, guint position, guint removed, guint added, Probe *p)
{
  for (guint i = position; i < position + added; i++)
    {
      g_autoptr(GtkWindow) w = g_list_model_get_item (toplevels, i);

      if ((gpointer) w == (gpointer) p->window || g_object_get_data (G_OBJECT (w), "dg-test-probe"))
        continue;
      g_object_set_data (G_OBJECT (w), "dg-test-probe", p);
      g_signal_connect (w, "map", G_CALLBACK (on_dialog_map), p);
      if (DG_IS_SAMPLE_DIALOG (w))
        g_signal_connect (w, "saved", G_CALLBACK (on_sample_saved), p);
      if (DG_IS_SAMPLES_WINDOW (w))
        {
          g_signal_connect (w, "shown", G_CALLBACK (on_samples_shown), p);
          g_signal_connect (w, "deleted", G_CALLBACK (on_samples_deleted), p);
          g_signal_connect (w, "restored", G_CALLBACK (on_samples_restored), p);
          g_signal_connect (w, "trashed", G_CALLBACK (on_samples_trashed), p);
        }
    }
}

/* ---- the Train and Evaluate pages ----------------------------------------------------- */

static GtkWidget *
page_child (GtkWidget *page, const char *id)
{
  return GTK_WIDGET (child (page, G_OBJECT_TYPE (page), id));
}

static void
collect_switcher_buttons (GtkWidget *w, GPtrArray *out, gboolean inside)
{
  if (!gtk_widget_get_mapped (w))
    return;
  inside = inside || ADW_IS_VIEW_SWITCHER (w);
  if (inside && GTK_IS_TOGGLE_BUTTON (w))
    {
      g_ptr_array_add (out, w);
      return;
    }
  for (GtkWidget *c = gtk_widget_get_first_child (w); c; c = gtk_widget_get_next_sibling (c))
    collect_switcher_buttons (c, out, inside);
}

/* " switch-draw=X,Y,W,H switch-train=... switch-evaluate=..." */
static void
append_switchers (Probe *p, GString *line)
{
  static const char *names[] = { "switch-draw", "switch-train", "switch-evaluate" };
  g_autoptr(GPtrArray) buttons = g_ptr_array_new ();

  collect_switcher_buttons (GTK_WIDGET (p->window), buttons, FALSE);
  for (guint i = 0; i < buttons->len && i < G_N_ELEMENTS (names); i++)
    {
      g_autofree char *g = dg_test_widget_geometry (g_ptr_array_index (buttons, i));
      g_string_append_printf (line, " %s=%s", names[i], g);
    }
}

static void
append_children (GString *line, GtkWidget *page, const char *const *names, guint n)
{
  for (guint i = 0; i < n; i += 2)
    {
      GtkWidget *w = page_child (page, names[i + 1]);
      g_autofree char *g = w ? dg_test_widget_geometry (w) : g_strdup ("0,0,0,0");
      g_string_append_printf (line, " %s=%s", names[i], g);
    }
}

/* " page=X,Y,W,H page_min=N hscroll=UPPER,PAGE": where the page is, the least
 * width it asks for, and the sideways scrolling the window's scroller around it
 * would allow (none when UPPER <= PAGE) */
static void
append_page_width (GString *line, GtkWidget *page)
{
  GtkWidget *view = gtk_widget_get_ancestor (page, GTK_TYPE_SCROLLED_WINDOW);
  GtkAdjustment *h = view ? gtk_scrolled_window_get_hadjustment (GTK_SCROLLED_WINDOW (view)) : NULL;
  g_autofree char *g = dg_test_widget_geometry (page);
  int min = 0;

  gtk_widget_measure (page, GTK_ORIENTATION_HORIZONTAL, -1, &min, NULL, NULL, NULL);
  g_string_append_printf (line, " page=%s page_min=%d hscroll=%.0f,%.0f", g, min,
                          h ? gtk_adjustment_get_upper (h) : 0, h ? gtk_adjustment_get_page_size (h) : 0);
}

/* TRAINPAGE or EVALPAGE with the geometry of what the tests click on the page
 * that shows */
static void
print_page_layout (Probe *p)
{
  static const char *const train[] = {
    "start", "start_button", "cancel", "cancel_button", "batch", "batch_spin",
    "epochs", "epochs_spin", "use", "use_button", "folder", "folder_button",
    "recipe", "recipe_row", "batch-plot", "batch_plot", "progress", "progress_bar",
    "runs", "runs_button", "limit", "limit_spin", "name", "name_row",
  };
  static const char *const evaluate[] = {
    "evaluate", "evaluate_button", "sweep", "sweep_button", "export", "export_button",
    "confusion", "confusion_area", "source", "source_row", "robust-plot", "robust_plot",
    "stop", "cancel_button", "compare", "compare_row", "empty", "confusion_empty",
  };
  g_autoptr(GString) line = NULL;
  GtkWidget *page = gtk_widget_get_mapped (p->train_page) ? p->train_page
                    : gtk_widget_get_mapped (p->evaluate_page) ? p->evaluate_page : NULL;
  GtkWidget *gate = page ? page_child (page, "data_gate") : NULL;

  if (gate && dg_data_gate_get_missing (DG_DATA_GATE (gate)))
    {
      static const char *const names[] = {
        "download", "download_button", "choose", "choose_button", "cancel", "cancel_button",
        "error", "error_label",
      };
      line = g_string_new ("DATAGATE");
      g_string_append_printf (line, " page=%s", page == p->train_page ? "train" : "evaluate");
      append_children (line, gate, names, G_N_ELEMENTS (names));
    }
  else if (gtk_widget_get_mapped (p->train_page) && page_child (p->train_page, "start_button"))
    {
      line = g_string_new ("TRAINPAGE");
      append_children (line, p->train_page, train, G_N_ELEMENTS (train));
    }
  else if (gtk_widget_get_mapped (p->evaluate_page) && page_child (p->evaluate_page, "evaluate_button"))
    {
      GtkWidget *tabs = page_child (p->evaluate_page, "stack_switcher");
      int tab = 0;

      GtkWidget *compare = page_child (p->evaluate_page, "compare_row");
      GListModel *offered = adw_combo_row_get_model (ADW_COMBO_ROW (compare));

      line = g_string_new ("EVALPAGE");
      append_children (line, p->evaluate_page, evaluate, G_N_ELEMENTS (evaluate));
      g_string_append_printf (line, " compare_n=%u", offered ? g_list_model_get_n_items (offered) : 0);
      for (GtkWidget *c = gtk_widget_get_first_child (tabs); c; c = gtk_widget_get_next_sibling (c), tab++)
        {
          g_autofree char *g = dg_test_widget_geometry (c);
          g_string_append_printf (line, " tab%d=%s", tab, g);
        }
    }
  else
    return;
  append_page_width (line, page);
  append_switchers (p, line);
  dg_test_print ("%s", line->str);
}

static void
on_run_started (DgTrainPage *page, int run, const NnRecipeOptions *o, Probe *p)
{
  p->batches = 0;
  if (p->meter)
    g_array_unref (dg_frame_meter_stop (p->meter));
  p->meter = dg_frame_meter_start (GTK_WIDGET (page));
  dg_test_print ("TRAIN start recipe=%s epochs=%d batch=%d lr=%g limit=%d out=%s name=%s form=%d",
                 nn_recipe_name (o->kind), o->epochs, o->batch_size, o->learning_rate, o->limit,
                 o->out, gtk_editable_get_text (GTK_EDITABLE (page_child (GTK_WIDGET (page), "name_row"))),
                 gtk_widget_get_sensitive (page_child (GTK_WIDGET (page), "form")));
}

static void
on_name_problem (GtkWidget *page, GParamSpec *pspec, Probe *p)
{
  g_autofree char *problem = NULL;

  g_object_get (page, "name-problem", &problem, NULL);
  if (problem)
    dg_test_print ("TRAIN name problem=%s start=%d", problem,
                   gtk_widget_get_sensitive (page_child (page, "start_button")));
  else
    dg_test_print ("TRAIN name ok start=%d", gtk_widget_get_sensitive (page_child (page, "start_button")));
}

static void
on_train_tab (AdwViewStackPage *tab, GParamSpec *pspec, Probe *p)
{
  dg_test_print ("TAB train attention=%d title=%s", adw_view_stack_page_get_needs_attention (tab),
                 adw_view_stack_page_get_title (tab));
}

static void
on_notified (DgTrainPage *page, const char *title, Probe *p)
{
  dg_test_print ("NOTIFY %s", title);
}

static void
on_batch (DgTrainPage *page, const NnFitProgress *f, Probe *p)
{
  GtkWidget *plot = page_child (GTK_WIDGET (page), "batch_plot");
  GtkWidget *bar = page_child (GTK_WIDGET (page), "progress_bar");

  p->batches++;
  dg_test_print ("TRAIN batch epoch=%d/%d batch=%d/%d loss=%.4f points=%d progress=%.3f step=%" G_GINT64_FORMAT,
                 f->epoch, f->epochs, f->batch, f->batches, f->batch_loss,
                 dg_plot_n_points (DG_PLOT (plot)), gtk_progress_bar_get_fraction (GTK_PROGRESS_BAR (bar)),
                 f->step);
}

static void
on_epoch (DgTrainPage *page, const NnFitProgress *f, Probe *p)
{
  dg_test_print ("TRAIN epoch epoch=%d/%d loss=%.4f accuracy=%.4f val_loss=%.4f val_accuracy=%.4f",
                 f->epoch, f->epochs, f->loss, f->accuracy, f->val_loss, f->val_accuracy);
}

static void
on_stage (DgTrainPage *page, const char *text, Probe *p)
{
  dg_test_print ("TRAIN stage %s", text);
}

static void
on_run_finished (DgTrainPage *page, int run, const char *path, gboolean exists,
                 const NnRecipeReport *r, const GError *error, Probe *p)
{
  g_autoptr(GArray) frames = dg_frame_meter_stop (p->meter);
  g_autofree char *stats = dg_page_frame_stats (frames);

  p->meter = NULL;
  if (!error)
    dg_test_print ("TRAIN done status=ok path=%s exists=%d best_val=%.4f test_acc=%.4f "
                   "seconds=%.1f batches=%d", path, exists, r->fit.best_val_accuracy,
                   r->test_accuracy, r->seconds, p->batches);
  else
    dg_test_print ("TRAIN %s path=%s exists=%d message=%s",
                   g_error_matches (error, NN_ERROR, NN_ERROR_CANCELLED) ? "cancelled" : "error",
                   path, exists, error->message);
  {
    /* the run's summary as the user reads it, one line */
    GtkWidget *summary = page_child (GTK_WIDGET (page), "summary_label");
    g_autofree char *text = g_strdup (gtk_label_get_text (GTK_LABEL (summary)));
    g_strdelimit (text, "\n", '|');
    dg_test_print ("TRAINSUMMARY %s", text);
  }
  dg_test_print ("FRAMES during=train%s", stats);
  layout_after_paint (p);
}

static void
on_run_shown (DgTrainPage *page, int run, Probe *p)
{
  dg_test_print ("TRAIN shown run=%d points=%d", run,
                 dg_plot_n_points (DG_PLOT (page_child (GTK_WIDGET (page), "batch_plot"))));
}

static void
on_folder_read (DgTrainPage *page, const char *path, const NnFolderReport *r, gboolean ok, Probe *p)
{
  g_autoptr(GString) counts = g_string_new (NULL);
  int total = 0;

  for (int c = 0; c < 10; c++)
    {
      g_string_append_printf (counts, "%s%d", c ? "," : "", r->per_class[c]);
      total += r->per_class[c];
    }
  dg_test_print ("TRAIN folder path=%s per_class=%s total=%d skipped=%u ok=%d", path, counts->str,
                 total, r->skipped ? r->skipped->len : 0, ok);
}

/* The runs popover is its own surface: its rows' places in the window's. */
static void
on_runs_popover_paint (GdkFrameClock *clock, GtkWidget *list)
{
  g_autoptr(GString) line = g_string_new ("TRAINRUNS");
  int i = 0;

  g_signal_handlers_disconnect_by_func (clock, on_runs_popover_paint, list);
  for (GtkWidget *r = gtk_widget_get_first_child (list); r; r = gtk_widget_get_next_sibling (r), i++)
    {
      g_autofree char *g = dg_test_widget_geometry (r);
      GdkSurface *s = gtk_native_get_surface (gtk_widget_get_native (r));
      int x, y, w, h, px = 0, py = 0;

      if (GDK_IS_POPUP (s))
        {
          px = gdk_popup_get_position_x (GDK_POPUP (s));
          py = gdk_popup_get_position_y (GDK_POPUP (s));
        }
      if (sscanf (g, "%d,%d,%d,%d", &x, &y, &w, &h) == 4)
        g_string_append_printf (line, " row%d=%d,%d,%d,%d", i, x + px, y + py, w, h);
    }
  dg_test_print ("%s", line->str);
  g_object_unref (list);
}

static void
on_runs_popover_map (GtkWidget *popover, GtkWidget *list)
{
  GdkFrameClock *clock = gtk_widget_get_frame_clock (popover);

  if (clock)
    g_signal_connect (clock, "after-paint", G_CALLBACK (on_runs_popover_paint), g_object_ref (list));
}

static void
on_data_dir (DgContext *context, GParamSpec *pspec, Probe *p)
{
  const char *dir = dg_context_get_data_dir (context);

  if (dir)
    dg_test_print ("DATA found dir=%s", dir);
  else
    dg_test_print ("DATA missing");
  layout_after_paint (p);
}

static void
on_download_finished (DgDataGate *gate, const char *message, Probe *p)
{
  if (message == NULL)
    dg_test_print ("DATA download ok");
  else if (!*message)
    dg_test_print ("DATA download cancelled");
  else
    dg_test_print ("DATA download failed message=%s", message);
}

static void
on_folder_rejected (DgDataGate *gate, const char *path, const char *message, Probe *p)
{
  dg_test_print ("DATA folder rejected path=%s message=%s", path, message);
  layout_after_paint (p);
}

/* The pages build their content when first shown. */
static void
on_page_map (GtkWidget *page, Probe *p)
{
  GtkWidget *gate = page_child (page, "data_gate");

  if (gate && !g_object_get_data (G_OBJECT (gate), "dg-test-probe"))
    {
      g_object_set_data (G_OBJECT (gate), "dg-test-probe", p);
      g_signal_connect (gate, "download-finished", G_CALLBACK (on_download_finished), p);
      g_signal_connect (gate, "folder-rejected", G_CALLBACK (on_folder_rejected), p);
    }

  GtkWidget *popover = page_child (page, "runs_popover");
  GtkWidget *eval_stack = page_child (page, "eval_stack");

  if (popover && !g_object_get_data (G_OBJECT (popover), "dg-test-probe"))
    {
      g_object_set_data (G_OBJECT (popover), "dg-test-probe", p);
      g_signal_connect (popover, "map", G_CALLBACK (on_runs_popover_map), page_child (page, "runs_list"));
    }
  if (eval_stack && !g_object_get_data (G_OBJECT (eval_stack), "dg-test-probe"))
    {
      g_object_set_data (G_OBJECT (eval_stack), "dg-test-probe", p);
      g_signal_connect_swapped (eval_stack, "notify::visible-child", G_CALLBACK (layout_after_paint), p);
    }
  layout_after_paint (p);
}

static void
on_evaluation_started (DgEvaluatePage *page, const char *model, const char *folder, Probe *p)
{
  dg_test_print ("EVAL start model=%s folder=%s", model, folder ? folder : "mnist-test");
}

static void
on_eval_progress (DgEvaluatePage *page, gint64 done, gint64 total, Probe *p)
{
  dg_test_print ("EVAL progress done=%" G_GINT64_FORMAT " total=%" G_GINT64_FORMAT, done, total);
}

/* EVAL done, with the most confused cell and where its centre is on screen */
static void
on_evaluated_paint (GdkFrameClock *clock, Probe *p)
{
  g_autoptr(GString) counts = g_string_new (NULL);
  const NnConfusion *cm;
  DgEvaluatePage *page = DG_EVALUATE_PAGE (p->evaluate_page);
  int wr = -1, wc = -1;
  guint32 worst = 0;
  double cx = 0, cy = 0;
  graphene_rect_t cell;

  g_signal_handlers_disconnect_by_func (clock, on_evaluated_paint, p);
  if (!p->result)
    return;
  cm = &p->result->confusion;
  for (int r = 0; r < 10; r++)
    for (int c = 0; c < 10; c++)
      {
        g_string_append_printf (counts, "%s%u", r || c ? "," : "", cm->counts[r][c]);
        if (r != c && cm->counts[r][c] > worst)
          {
            worst = cm->counts[r][c];
            wr = r;
            wc = c;
          }
      }
  if (wr >= 0 && dg_evaluate_page_get_cell_bounds (page, wr, wc, &cell))
    {
      g_autofree char *g = dg_test_widget_geometry (page_child (p->evaluate_page, "confusion_area"));
      int gx = 0, gy = 0;

      sscanf (g, "%d,%d", &gx, &gy);
      cx = gx + cell.origin.x + cell.size.width / 2;
      cy = gy + cell.origin.y + cell.size.height / 2;
    }
  dg_test_print ("EVAL done n=%d accuracy=%.4f worst=%d,%d worst_count=%u worst_at=%.0f,%.0f counts=%s",
                 p->result->n, nn_confusion_accuracy (cm), wr, wc, worst, cx, cy, counts->str);
  layout_after_paint (p);
}

static void
on_evaluated (DgEvaluatePage *page, const NnEvalResult *result, Probe *p)
{
  GdkFrameClock *clock = p->clock;

  p->result = result;
  dg_test_print ("EVALSTATUS %s",
                 gtk_label_get_text (GTK_LABEL (page_child (GTK_WIDGET (page), "status_label"))));
  if (clock)
    {
      /* after the frame that lays the matrix out */
      g_signal_connect (clock, "after-paint", G_CALLBACK (on_evaluated_paint), p);
      gtk_widget_queue_draw (GTK_WIDGET (page));
    }
}

static void
on_eval_failed (DgEvaluatePage *page, const GError *error, Probe *p)
{
  dg_test_print ("EVAL error message=%s", error->message);
}

static void
on_swept (DgEvaluatePage *page, int models, const NnRobustnessResult *r, Probe *p)
{
  dg_test_print ("ROBUST done models=%d rows=%d images=%d clean=%.4f points=%d", models, r->n_rows,
                 r->n_images, r->rows[0].accuracy,
                 dg_plot_n_points (DG_PLOT (page_child (GTK_WIDGET (page), "robust_plot"))));
  layout_after_paint (p);
}

static void
on_cell_selected (DgEvaluatePage *page, int row, int col, Probe *p)
{
  dg_test_print ("EVAL cell row=%d col=%d count=%u", row, col,
                 p->result ? p->result->confusion.counts[row][col] : 0);
}

static GtkWidget *
first_of_type (GtkWidget *w, GType type)
{
  if (G_TYPE_CHECK_INSTANCE_TYPE (w, type))
    return w;
  for (GtkWidget *c = gtk_widget_get_first_child (w); c; c = gtk_widget_get_next_sibling (c))
    {
      GtkWidget *found = first_of_type (c, type);
      if (found)
        return found;
    }
  return NULL;
}

static void
on_gallery_paint (GdkFrameClock *clock, GtkWidget *gallery)
{
  GtkWidget *item = first_of_type (gallery, GTK_TYPE_FLOW_BOX_CHILD);

  g_signal_handlers_disconnect_by_func (clock, on_gallery_paint, gallery);
  if (item)
    {
      g_autofree char *g = dg_test_widget_geometry (gtk_flow_box_child_get_child (GTK_FLOW_BOX_CHILD (item)));
      dg_test_print ("GALLERYITEM first=%s", g);
    }
  g_object_unref (gallery);
}

static void
on_gallery_map (GtkWidget *gallery, Probe *p)
{
  GdkFrameClock *clock = gtk_widget_get_frame_clock (gallery);

  if (clock)
    g_signal_connect (clock, "after-paint", G_CALLBACK (on_gallery_paint), g_object_ref (gallery));
}

static void
on_gallery_opened (DgEvaluatePage *page, int row, int col, int images, int shown, GtkWindow *gallery,
                   Probe *p)
{
  dg_test_print ("GALLERY row=%d col=%d images=%d shown=%d", row, col, images, shown);
  if (gtk_widget_get_mapped (GTK_WIDGET (gallery)))
    on_gallery_map (GTK_WIDGET (gallery), p);
  else
    g_signal_connect (gallery, "map", G_CALLBACK (on_gallery_map), p);
}

static void
on_image_opened (DgEvaluatePage *page, int index, Probe *p)
{
  dg_test_print ("GALLERY open index=%d strokes=%u", index, dg_canvas_get_n_strokes (p->canvas));
}

static void
on_exported (DgEvaluatePage *page, gboolean ok, int files, const char *dir, Probe *p)
{
  dg_test_print ("EXPORT ok=%d files=%d dir=%s", ok, files, dir);
}

static void
watch_pages (Probe *p)
{
  struct { GtkWidget *page; const char *signal; GCallback callback; } s[] = {
    { p->train_page, "map", G_CALLBACK (on_page_map) },
    { p->train_page, "run-started", G_CALLBACK (on_run_started) },
    { p->train_page, "batch", G_CALLBACK (on_batch) },
    { p->train_page, "epoch", G_CALLBACK (on_epoch) },
    { p->train_page, "stage", G_CALLBACK (on_stage) },
    { p->train_page, "run-finished", G_CALLBACK (on_run_finished) },
    { p->train_page, "run-shown", G_CALLBACK (on_run_shown) },
    { p->train_page, "folder-read", G_CALLBACK (on_folder_read) },
    { p->train_page, "notified", G_CALLBACK (on_notified) },
    { p->train_page, "notify::name-problem", G_CALLBACK (on_name_problem) },
    { p->evaluate_page, "map", G_CALLBACK (on_page_map) },
    { p->evaluate_page, "evaluation-started", G_CALLBACK (on_evaluation_started) },
    { p->evaluate_page, "progress", G_CALLBACK (on_eval_progress) },
    { p->evaluate_page, "evaluated", G_CALLBACK (on_evaluated) },
    { p->evaluate_page, "failed", G_CALLBACK (on_eval_failed) },
    { p->evaluate_page, "swept", G_CALLBACK (on_swept) },
    { p->evaluate_page, "cell-selected", G_CALLBACK (on_cell_selected) },
    { p->evaluate_page, "gallery-opened", G_CALLBACK (on_gallery_opened) },
    { p->evaluate_page, "image-opened", G_CALLBACK (on_image_opened) },
    { p->evaluate_page, "exported", G_CALLBACK (on_exported) },
  };

  for (guint i = 0; i < G_N_ELEMENTS (s); i++)
    g_signal_connect (s[i].page, s[i].signal, s[i].callback, p);
}

/* ---- attaching ----------------------------------------------------------------------- */

static void
probe_free (gpointer data)
{
  Probe *p = data;

  g_signal_handlers_disconnect_by_data (gtk_window_get_toplevels (), p);
  while (g_idle_remove_by_data (p))
    ;
  if (p->meter)
    g_array_unref (dg_frame_meter_stop (p->meter));
  if (p->clock)
    g_signal_handlers_disconnect_by_data (p->clock, p);
  g_clear_object (&p->clock);
  g_free (p->toast_awaited);
  /* a running job keeps its page, and the page the context, past the window */
  g_signal_handlers_disconnect_by_data (p->train_page, p);
  g_signal_handlers_disconnect_by_data (p->evaluate_page, p);
  g_signal_handlers_disconnect_by_data (p->context, p);
  if (p->train_tab)
    g_signal_handlers_disconnect_by_data (p->train_tab, p);
  g_clear_object (&p->train_tab);
  g_object_unref (p->train_page);
  g_object_unref (p->evaluate_page);
  g_object_unref (p->context);
  g_free (p);
}

void
dg_test_probe_attach (DgWindow *window)
{
  Probe *p;
  GtkWidget *draw_stack;

  g_return_if_fail (DG_IS_WINDOW (window));
  if (!dg_test_mode ())
    return;
  p = g_new0 (Probe, 1);
  p->window = window;
  p->context = g_object_ref (dg_window_get_context (window));
  p->draw_page = DG_DRAW_PAGE (dg_window_get_page (window, "draw"));
  p->canvas = dg_draw_page_get_canvas (p->draw_page);
  p->train_page = g_object_ref (dg_window_get_page (window, "train"));
  p->evaluate_page = g_object_ref (dg_window_get_page (window, "evaluate"));
  g_object_set_data_full (G_OBJECT (window), "dg-test-probe", p, probe_free);

  g_signal_connect (window, "map", G_CALLBACK (on_window_map), p);
  g_signal_connect (window_child (p, "view_stack"), "notify::visible-child",
                    G_CALLBACK (on_page_changed), p);
  /* the bottom page switcher shows a frame after the header chose its title (in a
   * window opened narrow): the layout again then, as READY came before it */
  g_signal_connect_swapped (window_child (p, "switcher_bar"), "notify::child-revealed",
                            G_CALLBACK (layout_after_paint), p);
  draw_stack = draw_child (p, "draw_stack");
  g_signal_connect (draw_stack, "notify::visible-child-name", G_CALLBACK (on_draw_stack_changed), p);
  {
    GtkPopover *menu = gtk_menu_button_get_popover (GTK_MENU_BUTTON (window_child (p, "menu_button")));
    if (menu)
      g_signal_connect (menu, "map", G_CALLBACK (on_menu_map), p);
  }
  g_signal_connect (p->draw_page, "predicted", G_CALLBACK (on_predicted), p);
  g_signal_connect (p->draw_page, "image-opened", G_CALLBACK (on_image_opened_on_draw), p);
  g_signal_connect (p->draw_page, "explained", G_CALLBACK (on_explained), p);
  {
    GtkWidget *flap = gtk_widget_get_ancestor (GTK_WIDGET (p->draw_page), ADW_TYPE_FLAP);
    if (flap && DG_IS_INSIDE_VIEW (adw_flap_get_flap (ADW_FLAP (flap))))
      {
        g_signal_connect (adw_flap_get_flap (ADW_FLAP (flap)), "updated",
                          G_CALLBACK (on_inside_updated), p);
        g_signal_connect (flap, "notify::reveal-progress", G_CALLBACK (on_flap_progress), p);
      }
  }
  g_signal_connect (p->canvas, "stroke-finished", G_CALLBACK (on_stroke_finished), p);
  g_signal_connect (draw_child (p, "number_view"), "read", G_CALLBACK (on_number_read), p);
  /* the canvas turned wide or square: LAYOUT again, for the tests to aim */
  g_signal_connect_swapped (p->canvas, "notify::width-units", G_CALLBACK (layout_after_paint), p);
  g_signal_connect (draw_child (p, "number_view"), "notify::selected",
                    G_CALLBACK (on_number_selected), p);
  g_signal_connect (p->context, "notify::model", G_CALLBACK (on_model_changed), p);
  g_signal_connect (p->context, "load-started", G_CALLBACK (on_load_started), p);
  g_signal_connect (p->context, "load-failed", G_CALLBACK (on_load_failed), p);
  g_signal_connect (p->context, "toast", G_CALLBACK (on_toast), p);
  g_signal_connect (p->context, "toast-action", G_CALLBACK (on_toast_action), p);
  g_signal_connect (p->context, "notify::data-dir", G_CALLBACK (on_data_dir), p);
  g_signal_connect (gtk_window_get_toplevels (), "items-changed", G_CALLBACK (on_toplevels_changed), p);
  /* and those made with the window, such as its shortcuts window */
  on_toplevels_changed (gtk_window_get_toplevels (), 0, 0,
                        g_list_model_get_n_items (gtk_window_get_toplevels ()), p);
  watch_pages (p);
  watch_teacher (p);
  watch_history (p);
  {
    AdwViewStackPage *tab = dg_page_stack_page (p->train_page);
    if (tab)
      {
        p->train_tab = g_object_ref (tab);
        g_signal_connect (tab, "notify::title", G_CALLBACK (on_train_tab), p);
        g_signal_connect (tab, "notify::needs-attention", G_CALLBACK (on_train_tab), p);
      }
  }
  if (dg_context_get_data_dir (p->context))
    dg_test_print ("DATA found dir=%s", dg_context_get_data_dir (p->context));
  else
    dg_test_print ("DATA missing");
  if (g_strcmp0 (gtk_stack_get_visible_child_name (GTK_STACK (draw_stack)), "no-model") == 0)
    dg_test_print ("MODEL none");
}
