/* dg-window.c: models in, predictions out.
 *
 * Every change of the drawing schedules one prediction in the next frame's update
 * phase (a tick callback), so a burst of pointer events costs one inference, and
 * its result is laid out and painted in that same frame.
 */
#include "dg-config.h"
#include "dg-window-private.h"
#include "dg-test-hooks.h"
#include "dg-job-runner.h"
#include "dg-train-page.h"
#include "dg-evaluate-page.h"
#include "nn-error.h"
#include "nn-image.h"

#include <math.h>

G_DEFINE_FINAL_TYPE (DgWindow, dg_window, ADW_TYPE_APPLICATION_WINDOW)

/* ---- prediction -------------------------------------------------------------- */

static void
show_blank (DgWindow *self)
{
  self->prediction = -1;
  dg_prediction_view_show_prompt (self->prediction_view);
  dg_canvas_set_heatmap (self->canvas, NULL);
  dg_test_print ("PREDICTION blank strokes=%u", dg_canvas_get_n_strokes (self->canvas));
}

static void
run_prediction (DgWindow *self)
{
  g_autofree guint8 *grey = g_malloc (DG_CANVAS_UNITS * DG_CANVAS_UNITS);
  g_autoptr(GError) error = NULL;
  float probs[DG_N_CLASSES], heat[28 * 28];
  gboolean want_cam, has_cam = FALSE;
  const char *cam_note = NULL;
  int best = 0;
  gint64 t0 = g_get_monotonic_time (), cpu0 = dg_test_thread_cpu_us (), t1, t2, t3;

  memset (&self->timings, 0, sizeof self->timings);
  if (!self->model)
    return;
  if (dg_canvas_is_empty (self->canvas))
    {
      show_blank (self);
      return;
    }

  dg_canvas_render_grey (self->canvas, grey);
  if (!nn_preprocess_digit (grey, DG_CANVAS_UNITS, DG_CANVAS_UNITS, DG_CANVAS_UNITS,
                            NN_BACKGROUND_DARK, self->input, &error))
    {
      /* a dot too small to read is still "nothing drawn" */
      show_blank (self);
      return;
    }

  t1 = g_get_monotonic_time ();
  if (!dg_model_predict (self->model, self->input, probs, &error))
    {
      show_blank (self);
      dg_window_show_toast (self, error->message);
      return;
    }
  for (int d = 1; d < DG_N_CLASSES; d++)
    if (probs[d] > probs[best])
      best = d;

  t2 = g_get_monotonic_time ();
  want_cam = dg_settings_get_show_gradcam (self->settings)
             || dg_settings_get_gradcam_on_canvas (self->settings);
  if (!dg_model_has_gradcam (self->model))
    cam_note = _("This model has no convolutional layer, so there is no map of where it looked. "
                 "Grad-CAM needs a layer that keeps the image’s layout.");
  else if (want_cam)
    {
      g_clear_error (&error);
      has_cam = dg_model_gradcam (self->model, self->input, best, heat, &error);
      if (!has_cam)
        cam_note = error->message;
    }

  t3 = g_get_monotonic_time ();
  self->prediction = best;
  dg_prediction_view_show_result (self->prediction_view, probs, self->input,
                                  has_cam ? heat : NULL, cam_note);
  dg_canvas_set_heatmap (self->canvas, has_cam ? heat : NULL);
  self->timings.preprocess_us = t1 - t0;
  self->timings.predict_us = t2 - t1;
  self->timings.gradcam_us = t3 - t2;
  self->timings.show_us = g_get_monotonic_time () - t3;
  self->timings.cpu_us = dg_test_thread_cpu_us () - cpu0;

  if (dg_test_mode ())
    {
      float cam_sum = 0;
      for (int i = 0; has_cam && i < 28 * 28; i++)
        cam_sum += heat[i];
      dg_test_print ("PREDICTION digit=%d confidence=%.4f model=%s strokes=%u points=%u cam=%.1f "
                     "latency_us=%" G_GINT64_FORMAT,
                     best, probs[best], dg_model_get_title (self->model),
                     dg_canvas_get_n_strokes (self->canvas), dg_canvas_get_n_points (self->canvas),
                     cam_sum, g_get_monotonic_time () - self->change_time);
    }
}

