/* dg-draw-page.c: the drawing and the model's reading of it.
 *
 * Every change of the drawing schedules one prediction in the next frame's update
 * phase (a tick callback), so a burst of pointer events costs one inference, and
 * its result is laid out and painted in that same frame.
 */
#include "dg-config.h"
#include "dg-draw-layout.h"
#include "dg-draw-page.h"
#include "dg-explain-popover.h"
#include "dg-explain-runner.h"
#include "dg-image-reader.h"
#include "dg-number-view.h"
#include "dg-prediction-view.h"
#include "dg-reading.h"
#include "dg-sample-dialog.h"
#include "dg-history-button.h"
#include "dg-teach-button.h"
#include "dg-test-hooks.h"
#include "nn-error.h"
#include "nn-image.h"

#include <adwaita.h>

struct _DgDrawPage {
  GtkWidget parent_instance;

  /* template */
  GtkStack *draw_stack;
  GtkWidget *draw_box;
  GtkWidget *tool_bar;
  AdwStatusPage *no_model_page;
  DgCanvas *canvas;
  GtkWidget *heat_toggle;
  GtkWidget *method_button;
  GtkWidget *inside_toggle;
  GtkAdjustment *brush_adjustment;
  GtkWidget *dark_toggle;
  DgPredictionView *prediction_view;
  DgNumberBoxes *number_boxes;
  DgNumberView *number_view;
  DgTeachButton *teach_button;
  DgHistoryButton *history_button;

  /* owned */
  DgContext *context;
  GSimpleActionGroup *actions;
  guint update_tick;       /* the pending prediction, run in the next frame */
  gint64 change_time;      /* monotonic µs of the oldest change not yet predicted */
  int prediction;          /* top class shown, or -1 */
  float input[28 * 28];    /* the last model input */
  NnPreprocessInfo info;   /* where it came from on the canvas */
  gboolean from_image;     /* ... or from an opened picture alone */
  float probs[DG_N_CLASSES];
  DgExplainRunner *explainer;
  float heat[28 * 28];     /* the map shown, in [0, 1] */
  gboolean has_heat;
  DgPredictTimings timings;
  GCancellable *reading;   /* the picture being read, if any */
  gboolean number_mode;    /* a wide canvas read as a number */
  int next_label;          /* suggested after Save and Draw Next, or -1 */
};

G_DEFINE_FINAL_TYPE (DgDrawPage, dg_draw_page, GTK_TYPE_WIDGET)

enum { PROP_0, PROP_CONTEXT, PROP_PREDICTION, N_PROPS };
static GParamSpec *props[N_PROPS];

enum { PREDICTED, IMAGE_OPENED, EXPLAINED, N_SIGNALS };
static guint signals[N_SIGNALS];

static void update_actions (DgDrawPage *self);

/* ---- prediction -------------------------------------------------------------- */

static void
set_prediction (DgDrawPage *self, int digit)
{
  if (self->prediction == digit)
    return;
  self->prediction = digit;
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_PREDICTION]);
}

static void
show_blank (DgDrawPage *self)
{
  set_prediction (self, -1);
  dg_prediction_view_show_prompt (self->prediction_view);
  dg_canvas_set_heatmap (self->canvas, NULL, NULL);
  dg_explain_runner_cancel (self->explainer);
  self->has_heat = FALSE;
  g_signal_emit (self, signals[PREDICTED], 0, -1, 0.0, 0.0,
                 g_get_monotonic_time () - self->change_time);
}

/* ---- explanation maps ------------------------------------------------------------ */

static NnExplainMethod
explain_method (DgDrawPage *self)
{
  GSettings *gsettings = dg_settings_get_gsettings (dg_context_get_settings (self->context));
  g_autofree char *name = g_settings_get_string (gsettings, "explain-method");
  NnExplainMethod method = NN_EXPLAIN_DEFAULT_METHOD;

  nn_explain_method_from_name (name, &method);
  return method;
}

static void
show_heat_on_canvas (DgDrawPage *self, const float *heat)
{
  dg_canvas_set_heatmap (self->canvas, heat, heat && !self->from_image ? &self->info : NULL);
}

/* The heat map's caption under the result: the method that made it. */
static const char *
method_caption (NnExplainMethod method)
{
  switch (method)
    {
    case NN_EXPLAIN_GRADCAM: return _("Grad-CAM");
    case NN_EXPLAIN_GRADCAM_PP: return _("Grad-CAM++");
    case NN_EXPLAIN_IG: return _("Integrated Gradients");
    case NN_EXPLAIN_OCCLUSION: return _("Occlusion");
    default: return "";
    }
}

static void
emit_explained (DgDrawPage *self, NnExplainMethod method, int layer, const float *heat)
{
  NnModel *nn = dg_model_get_nn (dg_context_get_model (self->context));
  double sum = 0;

  dg_prediction_view_set_heat_caption (self->prediction_view, method_caption (method));

  for (int i = 0; heat && i < 28 * 28; i++)
    sum += heat[i];
  g_signal_emit (self, signals[EXPLAINED], 0, nn_explain_method_name (method),
                 nn_explain_method_uses_layer (method) && layer > 0 ? nn->layers[layer].name : NULL,
                 sum);
}

/* The map for the prediction best, into heat: at once for the quick methods;
 * the others are asked of the worker and, until their map comes, the last map
 * stays. FALSE (with *note saying why, or NULL) when there is no map to show.
 * *fresh_layer is the new map's layer when one was made now, else it stays. */
