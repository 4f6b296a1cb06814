/* dg-test-probe.c: prints the test mode's state lines (see dg-test-probe.h).
 *
 * Geometry is in X-window coordinates (dg_test_widget_geometry), ready for
 * xdotool --window, and printed after the frame that laid the widgets out.
 */
#include "dg-config.h"
#include "dg-test-probe.h"
#include "dg-draw-page.h"
#include "dg-sample-dialog.h"
#include "dg-test-hooks.h"

#include <stdio.h>

typedef struct {
  DgWindow *window;        /* not a reference: the probe lives as long as it */
  DgContext *context;
  DgDrawPage *draw_page;
  DgCanvas *canvas;
  gboolean first_frame_seen;
} Probe;

static GObject *
child (gpointer widget, GType type, const char *id)
{
  return gtk_widget_get_template_child (GTK_WIDGET (widget), type, id);
}

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
    { "open", window_child (p, "open_button") },     { "models", window_child (p, "model_dropdown") },
    { "info", window_child (p, "info_button") },     { "menu", window_child (p, "menu_button") },
    { "result", draw_child (p, "prediction_view") },
  };
  DgModel *model = dg_context_get_model (p->context);
  g_autoptr(GString) line = g_string_new (what);
  g_autofree char *canvas = dg_test_widget_geometry (GTK_WIDGET (p->canvas));
  int cx, cy, cw, ch, side;

  /* the square the canvas draws in, centred in its widget */
  if (sscanf (canvas, "%d,%d,%d,%d", &cx, &cy, &cw, &ch) == 4)
    {
      side = MIN (cw, ch);
      g_string_append_printf (line, " canvas=%d,%d,%d,%d", cx + (cw - side) / 2,
                              cy + (ch - side) / 2, side, side);
    }
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

static gboolean
ready_idle (gpointer data)
{
  Probe *p = data;
  g_autofree char *stamps = NULL;

  print_layout (p, "READY");
  stamps = dg_test_stamps ();
  dg_test_print ("STARTUP%s gui_thread_cpu_ms=%.1f", stamps, dg_test_thread_cpu_us () / 1000.0);
  return G_SOURCE_REMOVE;
}

static gboolean
layout_idle (gpointer data)
{
  print_layout (data, "LAYOUT");
  return G_SOURCE_REMOVE;
}

static void
on_layout_paint (GdkFrameClock *clock, Probe *p)
{
  g_signal_handlers_disconnect_by_func (clock, on_layout_paint, p);
  g_idle_add (layout_idle, p);
}

/* The geometry again once a hidden page has been laid out (tests aim with it). */
static void
layout_after_paint (Probe *p)
{
  GdkFrameClock *clock;

  if (!p->first_frame_seen)
    return;
  clock = gdk_surface_get_frame_clock (gtk_native_get_surface (GTK_NATIVE (p->window)));
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

  if (!p->first_frame_seen)
    g_signal_connect (clock, "after-paint", G_CALLBACK (on_first_paint), p);
}

/* ---- the Draw page and the models --------------------------------------------------- */

static void
on_predicted (DgDrawPage *page, int digit, double confidence, double cam_sum, gint64 latency_us,
              Probe *p)
{
  DgModel *model = dg_context_get_model (p->context);

  if (digit < 0)
    dg_test_print ("PREDICTION blank strokes=%u", dg_canvas_get_n_strokes (p->canvas));
  else
    dg_test_print ("PREDICTION digit=%d confidence=%.4f model=%s strokes=%u points=%u cam=%.1f "
                   "latency_us=%" G_GINT64_FORMAT, digit, confidence,
                   model ? dg_model_get_title (model) : "none", dg_canvas_get_n_strokes (p->canvas),
                   dg_canvas_get_n_points (p->canvas), cam_sum, latency_us);
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

static void
on_toast (DgContext *context, const char *text, const char *details, Probe *p)
{
  dg_test_print ("TOAST %s", text);
}

static void
on_page_changed (AdwViewStack *stack, GParamSpec *pspec, Probe *p)
{
  layout_after_paint (p);
}

/* ---- dialogs ------------------------------------------------------------------------ */

static void
on_sample_saved (DgSampleDialog *dialog, const char *path, int label, Probe *p)
{
  dg_test_print ("SAMPLE saved label=%d path=%s", label, path);
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

      dg_test_print ("DIALOG sample save=%s label=%s value=%d", save_g, spin_g,
                     gtk_spin_button_get_value_as_int (GTK_SPIN_BUTTON (spin)));
    }
  else
    dg_test_print ("DIALOG window title=%s", gtk_window_get_title (dialog));
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
    }
}

/* ---- attaching ----------------------------------------------------------------------- */

static void
probe_free (gpointer data)
{
  Probe *p = data;

  g_signal_handlers_disconnect_by_data (gtk_window_get_toplevels (), p);
  g_idle_remove_by_data (p);
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
  p->context = dg_window_get_context (window);
  p->draw_page = DG_DRAW_PAGE (dg_window_get_page (window, "draw"));
  p->canvas = dg_draw_page_get_canvas (p->draw_page);
  g_object_set_data_full (G_OBJECT (window), "dg-test-probe", p, probe_free);

  g_signal_connect (window, "map", G_CALLBACK (on_window_map), p);
  g_signal_connect (window_child (p, "view_stack"), "notify::visible-child",
                    G_CALLBACK (on_page_changed), p);
  draw_stack = draw_child (p, "draw_stack");
  g_signal_connect (draw_stack, "notify::visible-child-name", G_CALLBACK (on_draw_stack_changed), p);
  g_signal_connect (p->draw_page, "predicted", G_CALLBACK (on_predicted), p);
  g_signal_connect (p->canvas, "stroke-finished", G_CALLBACK (on_stroke_finished), p);
  g_signal_connect (p->context, "notify::model", G_CALLBACK (on_model_changed), p);
  g_signal_connect (p->context, "load-started", G_CALLBACK (on_load_started), p);
  g_signal_connect (p->context, "load-failed", G_CALLBACK (on_load_failed), p);
  g_signal_connect (p->context, "toast", G_CALLBACK (on_toast), p);
  g_signal_connect (gtk_window_get_toplevels (), "items-changed", G_CALLBACK (on_toplevels_changed), p);
  if (g_strcmp0 (gtk_stack_get_visible_child_name (GTK_STACK (draw_stack)), "no-model") == 0)
    dg_test_print ("MODEL none");
}