static gboolean
update_tick (GtkWidget *widget, GdkFrameClock *clock, gpointer data)
{
  DgWindow *self = DG_WINDOW (widget);
  gint64 t0 = g_get_monotonic_time ();

  self->update_tick = 0;
  run_prediction (self);
  self->last_predict_us = g_get_monotonic_time () - t0;
  self->change_time = 0;
  return G_SOURCE_REMOVE;
}

static void
schedule_prediction (DgWindow *self)
{
  if (self->change_time == 0)
    self->change_time = g_get_monotonic_time ();
  if (self->update_tick == 0)
    self->update_tick = gtk_widget_add_tick_callback (GTK_WIDGET (self), update_tick, NULL, NULL);
}

void
dg_window_predict (DgWindow *self)
{
  g_return_if_fail (DG_IS_WINDOW (self));
  if (self->update_tick)
    {
      gtk_widget_remove_tick_callback (GTK_WIDGET (self), self->update_tick);
      self->update_tick = 0;
    }
  if (self->change_time == 0)
    self->change_time = g_get_monotonic_time ();
  run_prediction (self);
  self->change_time = 0;
}

gboolean
dg_window_has_model (DgWindow *self)
{
  g_return_val_if_fail (DG_IS_WINDOW (self), FALSE);
  return self->model != NULL;
}

gint64
dg_window_get_last_predict_us (DgWindow *self)
{
  g_return_val_if_fail (DG_IS_WINDOW (self), 0);
  return self->last_predict_us;
}

void
dg_window_get_last_timings (DgWindow *self, DgPredictTimings *out)
{
  g_return_if_fail (DG_IS_WINDOW (self));
  g_return_if_fail (out != NULL);
  *out = self->timings;
}

int
dg_window_get_prediction (DgWindow *self)
{
  g_return_val_if_fail (DG_IS_WINDOW (self), -1);
  return self->prediction;
}

static void
on_canvas_changed (DgCanvas *canvas, DgWindow *self)
{
  dg_window_update_actions (self);
  schedule_prediction (self);
}

static void
on_gradcam_setting_changed (GObject *object, GParamSpec *pspec, DgWindow *self)
{
  schedule_prediction (self);
}

/* ---- the info popover ---------------------------------------------------------- */

static void
add_info_cell (DgWindow *self, const char *text, int column, int row, gboolean numeric)
{
  GtkWidget *label = gtk_label_new (text);

  gtk_label_set_xalign (GTK_LABEL (label), numeric ? 1.f : 0.f);
  if (numeric)
    gtk_widget_add_css_class (label, "numeric");
  if (row == 0)
    gtk_widget_add_css_class (label, "heading");
  else if (column == 1)
    gtk_widget_add_css_class (label, "dim-label");
  gtk_grid_attach (self->info_layers, label, column, row, 1, 1);
}

static char *
format_count (gsize n)
{
  /* thousands separated by thin spaces, readable in every locale */
  g_autofree char *digits = g_strdup_printf ("%" G_GSIZE_FORMAT, n);
  GString *out = g_string_new (NULL);
  size_t len = strlen (digits);

  for (size_t i = 0; i < len; i++)
    {
      if (i > 0 && (len - i) % 3 == 0)
        g_string_append (out, " ");
      g_string_append_c (out, digits[i]);
    }
  return g_string_free (out, FALSE);
}