static gboolean
explain (DgDrawPage *self, DgModel *model, gboolean wanted, int best, float *heat,
         const char **note, int *fresh_layer, GError **error)
{
  NnExplainMethod method = explain_method (self);
  int layer = dg_draw_page_get_explain_layer (self);
  NnExplanation ex;

  *note = NULL;
  if (nn_explain_method_uses_layer (method) && !dg_model_has_gradcam (model))
    *note = _("This model has no convolutional layer, so there is no map of where it looked. "
              "Grad-CAM needs a layer that keeps the image’s layout.");
  if (*note || !wanted)
    {
      dg_explain_runner_cancel (self->explainer);
      self->has_heat = FALSE;
      return FALSE;
    }
  if (!dg_explain_method_is_quick (method))
    {
      dg_explain_runner_request (self->explainer, model, method, layer, self->input, best);
      memcpy (heat, self->heat, sizeof self->heat);
      return self->has_heat;
    }
  dg_explain_runner_cancel (self->explainer);
  g_clear_error (error);
  self->has_heat = dg_explain_runner_run (self->explainer, model, method, layer, self->input, best,
                                          &ex, error);
  if (!self->has_heat)
    {
      *note = (*error)->message;
      return FALSE;
    }
  nn_explain_display_map (&ex, self->heat);
  memcpy (heat, self->heat, sizeof self->heat);
  *fresh_layer = ex.layer;
  return TRUE;
}

/* A map from the worker: the latest request's, so for the drawing shown. */
static void
on_explained (DgExplainRunner *runner, guint serial, const NnExplanation *ex, const char *message,
              DgDrawPage *self)
{
  if (ex)
    nn_explain_display_map (ex, self->heat);
  self->has_heat = ex != NULL;
  dg_prediction_view_show_result (self->prediction_view, self->probs, self->input,
                                  ex ? self->heat : NULL, message);
  show_heat_on_canvas (self, ex ? self->heat : NULL);
  if (ex)
    emit_explained (self, ex->method, ex->layer, self->heat);
}

int
dg_draw_page_get_explain_layer (DgDrawPage *self)
{
  GSettings *gsettings;
  g_autofree char *name = NULL;
  DgModel *model;
  NnModel *nn;
  int layer;

  g_return_val_if_fail (DG_IS_DRAW_PAGE (self), -1);
  model = dg_context_get_model (self->context);
  if (!model)
    return -1;
  gsettings = dg_settings_get_gsettings (dg_context_get_settings (self->context));
  name = g_settings_get_string (gsettings, "explain-layer");
  nn = dg_model_get_nn (model);
  layer = name[0] ? nn_model_find_layer (nn, name) : -1;
  /* a layer named for another model, or not a feature map: the model's default */
  return layer > 0 && nn_layer_is_spatial (&nn->layers[layer]) ? layer : -1;
}

const float *
dg_draw_page_get_input (DgDrawPage *self)
{
  g_return_val_if_fail (DG_IS_DRAW_PAGE (self), NULL);
  return self->prediction >= 0 ? self->input : NULL;
}

/* ---- prediction (continued) ------------------------------------------------------ */

/* Number mode: the number view reads the whole drawing, digit by digit. */
static void
run_number (DgDrawPage *self, DgModel *model)
{
  DgSettings *settings = dg_context_get_settings (self->context);
  g_autoptr(GError) error = NULL;
  double confidence = 0, cam_sum = 0;
  int digit = -1;
  gint64 t0 = g_get_monotonic_time (), cpu0 = dg_test_thread_cpu_us ();

  if (!dg_number_view_read (self->number_view, model,
                            dg_settings_get_show_gradcam (settings)
                            || dg_settings_get_gradcam_on_canvas (settings),
                            &digit, &confidence, &cam_sum, &error))
    dg_context_toast (self->context, error->message, NULL);
  self->timings.predict_us = g_get_monotonic_time () - t0;
  self->timings.cpu_us = dg_test_thread_cpu_us () - cpu0;
  /* predict is the read itself; the chips and the selected digit's view apart */
  if (error == NULL)
    dg_number_view_get_last_timings (self->number_view, &self->timings.predict_us,
                                     &self->timings.show_us, &self->timings.gradcam_us);
  set_prediction (self, digit);
  g_signal_emit (self, signals[PREDICTED], 0, digit, confidence, cam_sum,
                 g_get_monotonic_time () - self->change_time);
}