static void
update_model_info (DgWindow *self)
{
  GtkWidget *child;
  g_autofree char *layers = NULL;
  g_autofree char *params = NULL;
  g_autofree char *summary = NULL;
  g_auto(GStrv) lines = NULL;
  const char *accuracy;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->info_layers))))
    gtk_grid_remove (self->info_layers, child);
  gtk_widget_set_sensitive (GTK_WIDGET (self->info_button), self->model != NULL);
  if (!self->model)
    return;

  gtk_label_set_text (self->info_title, dg_model_get_title (self->model));
  params = format_count (dg_model_get_n_params (self->model));
  accuracy = dg_model_get_test_accuracy (self->model);
  if (accuracy)
    {
      char *end = NULL;
      double a = g_ascii_strtod (accuracy, &end);
      g_autofree char *acc = (end && *end == '\0' && a <= 1.0)
                               ? g_strdup_printf ("%.2f %%", a * 100.0)
                               : g_strdup (accuracy);
      /* TRANSLATORS: model summary: layers, parameters, accuracy on the MNIST test set */
      summary = g_strdup_printf (_("%d layers · %s parameters · test accuracy %s"),
                                 dg_model_get_nn (self->model)->n_layers, params, acc);
    }
  else
    summary = g_strdup_printf (_("%d layers · %s parameters · no test accuracy stored"),
                               dg_model_get_nn (self->model)->n_layers, params);
  gtk_label_set_text (self->info_summary, summary);

  add_info_cell (self, _("Layer"), 0, 0, FALSE);
  add_info_cell (self, _("Type"), 1, 0, FALSE);
  add_info_cell (self, _("Output"), 2, 0, FALSE);
  add_info_cell (self, _("Parameters"), 3, 0, TRUE);
  layers = dg_model_describe_layers (self->model);
  lines = g_strsplit (layers, "\n", -1);
  for (int r = 0; lines[r]; r++)
    {
      g_auto(GStrv) cells = g_strsplit (lines[r], "\t", 4);
      for (int c = 0; c < 4 && cells[c]; c++)
        add_info_cell (self, cells[c], c, r + 1, c >= 2);
    }
}

/* ---- models ---------------------------------------------------------------------- */

static void
select_position (DgWindow *self, int position)
{
  self->selecting++;
  gtk_drop_down_set_selected (self->model_dropdown,
                              position >= 0 ? (guint) position : GTK_INVALID_LIST_POSITION);
  self->selecting--;
}

static void report_layout_after_paint (DgWindow *self);

static void
set_model (DgWindow *self, DgModel *model)
{
  gboolean was_hidden = g_strcmp0 (gtk_stack_get_visible_child_name (self->draw_stack), "draw") != 0;

  g_set_object (&self->model, model);
  update_model_info (self);
  gtk_widget_set_sensitive (self->heat_toggle, model && dg_model_has_gradcam (model));
  gtk_stack_set_visible_child_name (self->draw_stack, "draw");
  select_position (self, dg_model_list_add (self->models, dg_model_get_path (model)));
  dg_settings_set_last_model (self->settings, dg_model_get_path (model));
  dg_window_update_actions (self);
  if (was_hidden && self->first_frame_seen && dg_test_mode ())
    report_layout_after_paint (self);
  dg_test_print ("MODEL loaded name=%s layers=%d params=%" G_GSIZE_FORMAT " gradcam=%d path=%s"
                 " process_ms=%.1f",
                 dg_model_get_title (model), dg_model_get_nn (model)->n_layers,
                 dg_model_get_n_params (model), dg_model_has_gradcam (model),
                 dg_model_get_path (model), dg_test_process_age_us () / 1000.0);
  dg_window_predict (self);
}

typedef struct {
  DgWindow *window; /* a reference */
  guint serial;
  char *path;
} LoadData;

static void
on_model_loaded (GObject *source, GAsyncResult *result, gpointer user_data)
{
  LoadData *data = user_data;
  DgWindow *self = data->window;
  g_autoptr(GError) error = NULL;
  g_autoptr(DgModel) model = dg_model_load_finish (result, &error);

  if (data->serial == self->load_serial)
    {
      dg_test_stamp ("model");
      if (model)
        set_model (self, model);
      else
        {
          g_autofree char *base = g_path_get_basename (data->path);
          /* TRANSLATORS: a toast; the Details button shows the engine's full message */
          g_autofree char *text = g_strdup_printf (_("Could not open “%s”"), base);
          AdwToast *toast = adw_toast_new (text);

          dg_test_print ("MODEL error message=%s", error->message);
          adw_toast_set_timeout (toast, 10);
          adw_toast_set_button_label (toast, _("Details"));
          adw_toast_set_action_name (toast, "win.show-error");
          adw_toast_set_action_target_value (toast, g_variant_new_string (error->message));
          adw_toast_overlay_add_toast (self->toast_overlay, toast);
          dg_test_print ("TOAST %s", text);
          if (self->model)
            {
              /* the previous model stays, and so does its entry in the selector */
              select_position (self, dg_model_list_find (self->models,
                                                         dg_model_get_path (self->model)));
            }
          else
            {
              /* no model yet (the default failed): fall back to the next one found */
              int failed = dg_model_list_find (self->models, data->path);
              guint n = g_list_model_get_n_items (G_LIST_MODEL (self->models));

              if (failed >= 0 && (guint) failed + 1 < n)
                {
                  select_position (self, failed + 1);
                  dg_window_open_model (self, dg_model_list_get_path (self->models, failed + 1));
                }
              else
                select_position (self, -1);
            }
        }
    }
  g_object_unref (data->window);
  g_free (data->path);
  g_free (data);
}

void
dg_window_open_model (DgWindow *self, const char *path)
{
  LoadData *data;

  g_return_if_fail (DG_IS_WINDOW (self));
  g_return_if_fail (path != NULL);

  data = g_new0 (LoadData, 1);
  data->window = g_object_ref (self);
  data->serial = ++self->load_serial;
  data->path = g_strdup (path);
  dg_model_load_async (path, NULL, on_model_loaded, data);
}

static void
on_model_selected (GtkDropDown *dropdown, GParamSpec *pspec, DgWindow *self)
{
  guint position = gtk_drop_down_get_selected (dropdown);
  const char *path;

  if (self->selecting || position == GTK_INVALID_LIST_POSITION)
    return;
  path = dg_model_list_get_path (self->models, position);
  if (!path || (self->model && g_strcmp0 (path, dg_model_get_path (self->model)) == 0))
    return;
  dg_window_open_model (self, path);
}

static char *
model_title_closure (GtkStringObject *item)
{
  return dg_model_title_from_path (gtk_string_object_get_string (item));
}

static void
choose_first_model (DgWindow *self)
{
  const char *last = dg_settings_get_last_model (self->settings);
  int position = -1;

  if (last && *last && g_file_test (last, G_FILE_TEST_IS_REGULAR))
    {
      position = dg_model_list_find (self->models, last);
      if (position < 0)
        position = (int) dg_model_list_add (self->models, last);
    }
  if (position < 0)
    position = dg_model_list_default_position (self->models);

  if (position < 0)
    {
      g_auto(GStrv) dirs = dg_model_list_dup_search_dirs ();
      g_autofree char *joined = g_strjoinv ("\n", dirs);
      g_autofree char *text =
        g_strdup_printf (_("Digits reads Keras 3 “.keras” models. Put one in one of these folders, "
                           "or open one from anywhere. Train one with “digits-cli train”.\n\n%s"),
                         joined);
      adw_status_page_set_description (self->no_model_page, text);
      gtk_stack_set_visible_child_name (self->draw_stack, "no-model");
      update_model_info (self);
      dg_test_print ("MODEL none");
      return;
    }
  select_position (self, position);
  dg_window_open_model (self, dg_model_list_get_path (self->models, position));
}

void
dg_window_show_toast (DgWindow *self, const char *text)
{
  AdwToast *toast;

  g_return_if_fail (DG_IS_WINDOW (self));
  toast = adw_toast_new (text);
  adw_toast_set_timeout (toast, 6);
  adw_toast_overlay_add_toast (self->toast_overlay, toast);
  dg_test_print ("TOAST %s", text);
}

/* ---- first frame ---------------------------------------------------------------- */

static gboolean
report_ready_idle (gpointer data)
{
  g_autofree char *stamps = NULL;

  dg_window_report_ready (DG_WINDOW (data), "READY");
  stamps = dg_test_stamps ();
  dg_test_print ("STARTUP%s gui_thread_cpu_ms=%.1f", stamps, dg_test_thread_cpu_us () / 1000.0);
  g_object_unref (data);
  return G_SOURCE_REMOVE;
}