static void
run_prediction (DgDrawPage *self)
{
  g_autofree guint8 *grey = g_malloc (DG_CANVAS_UNITS * DG_CANVAS_UNITS);
  g_autoptr(GError) error = NULL;
  DgModel *model = dg_context_get_model (self->context);
  DgSettings *settings = dg_context_get_settings (self->context);
  float probs[DG_N_CLASSES], heat[28 * 28], cam_sum = 0;
  gboolean want_cam, has_cam = FALSE;
  int fresh_layer = -1;
  const char *cam_note = NULL;
  int best = 0;
  gint64 t0 = g_get_monotonic_time (), cpu0 = dg_test_thread_cpu_us (), t1, t2, t3;

  memset (&self->timings, 0, sizeof self->timings);
  if (!model)
    return;
  if (self->number_mode)
    {
      run_number (self, model);
      return;
    }
  if (dg_canvas_is_empty (self->canvas))
    {
      show_blank (self);
      return;
    }

  if (dg_canvas_get_image_data (self->canvas))
    {
      /* an opened picture, alone: its input came from its own pixels */
      DgReadImage *image = dg_canvas_get_image_data (self->canvas);
      memcpy (self->input, image->input, sizeof self->input);
      self->from_image = TRUE;
    }
  else if (self->from_image = FALSE, dg_canvas_render_grey (self->canvas, grey),
           !nn_preprocess_digit_info (grey, DG_CANVAS_UNITS, DG_CANVAS_UNITS, DG_CANVAS_UNITS,
                                      NN_BACKGROUND_DARK, self->input, &self->info, &error))
    {
      /* a dot too small to read is still "nothing drawn" */
      show_blank (self);
      return;
    }

  t1 = g_get_monotonic_time ();
  if (!dg_model_predict (model, self->input, probs, &error))
    {
      show_blank (self);
      dg_context_toast (self->context, error->message, NULL);
      return;
    }
  for (int d = 1; d < DG_N_CLASSES; d++)
    if (probs[d] > probs[best])
      best = d;
  memcpy (self->probs, probs, sizeof self->probs);

  t2 = g_get_monotonic_time ();
  want_cam = dg_settings_get_show_gradcam (settings) || dg_settings_get_gradcam_on_canvas (settings);
  has_cam = explain (self, model, want_cam, best, heat, &cam_note, &fresh_layer, &error);

  t3 = g_get_monotonic_time ();
  set_prediction (self, best);
  dg_prediction_view_show_result (self->prediction_view, probs, self->input,
                                  has_cam ? heat : NULL, cam_note);
  dg_prediction_view_set_verdict (self->prediction_view, dg_model_judge (model, self->input));
  show_heat_on_canvas (self, has_cam ? heat : NULL);
  if (fresh_layer >= 0)
    emit_explained (self, explain_method (self), fresh_layer, heat);
  self->timings.preprocess_us = t1 - t0;
  self->timings.predict_us = t2 - t1;
  self->timings.gradcam_us = t3 - t2;
  self->timings.show_us = g_get_monotonic_time () - t3;
  self->timings.cpu_us = dg_test_thread_cpu_us () - cpu0;

  for (int i = 0; has_cam && i < 28 * 28; i++)
    cam_sum += heat[i];
  g_signal_emit (self, signals[PREDICTED], 0, best, (double) probs[best], (double) cam_sum,
                 g_get_monotonic_time () - self->change_time);
}

static gboolean
update_tick (GtkWidget *widget, GdkFrameClock *clock, gpointer data)
{
  DgDrawPage *self = DG_DRAW_PAGE (widget);

  self->update_tick = 0;
  run_prediction (self);
  self->change_time = 0;
  return G_SOURCE_REMOVE;
}

static void
schedule_prediction (DgDrawPage *self)
{
  if (self->change_time == 0)
    self->change_time = g_get_monotonic_time ();
  if (self->update_tick == 0)
    self->update_tick = gtk_widget_add_tick_callback (GTK_WIDGET (self), update_tick, NULL, NULL);
}

void
dg_draw_page_predict (DgDrawPage *self)
{
  g_return_if_fail (DG_IS_DRAW_PAGE (self));
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

int
dg_draw_page_get_prediction (DgDrawPage *self)
{
  g_return_val_if_fail (DG_IS_DRAW_PAGE (self), -1);
  return self->prediction;
}

void
dg_draw_page_get_last_timings (DgDrawPage *self, DgPredictTimings *out)
{
  g_return_if_fail (DG_IS_DRAW_PAGE (self));
  g_return_if_fail (out != NULL);
  *out = self->timings;
}

DgCanvas *
dg_draw_page_get_canvas (DgDrawPage *self)
{
  g_return_val_if_fail (DG_IS_DRAW_PAGE (self), NULL);
  return self->canvas;
}

GActionGroup *
dg_draw_page_get_actions (DgDrawPage *self)
{
  g_return_val_if_fail (DG_IS_DRAW_PAGE (self), NULL);
  return G_ACTION_GROUP (self->actions);
}

static void
show_read_image (DgDrawPage *self, DgReadImage *image)
{
  dg_canvas_set_image (self->canvas, image->ink, image->placement, image,
                       (GDestroyNotify) dg_read_image_free);
}

gboolean
dg_draw_page_show_image (DgDrawPage *self, const guint8 *img)
{
  DgReadImage *image;

  g_return_val_if_fail (DG_IS_DRAW_PAGE (self), FALSE);
  image = dg_read_image_from_grey (img, NN_IMAGE_SIDE, NN_IMAGE_SIDE, NN_BACKGROUND_DARK, NULL);
  if (!image)
    return FALSE;
  show_read_image (self, image);
  return TRUE;
}

/* ---- opening pictures: a file, a drop, a paste ------------------------------------ */

typedef struct {
  DgDrawPage *self;
  char *name;   /* for the toast: the file's name, or "the pasted picture" */
} Reading;

static void
reading_free (Reading *r)
{
  g_object_unref (r->self);
  g_free (r->name);
  g_free (r);
}

static void
on_image_read (GObject *source, GAsyncResult *result, gpointer data)
{
  Reading *r = data;
  DgDrawPage *self = r->self;
  g_autoptr(GError) error = NULL;
  DgReadImage *image = dg_read_image_finish (result, &error);
  g_autofree char *text = NULL;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      reading_free (r);
      return;  /* a newer picture replaced it */
    }
  g_clear_object (&self->reading);
  if (image)
    {
      show_read_image (self, image);
      /* TRANSLATORS: a toast after opening a picture; %s is its file name */
      text = g_strdup_printf (_("Opened “%s”"), r->name);
      dg_context_toast_about (self->context, "open-image", text, NULL);
    }
  else
    {
      if (g_error_matches (error, NN_ERROR, NN_ERROR_NOTHING_DRAWN))
        /* TRANSLATORS: a toast; %s is a file name */
        text = g_strdup_printf (_("“%s” shows no digit to read"), r->name);
      else
        /* TRANSLATORS: a toast; %s is a file name. Details has the reason */
        text = g_strdup_printf (_("Could not open “%s”"), r->name);
      dg_context_toast_about (self->context, "open-image", text, error->message);
    }
  g_signal_emit (self, signals[IMAGE_OPENED], 0, r->name, image != NULL);
  reading_free (r);
}