static gboolean
report_layout_idle (gpointer data)
{
  dg_window_report_ready (DG_WINDOW (data), "LAYOUT");
  g_object_unref (data);
  return G_SOURCE_REMOVE;
}

static void
on_layout_paint (GdkFrameClock *clock, DgWindow *self)
{
  g_signal_handlers_disconnect_by_func (clock, on_layout_paint, self);
  g_idle_add (report_layout_idle, g_object_ref (self));
}

/* The geometry again once a hidden page has been laid out (tests aim with it). */
static void
report_layout_after_paint (DgWindow *self)
{
  GdkFrameClock *clock = gdk_surface_get_frame_clock (gtk_native_get_surface (GTK_NATIVE (self)));

  g_signal_connect (clock, "after-paint", G_CALLBACK (on_layout_paint), self);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

static void
on_first_paint (GdkFrameClock *clock, DgWindow *self)
{
  g_signal_handlers_disconnect_by_func (clock, on_first_paint, self);
  dg_test_stamp ("painted");
  self->first_frame_seen = TRUE;
  g_idle_add (report_ready_idle, g_object_ref (self));
}

static void
dg_window_map (GtkWidget *widget)
{
  GdkFrameClock *clock;

  dg_test_stamp ("map");
  GTK_WIDGET_CLASS (dg_window_parent_class)->map (widget);
  clock = gdk_surface_get_frame_clock (gtk_native_get_surface (GTK_NATIVE (widget)));
  if (!DG_WINDOW (widget)->first_frame_seen && dg_test_mode ())
    g_signal_connect (clock, "after-paint", G_CALLBACK (on_first_paint), widget);
}

/* ---- life cycle ------------------------------------------------------------------ */

static void
dg_window_dispose (GObject *object)
{
  DgWindow *self = DG_WINDOW (object);

  if (self->update_tick)
    {
      gtk_widget_remove_tick_callback (GTK_WIDGET (self), self->update_tick);
      self->update_tick = 0;
    }
  gtk_widget_dispose_template (GTK_WIDGET (self), DG_TYPE_WINDOW);
  g_clear_object (&self->model);
  g_clear_object (&self->models);
  g_clear_object (&self->settings);
  G_OBJECT_CLASS (dg_window_parent_class)->dispose (object);
}

/* Closing while a job runs asks first; stopping keeps the best checkpoint and
 * the job ends within one batch (it holds the application until then). */
static gboolean
close_after_dialog (gpointer data)
{
  gtk_window_close (GTK_WINDOW (data));
  g_object_unref (data);
  return G_SOURCE_REMOVE;
}

static void
on_close_response (AdwMessageDialog *dialog, const char *response, DgWindow *self)
{
  if (g_strcmp0 (response, "stop") == 0)
    {
      dg_job_runner_cancel_all ();
      g_object_set_data (G_OBJECT (self), "close-confirmed", GINT_TO_POINTER (1));
      /* once the dialog has finished with its parent */
      g_idle_add (close_after_dialog, g_object_ref (self));
    }
}

static gboolean
dg_window_close_request (GtkWindow *window)
{
  GtkWidget *dialog;

  if (dg_job_runner_n_running () == 0 || g_object_get_data (G_OBJECT (window), "close-confirmed"))
    return GTK_WINDOW_CLASS (dg_window_parent_class)->close_request (window);
  dialog = adw_message_dialog_new (window, _("Stop the Running Job?"),
                                   _("A model is training or being evaluated. Stopping keeps the "
                                     "best checkpoint saved so far."));
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog), "keep", _("_Keep Running"),
                                    "stop", _("_Stop and Close"), NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "stop",
                                              ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "keep");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "keep");
  g_signal_connect (dialog, "response", G_CALLBACK (on_close_response), window);
  gtk_window_present (GTK_WINDOW (dialog));
  dg_test_print ("DIALOG close-job");
  return TRUE;
}

static void
dg_window_class_init (DgWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = dg_window_dispose;
  widget_class->map = dg_window_map;
  GTK_WINDOW_CLASS (klass)->close_request = dg_window_close_request;

  g_type_ensure (DG_TYPE_CANVAS);
  g_type_ensure (DG_TYPE_PREDICTION_VIEW);
  g_type_ensure (DG_TYPE_TRAIN_PAGE);
  g_type_ensure (DG_TYPE_EVALUATE_PAGE);

  gtk_widget_class_set_template_from_resource (widget_class, DG_RESOURCE_PATH "/dg-window.ui");
#define BIND(name) gtk_widget_class_bind_template_child (widget_class, DgWindow, name)
  BIND (toast_overlay);
  BIND (model_dropdown);
  BIND (open_button);
  BIND (info_button);
  BIND (menu_button);
  BIND (info_title);
  BIND (info_summary);
  BIND (info_layers);
  BIND (view_stack);
  BIND (draw_stack);
  BIND (no_model_page);
  BIND (canvas);
  BIND (undo_button);
  BIND (redo_button);
  BIND (clear_button);
  BIND (brush_scale);
  BIND (brush_adjustment);
  BIND (dark_toggle);
  BIND (heat_toggle);
  BIND (predict_button);
  BIND (save_button);
  BIND (prediction_view);
#undef BIND

  dg_window_install_actions (widget_class);
}

/* Tests aim at the page that just appeared (the Train and Evaluate pages' tests). */
static void
on_page_changed (DgWindow *self)
{
  if (self->first_frame_seen && dg_test_mode ())
    report_layout_after_paint (self);
}


/* Tests wait for this line, then for the prediction after it: the finished stroke's. */
static void
print_stroke_finished (DgCanvas *canvas, gpointer data)
{
  dg_test_print ("STROKE finished strokes=%u points=%u", dg_canvas_get_n_strokes (canvas),
                 dg_canvas_get_n_points (canvas));
}

static void
dg_window_init (DgWindow *self)
{
  g_autoptr(GtkExpression) title = NULL;

  dg_test_stamp ("window");
  gtk_widget_init_template (GTK_WIDGET (self));
  dg_test_stamp ("template");
  self->prediction = -1;

  self->models = dg_model_list_new ();
  title = gtk_cclosure_expression_new (G_TYPE_STRING, NULL, 0, NULL,
                                       G_CALLBACK (model_title_closure), NULL, NULL);
  gtk_drop_down_set_expression (self->model_dropdown, title);
  self->selecting++;
  gtk_drop_down_set_model (self->model_dropdown, G_LIST_MODEL (self->models));
  self->selecting--;
  g_signal_connect (self->model_dropdown, "notify::selected", G_CALLBACK (on_model_selected), self);
  g_signal_connect (self->canvas, "changed", G_CALLBACK (on_canvas_changed), self);
  g_signal_connect_swapped (self->view_stack, "notify::visible-child", G_CALLBACK (on_page_changed), self);
  if (dg_test_mode ())
    g_signal_connect (self->canvas, "stroke-finished", G_CALLBACK (print_stroke_finished), NULL);
}

static void
bind_settings (DgWindow *self)
{
  GBindingFlags flags = G_BINDING_SYNC_CREATE | G_BINDING_BIDIRECTIONAL;
  GSettings *gsettings = dg_settings_get_gsettings (self->settings);

  g_object_bind_property (self->settings, "brush-size", self->brush_adjustment, "value", flags);
  g_object_bind_property (self->settings, "brush-size", self->canvas, "brush-size", flags);
  g_object_bind_property (self->settings, "dark-canvas", self->dark_toggle, "active", flags);
  g_object_bind_property (self->settings, "dark-canvas", self->canvas, "dark", flags);
  g_object_bind_property (self->settings, "gradcam-on-canvas", self->heat_toggle, "active", flags);
  g_object_bind_property (self->settings, "gradcam-on-canvas", self->canvas, "show-heatmap", flags);
  g_object_bind_property (self->settings, "show-gradcam", self->prediction_view, "show-gradcam", flags);
  g_signal_connect_object (self->settings, "notify::show-gradcam",
                           G_CALLBACK (on_gradcam_setting_changed), self, 0);
  g_signal_connect_object (self->settings, "notify::gradcam-on-canvas",
                           G_CALLBACK (on_gradcam_setting_changed), self, 0);

  if (gsettings)
    {
      g_settings_bind (gsettings, "window-width", self, "default-width", G_SETTINGS_BIND_DEFAULT);
      g_settings_bind (gsettings, "window-height", self, "default-height", G_SETTINGS_BIND_DEFAULT);
      g_settings_bind (gsettings, "window-maximized", self, "maximized", G_SETTINGS_BIND_DEFAULT);
    }
}