static Reading *
start_reading (DgDrawPage *self, const char *name)
{
  Reading *r = g_new0 (Reading, 1);

  if (self->reading)
    g_cancellable_cancel (self->reading);
  g_clear_object (&self->reading);
  self->reading = g_cancellable_new ();
  r->self = g_object_ref (self);
  r->name = g_strdup (name);
  return r;
}

void
dg_draw_page_open_file (DgDrawPage *self, GFile *file)
{
  g_autofree char *name = NULL;
  Reading *r;

  g_return_if_fail (DG_IS_DRAW_PAGE (self));
  g_return_if_fail (G_IS_FILE (file));
  name = g_file_get_basename (file);
  r = start_reading (self, name ? name : "?");
  dg_read_image_file_async (file, self->reading, on_image_read, r);
}

static void
open_texture (DgDrawPage *self, GdkTexture *texture)
{
  /* TRANSLATORS: in "Opened “%s”", for a picture pasted from the clipboard */
  Reading *r = start_reading (self, _("the pasted picture"));

  dg_read_image_texture_async (texture, self->reading, on_image_read, r);
}

/* draw.open-image('PATH or URI'): what the menu's chooser, a drop on the canvas
 * and app.open-image (D-Bus) all end in */
static void
open_image_activated (GSimpleAction *action, GVariant *param, gpointer data)
{
  g_autoptr(GFile) file = g_file_new_for_commandline_arg (g_variant_get_string (param, NULL));

  dg_draw_page_open_file (DG_DRAW_PAGE (data), file);
}

static void
open_file_by_action (DgDrawPage *self, GFile *file)
{
  g_autofree char *uri = g_file_get_uri (file);

  gtk_widget_activate_action (GTK_WIDGET (self), "draw.open-image", "s", uri);
}

static gboolean
on_drop (GtkDropTarget *target, const GValue *value, double x, double y, DgDrawPage *self)
{
  if (G_VALUE_HOLDS (value, GDK_TYPE_FILE_LIST))
    {
      GSList *files = g_value_get_boxed (value);
      if (!files)
        return FALSE;
      open_file_by_action (self, files->data);  /* one picture: the first */
      return TRUE;
    }
  if (G_VALUE_HOLDS (value, G_TYPE_FILE))
    {
      open_file_by_action (self, g_value_get_object (value));
      return TRUE;
    }
  if (G_VALUE_HOLDS (value, GDK_TYPE_TEXTURE))
    {
      open_texture (self, g_value_get_object (value));
      return TRUE;
    }
  return FALSE;
}

static void
add_drop_target (DgDrawPage *self)
{
  GType types[] = { GDK_TYPE_FILE_LIST, G_TYPE_FILE, GDK_TYPE_TEXTURE };
  GtkDropTarget *target = gtk_drop_target_new (G_TYPE_INVALID, GDK_ACTION_COPY);

  gtk_drop_target_set_gtypes (target, types, G_N_ELEMENTS (types));
  g_signal_connect (target, "drop", G_CALLBACK (on_drop), self);
  gtk_widget_add_controller (GTK_WIDGET (self->canvas), GTK_EVENT_CONTROLLER (target));
}

static void
on_clipboard_texture (GObject *source, GAsyncResult *result, gpointer data)
{
  g_autoptr(DgDrawPage) self = data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GdkTexture) texture = gdk_clipboard_read_texture_finish (GDK_CLIPBOARD (source), result,
                                                                     &error);

  if (texture)
    open_texture (self, texture);
  else
    dg_context_toast_about (self->context, "open-image", _("The clipboard holds no picture"),
                            error ? error->message : NULL);
}

static void
on_clipboard_files (GObject *source, GAsyncResult *result, gpointer data)
{
  g_autoptr(DgDrawPage) self = data;
  g_autoptr(GError) error = NULL;
  const GValue *value = gdk_clipboard_read_value_finish (GDK_CLIPBOARD (source), result, &error);

  if (value && G_VALUE_HOLDS (value, GDK_TYPE_FILE_LIST) && g_value_get_boxed (value))
    open_file_by_action (self, ((GSList *) g_value_get_boxed (value))->data);
  else if (value && G_VALUE_HOLDS (value, G_TYPE_FILE))
    open_file_by_action (self, g_value_get_object (value));
  else
    dg_context_toast_about (self->context, "open-image", _("The clipboard holds no picture"),
                            error ? error->message : NULL);
}