DgWindow *
dg_window_new (AdwApplication *app, DgSettings *settings)
{
  DgWindow *self;

  g_return_val_if_fail (ADW_IS_APPLICATION (app), NULL);
  g_return_val_if_fail (DG_IS_SETTINGS (settings), NULL);

  self = g_object_new (DG_TYPE_WINDOW, "application", app, NULL);
  self->settings = g_object_ref (settings);
  bind_settings (self);
  dg_window_update_actions (self);
  dg_prediction_view_show_prompt (self->prediction_view);
  choose_first_model (self);
  dg_test_stamp ("window-done");
  /* tests open on the page they drive */
  if (g_getenv ("DIGITS_TEST_PAGE"))
    adw_view_stack_set_visible_child_name (self->view_stack, g_getenv ("DIGITS_TEST_PAGE"));
  return self;
}

void
dg_window_add_model (DgWindow *self, const char *path)
{
  g_return_if_fail (DG_IS_WINDOW (self));
  g_return_if_fail (path != NULL);
  self->selecting++;
  dg_model_list_add (self->models, path);
  self->selecting--;
}

DgSettings *
dg_window_get_settings (DgWindow *self)
{
  g_return_val_if_fail (DG_IS_WINDOW (self), NULL);
  return self->settings;
}

const char *
dg_window_get_model_path (DgWindow *self)
{
  g_return_val_if_fail (DG_IS_WINDOW (self), NULL);
  return self->model ? dg_model_get_path (self->model) : NULL;
}

DgCanvas *
dg_window_get_canvas (DgWindow *self)
{
  g_return_val_if_fail (DG_IS_WINDOW (self), NULL);
  return self->canvas;
}

/* ---- test hooks ------------------------------------------------------------------ */

/* READY with the geometry of everything a test clicks, plus the start-up figures. */
void
dg_window_report_ready (DgWindow *self, const char *what)
{
  struct { const char *name; GtkWidget *widget; } w[] = {
    { "canvas-widget", GTK_WIDGET (self->canvas) },
    { "undo", self->undo_button },       { "redo", self->redo_button },
    { "clear", self->clear_button },     { "brush", self->brush_scale },
    { "dark", self->dark_toggle },       { "heat", self->heat_toggle },
    { "predict", self->predict_button }, { "save", self->save_button },
    { "open", self->open_button },       { "models", GTK_WIDGET (self->model_dropdown) },
    { "info", GTK_WIDGET (self->info_button) }, { "menu", GTK_WIDGET (self->menu_button) },
    { "result", GTK_WIDGET (self->prediction_view) },
  };
  g_autoptr(GString) line = g_string_new (what);
  g_autofree char *canvas = dg_test_widget_geometry (GTK_WIDGET (self->canvas));
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
                          gtk_widget_get_width (GTK_WIDGET (self)),
                          gtk_widget_get_height (GTK_WIDGET (self)),
                          self->model ? dg_model_get_title (self->model) : "none",
                          dg_test_process_age_us () / 1000.0, dg_test_process_cpu_us () / 1000.0,
                          dg_test_main_age_us () / 1000.0, dg_test_rss_kb (),
                          G_OBJECT_TYPE_NAME (gtk_native_get_renderer (GTK_NATIVE (self))),
                          /* one word whose translation shows the language in use */
                          _("Probabilities"));
  dg_test_print ("%s", line->str);
}