/* draw.copy (Ctrl+C): the reading as text for text editors (the digit, or the
 * number in number mode), and the drawing as a picture, white ink on black as the
 * model reads it (280 x 280, or 840 x 280 for a number), for image programs (or
 * pasting back here) */
static void
copy_activated (GSimpleAction *action, GVariant *param, gpointer data)
{
  DgDrawPage *self = DG_DRAW_PAGE (data);
  g_autoptr(DgReading) reading = dg_reading_new (self->canvas, dg_context_get_model (self->context),
                                                 self->input, self->prediction);
  g_autoptr(GdkContentProvider) content = NULL;

  if (self->number_mode)
    dg_reading_set_number (reading, self->canvas,
                           dg_number_view_get_reading (self->number_view)->number);
  content = dg_reading_content_provider (reading);
  gdk_clipboard_set_content (gtk_widget_get_clipboard (GTK_WIDGET (self)), content);
}

/* draw.export (Ctrl+E): the drawing, its reading and heat map as a PNG */
static void
export_activated (GSimpleAction *action, GVariant *param, gpointer data)
{
  DgDrawPage *self = DG_DRAW_PAGE (data);

  dg_reading_export_ask (dg_reading_new (self->canvas, dg_context_get_model (self->context),
                                         self->input, self->prediction),
                         GTK_WIDGET (self), self->context);
}

/* draw.paste (Ctrl+V): a picture, or a picture file copied in a file manager */
static void
paste_activated (GSimpleAction *action, GVariant *param, gpointer data)
{
  DgDrawPage *self = DG_DRAW_PAGE (data);
  GdkClipboard *clipboard = gtk_widget_get_clipboard (GTK_WIDGET (self));
  GdkContentFormats *formats = gdk_clipboard_get_formats (clipboard);

  if (gdk_content_formats_contain_gtype (formats, GDK_TYPE_TEXTURE))
    gdk_clipboard_read_texture_async (clipboard, NULL, on_clipboard_texture, g_object_ref (self));
  else if (gdk_content_formats_contain_gtype (formats, GDK_TYPE_FILE_LIST))
    gdk_clipboard_read_value_async (clipboard, GDK_TYPE_FILE_LIST, G_PRIORITY_DEFAULT, NULL,
                                    on_clipboard_files, g_object_ref (self));
  else if (gdk_content_formats_contain_gtype (formats, G_TYPE_FILE))
    gdk_clipboard_read_value_async (clipboard, G_TYPE_FILE, G_PRIORITY_DEFAULT, NULL,
                                    on_clipboard_files, g_object_ref (self));
  else
    dg_context_toast_about (self->context, "open-image", _("The clipboard holds no picture"), NULL);
}

/* ---- the model and the status page ---------------------------------------------- */

static void
update_stack (DgDrawPage *self)
{
  DgModelList *models = dg_context_get_models (self->context);
  gboolean none = !dg_context_get_model (self->context)
                  && g_list_model_get_n_items (G_LIST_MODEL (models)) == 0;

  if (none)
    {
      g_auto(GStrv) dirs = dg_model_list_dup_search_dirs ();
      g_autofree char *joined = g_strjoinv ("\n", dirs);
      g_autofree char *text =
        g_strdup_printf (_("Digits reads Keras 3 “.keras” models. Put one in one of these folders, "
                           "or open one from anywhere. Train one with “digits-cli train”.\n\n%s"),
                         joined);
      adw_status_page_set_description (self->no_model_page, text);
    }
  gtk_stack_set_visible_child_name (self->draw_stack, none ? "no-model" : "draw");
}

/* Integrated gradients and occlusion explain any model; the Grad-CAMs need a grid. */
static void
update_heat_toggle (DgDrawPage *self)
{
  DgModel *model = dg_context_get_model (self->context);

  gtk_widget_set_sensitive (self->heat_toggle,
                            model && (dg_model_has_gradcam (model)
                                      || !nn_explain_method_uses_layer (explain_method (self))));
  update_actions (self);
}

static void
on_model_changed (DgDrawPage *self)
{
  update_heat_toggle (self);
  update_stack (self);
  update_actions (self);
  dg_draw_page_predict (self);
}

/* ---- actions ---------------------------------------------------------------------- */

static void
update_actions (DgDrawPage *self)
{
  /* only while the page shows: its shortcuts must not touch a hidden drawing */
  gboolean shown = gtk_widget_get_mapped (GTK_WIDGET (self));
  gboolean drawn = shown && !dg_canvas_is_empty (self->canvas);
  struct { const char *name; gboolean enabled; } a[] = {
    { "undo", shown && dg_canvas_get_can_undo (self->canvas) },
    { "redo", shown && dg_canvas_get_can_redo (self->canvas) },
    { "clear", drawn },
    { "predict", drawn && dg_context_get_model (self->context) },
    { "save-sample", drawn && !self->number_mode }, /* a sample is one digit */
    { "brush-smaller", shown },
    { "brush-larger", shown },
    { "dark", shown },
    { "heatmap", shown && gtk_widget_get_sensitive (self->heat_toggle) },
    { "paste", shown },
    { "copy", drawn },
    { "number", shown },
    { "export", drawn && !self->number_mode }, /* the export lays out one digit */
  };

  for (guint i = 0; i < G_N_ELEMENTS (a); i++)
    g_simple_action_set_enabled (G_SIMPLE_ACTION (g_action_map_lookup_action (G_ACTION_MAP (self->actions),
                                                                              a[i].name)),
                                 a[i].enabled);
}

static void
undo_activated (GSimpleAction *action, GVariant *param, gpointer data)
{
  dg_canvas_undo (DG_DRAW_PAGE (data)->canvas);
}

static void
redo_activated (GSimpleAction *action, GVariant *param, gpointer data)
{
  dg_canvas_redo (DG_DRAW_PAGE (data)->canvas);
}

static void
clear_activated (GSimpleAction *action, GVariant *param, gpointer data)
{
  dg_canvas_clear (DG_DRAW_PAGE (data)->canvas);
}

static void
predict_activated (GSimpleAction *action, GVariant *param, gpointer data)
{
  dg_draw_page_predict (DG_DRAW_PAGE (data));
}

static void
brush_activated (GSimpleAction *action, GVariant *param, gpointer data)
{
  DgSettings *settings = dg_context_get_settings (DG_DRAW_PAGE (data)->context);
  int step = g_str_equal (g_action_get_name (G_ACTION (action)), "brush-larger") ? 2 : -2;

  dg_settings_set_brush_size (settings, dg_settings_get_brush_size (settings) + step);
}

/* The Dark and Heat Map toggles' settings */
static void
toggle_activated (GSimpleAction *action, GVariant *param, gpointer data)
{
  DgSettings *settings = dg_context_get_settings (DG_DRAW_PAGE (data)->context);

  if (g_str_equal (g_action_get_name (G_ACTION (action)), "dark"))
    dg_settings_set_dark_canvas (settings, !dg_settings_get_dark_canvas (settings));
  else
    dg_settings_set_gradcam_on_canvas (settings, !dg_settings_get_gradcam_on_canvas (settings));
}

static void
on_sample_saved (DgSampleDialog *dialog, const char *path, int label, DgDrawPage *self)
{
  g_autofree char *text = g_strdup_printf (_("Saved as a “%d”"), label);

  self->next_label = -1;
  dg_context_toast (self->context, text, NULL);
}

/* Save and Draw Next: a clean canvas for the next digit, suggested next time */
static void
on_sample_draw_next (DgSampleDialog *dialog, int next_label, DgDrawPage *self)
{
  self->next_label = next_label;
  dg_canvas_clear (self->canvas);
}

static void
save_sample_activated (GSimpleAction *action, GVariant *param, gpointer data)
{
  DgDrawPage *self = DG_DRAW_PAGE (data);
  g_autofree guint8 *grey = g_malloc (DG_CANVAS_UNITS * DG_CANVAS_UNITS);
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  DgSampleDialog *dialog;

  if (dg_canvas_is_empty (self->canvas))
    return;
  dg_canvas_render_grey (self->canvas, grey);
  dialog = dg_sample_dialog_new (GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                                 dg_context_get_settings (self->context), grey, DG_CANVAS_UNITS,
                                 DG_CANVAS_UNITS,
                                 self->next_label >= 0 ? self->next_label : self->prediction);
  g_signal_connect_object (dialog, "saved", G_CALLBACK (on_sample_saved), self, 0);
  g_signal_connect_object (dialog, "draw-next", G_CALLBACK (on_sample_draw_next), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}

/* draw.number (Ctrl+N): a wide canvas whose drawing is read as a number */
static void
number_changed (GSimpleAction *action, GVariant *value, gpointer data)
{
  DgDrawPage *self = DG_DRAW_PAGE (data);
  gboolean on = g_variant_get_boolean (value);

  g_simple_action_set_state (action, value);
  self->number_mode = on;
  dg_canvas_set_width_units (self->canvas, on ? 3 * DG_CANVAS_UNITS : DG_CANVAS_UNITS);
  dg_draw_layout_set_aspect (DG_DRAW_LAYOUT (gtk_widget_get_layout_manager (self->draw_box)), on ? 3 : 1);
  gtk_widget_set_visible (GTK_WIDGET (self->number_view), on);
  gtk_widget_set_visible (GTK_WIDGET (self->number_boxes), on);
  if (!on)
    dg_number_view_reset (self->number_view);
  update_actions (self);
  dg_draw_page_predict (self);
}

static const GActionEntry action_entries[] = {
  { .name = "undo", .activate = undo_activated },
  { .name = "redo", .activate = redo_activated },
  { .name = "clear", .activate = clear_activated },
  { .name = "predict", .activate = predict_activated },
  { .name = "save-sample", .activate = save_sample_activated },
  { .name = "brush-smaller", .activate = brush_activated },
  { .name = "brush-larger", .activate = brush_activated },
  { .name = "dark", .activate = toggle_activated },
  { .name = "heatmap", .activate = toggle_activated },
  { .name = "open-image", .activate = open_image_activated, .parameter_type = "s" },
  { .name = "paste", .activate = paste_activated },
  { .name = "copy", .activate = copy_activated },
  { .name = "number", .state = "false", .change_state = number_changed },
  { .name = "export", .activate = export_activated },
};

/* The page's shortcuts, handled wherever the focus is in the window. */
static void
add_shortcuts (DgDrawPage *self)
{
  static const struct { const char *trigger, *action; } keys[] = {
    { "<Control>z", "draw.undo" },
    { "<Control><Shift>z", "draw.redo" },
    { "Delete", "draw.clear" },
    { "<Control>l", "draw.clear" },
    { "<Control>Return", "draw.predict" },
    { "<Control>s", "draw.save-sample" },
    { "bracketleft", "draw.brush-smaller" },
    { "bracketright", "draw.brush-larger" },
    { "<Control>d", "draw.dark" },
    { "<Control>h", "draw.heatmap" },
    { "<Control>v", "draw.paste" },
    { "<Control>c", "draw.copy" },
    { "<Control>n", "draw.number" },
    { "<Control>e", "draw.export" },
  };
  GtkEventController *controller = gtk_shortcut_controller_new ();

  gtk_shortcut_controller_set_scope (GTK_SHORTCUT_CONTROLLER (controller), GTK_SHORTCUT_SCOPE_GLOBAL);
  for (guint i = 0; i < G_N_ELEMENTS (keys); i++)
    gtk_shortcut_controller_add_shortcut (GTK_SHORTCUT_CONTROLLER (controller),
                                          gtk_shortcut_new (gtk_shortcut_trigger_parse_string (keys[i].trigger),
                                                            gtk_named_action_new (keys[i].action)));
  gtk_widget_add_controller (GTK_WIDGET (self), controller);
}

/* ---- life cycle ------------------------------------------------------------------- */

static void
on_canvas_changed (DgCanvas *canvas, DgDrawPage *self)
{
  /* a map still being made is of a drawing that is gone: the next prediction
   * asks for a new one, and until then none may land on the new drawing */
  dg_explain_runner_cancel (self->explainer);
  update_actions (self);
  schedule_prediction (self);
}

static void
bind_settings (DgDrawPage *self)
{
  GBindingFlags flags = G_BINDING_SYNC_CREATE | G_BINDING_BIDIRECTIONAL;
  DgSettings *settings = dg_context_get_settings (self->context);

  g_object_bind_property (settings, "brush-size", self->brush_adjustment, "value", flags);
  g_object_bind_property (settings, "brush-size", self->canvas, "brush-size", flags);
  g_object_bind_property (settings, "dark-canvas", self->dark_toggle, "active", flags);
  g_object_bind_property (settings, "dark-canvas", self->canvas, "dark", flags);
  g_object_bind_property (settings, "gradcam-on-canvas", self->heat_toggle, "active", flags);
  g_object_bind_property (settings, "gradcam-on-canvas", self->canvas, "show-heatmap", flags);
  g_object_bind_property (settings, "show-gradcam", self->prediction_view, "show-gradcam", flags);
  g_signal_connect_object (settings, "notify::show-gradcam", G_CALLBACK (schedule_prediction), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (settings, "notify::gradcam-on-canvas", G_CALLBACK (schedule_prediction),
                           self, G_CONNECT_SWAPPED);
  g_settings_bind (dg_settings_get_gsettings (settings), "show-inside", self->inside_toggle, "active",
                   G_SETTINGS_BIND_DEFAULT);
  g_signal_connect_object (dg_settings_get_gsettings (settings), "changed::explain-method",
                           G_CALLBACK (update_heat_toggle), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (dg_settings_get_gsettings (settings), "changed::explain-method",
                           G_CALLBACK (schedule_prediction), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (dg_settings_get_gsettings (settings), "changed::explain-layer",
                           G_CALLBACK (schedule_prediction), self, G_CONNECT_SWAPPED);
}

static void
dg_draw_page_constructed (GObject *object)
{
  DgDrawPage *self = DG_DRAW_PAGE (object);

  G_OBJECT_CLASS (dg_draw_page_parent_class)->constructed (object);
  g_return_if_fail (DG_IS_CONTEXT (self->context));
  bind_settings (self);
  gtk_menu_button_set_popover (GTK_MENU_BUTTON (self->method_button),
                               dg_explain_popover_new (self->context));
  dg_teach_button_attach (self->teach_button, self->context, self->canvas);
  dg_history_button_attach (self->history_button, GTK_WIDGET (self), self->context, self->canvas);
  g_signal_connect_object (self->context, "notify::model", G_CALLBACK (on_model_changed), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (dg_context_get_models (self->context), "items-changed",
                           G_CALLBACK (update_stack), self, G_CONNECT_SWAPPED);
  dg_prediction_view_show_prompt (self->prediction_view);
  gtk_widget_set_sensitive (self->heat_toggle, FALSE);
  update_stack (self);
  update_actions (self);
}

static void
dg_draw_page_map (GtkWidget *widget)
{
  GTK_WIDGET_CLASS (dg_draw_page_parent_class)->map (widget);
  update_actions (DG_DRAW_PAGE (widget));
}

static void
dg_draw_page_unmap (GtkWidget *widget)
{
  GTK_WIDGET_CLASS (dg_draw_page_parent_class)->unmap (widget);
  update_actions (DG_DRAW_PAGE (widget));
}

static void
dg_draw_page_get_property (GObject *object, guint id, GValue *value, GParamSpec *pspec)
{
  DgDrawPage *self = DG_DRAW_PAGE (object);

  switch (id)
    {
    case PROP_CONTEXT: g_value_set_object (value, self->context); break;
    case PROP_PREDICTION: g_value_set_int (value, self->prediction); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, id, pspec);
    }
}

static void
dg_draw_page_set_property (GObject *object, guint id, const GValue *value, GParamSpec *pspec)
{
  DgDrawPage *self = DG_DRAW_PAGE (object);

  switch (id)
    {
    case PROP_CONTEXT: self->context = g_value_dup_object (value); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, id, pspec);
    }
}

static void
dg_draw_page_dispose (GObject *object)
{
  DgDrawPage *self = DG_DRAW_PAGE (object);

  if (self->update_tick)
    {
      gtk_widget_remove_tick_callback (GTK_WIDGET (self), self->update_tick);
      self->update_tick = 0;
    }
  if (self->reading)
    g_cancellable_cancel (self->reading);
  g_clear_object (&self->reading);
  if (self->explainer)
    dg_explain_runner_stop (self->explainer);
  g_clear_object (&self->explainer);
  gtk_widget_dispose_template (GTK_WIDGET (self), DG_TYPE_DRAW_PAGE);
  g_clear_object (&self->actions);
  g_clear_object (&self->context);
  G_OBJECT_CLASS (dg_draw_page_parent_class)->dispose (object);
}

/* Template children other code may look up (gtk_widget_get_template_child). */
static const char *named_children[] = {
  "undo_button", "redo_button", "clear_button", "brush_scale", "predict_button", "save_button",
  "number_toggle",
  "export_button",
};

static void
dg_draw_page_class_init (DgDrawPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->constructed = dg_draw_page_constructed;
  object_class->get_property = dg_draw_page_get_property;
  object_class->set_property = dg_draw_page_set_property;
  object_class->dispose = dg_draw_page_dispose;
  widget_class->map = dg_draw_page_map;
  widget_class->unmap = dg_draw_page_unmap;

  props[PROP_CONTEXT] = g_param_spec_object ("context", NULL, NULL, DG_TYPE_CONTEXT,
                                             G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY
                                             | G_PARAM_STATIC_STRINGS);
  props[PROP_PREDICTION] = g_param_spec_int ("prediction", NULL, NULL, -1, DG_N_CLASSES - 1, -1,
                                             G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY
                                             | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, props);

  signals[PREDICTED] = g_signal_new ("predicted", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                     NULL, NULL, NULL, G_TYPE_NONE, 4, G_TYPE_INT, G_TYPE_DOUBLE,
                                     G_TYPE_DOUBLE, G_TYPE_INT64);

  /* a picture was read (its name, and whether it opened) */
  signals[IMAGE_OPENED] = g_signal_new ("image-opened", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                        0, NULL, NULL, NULL, G_TYPE_NONE, 2, G_TYPE_STRING,
                                        G_TYPE_BOOLEAN);

  /* a map was shown: the method's name, its layer's (NULL for the input-space
   * methods) and the sum of the map as drawn, in [0, 1] per pixel */
  signals[EXPLAINED] = g_signal_new ("explained", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                     NULL, NULL, NULL, G_TYPE_NONE, 3, G_TYPE_STRING,
                                     G_TYPE_STRING, G_TYPE_DOUBLE);

  g_type_ensure (DG_TYPE_CANVAS);
  g_type_ensure (DG_TYPE_PREDICTION_VIEW);
  g_type_ensure (DG_TYPE_NUMBER_BOXES);
  g_type_ensure (DG_TYPE_NUMBER_VIEW);
  g_type_ensure (DG_TYPE_TEACH_BUTTON);
  g_type_ensure (DG_TYPE_HISTORY_BUTTON);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_template_from_resource (widget_class, DG_RESOURCE_PATH "/dg-draw-page.ui");
#define BIND(name) gtk_widget_class_bind_template_child (widget_class, DgDrawPage, name)
  BIND (draw_stack);
  BIND (draw_box);
  BIND (tool_bar);
  BIND (no_model_page);
  BIND (canvas);
  BIND (heat_toggle);
  BIND (method_button);
  BIND (inside_toggle);
  BIND (brush_adjustment);
  BIND (dark_toggle);
  BIND (prediction_view);
  BIND (number_boxes);
  BIND (number_view);
  BIND (teach_button);
  BIND (history_button);
#undef BIND
  /* named for tests and tools, not kept */
  for (guint i = 0; i < G_N_ELEMENTS (named_children); i++)
    gtk_widget_class_bind_template_child_full (widget_class, named_children[i], FALSE, 0);
}

static void
dg_draw_page_init (DgDrawPage *self)
{
  self->prediction = -1;
  self->next_label = -1;
  gtk_widget_init_template (GTK_WIDGET (self));
  /* side by side when wide, the reading below the canvas when narrow */
  gtk_widget_set_layout_manager (self->draw_box, dg_draw_layout_new (24, DG_CANVAS_UNITS));
  /* the groups of tools wrap into lines on narrow pages */
  gtk_widget_set_layout_manager (self->tool_bar, dg_wrap_layout_new (12, 6));
  self->explainer = dg_explain_runner_new ();
  g_signal_connect_object (self->explainer, "explained", G_CALLBACK (on_explained), self, 0);
  self->actions = g_simple_action_group_new ();
  g_action_map_add_action_entries (G_ACTION_MAP (self->actions), action_entries,
                                   G_N_ELEMENTS (action_entries), self);
  gtk_widget_insert_action_group (GTK_WIDGET (self), "draw", G_ACTION_GROUP (self->actions));
  add_shortcuts (self);
  add_drop_target (self);
  g_signal_connect (self->canvas, "changed", G_CALLBACK (on_canvas_changed), self);
  dg_number_view_attach (self->number_view, self->canvas, self->number_boxes, self->prediction_view);
}

GtkWidget *
dg_draw_page_new (DgContext *context)
{
  g_return_val_if_fail (DG_IS_CONTEXT (context), NULL);
  return g_object_new (DG_TYPE_DRAW_PAGE, "context", context, NULL);
}
