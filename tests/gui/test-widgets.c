/* test-widgets: the GUI classes without the window: canvas history and
 * rasterisation, probability-bar labels, the colour map, model discovery,
 * settings, models, and saving a sample. Needs a display (xvfb-run). */
#include <glib/gstdio.h>
#include <string.h>
#include <gtk/gtk.h>

#include "dg-canvas.h"
#include "dg-colormap.h"
#include "dg-model.h"
#include "dg-model-list.h"
#include "dg-number-reader.h"
#include "dg-prediction-view.h"
#include "dg-model-files.h"
#include "dg-prob-bars.h"
#include "dg-sample-dialog.h"
#include "dg-settings.h"
#include "nn-error.h"
#include "nn-explain.h"
#include "nn-image.h"

static int
ink_pixels (DgCanvas *canvas)
{
  g_autofree guint8 *grey = g_malloc (DG_CANVAS_UNITS * DG_CANVAS_UNITS);
  int n = 0;

  dg_canvas_render_grey (canvas, grey);
  for (int i = 0; i < DG_CANVAS_UNITS * DG_CANVAS_UNITS; i++)
    n += grey[i] > 127;
  return n;
}

static void
draw_line (DgCanvas *canvas, double x0, double y0, double x1, double y1)
{
  dg_canvas_stroke_begin (canvas, x0, y0);
  for (int i = 1; i <= 10; i++)
    dg_canvas_stroke_add (canvas, x0 + (x1 - x0) * i / 10, y0 + (y1 - y0) * i / 10);
  dg_canvas_stroke_end (canvas);
}

static void
count_changed (DgCanvas *canvas, int *n)
{
  (*n)++;
}

static void
test_canvas_history (void)
{
  DgCanvas *canvas = g_object_ref_sink (DG_CANVAS (dg_canvas_new ()));
  int changes = 0, ink;

  g_signal_connect (canvas, "changed", G_CALLBACK (count_changed), &changes);
  g_assert_true (dg_canvas_is_empty (canvas));
  g_assert_false (dg_canvas_get_can_undo (canvas));

  draw_line (canvas, 40, 40, 240, 40);
  draw_line (canvas, 140, 40, 140, 240);
  g_assert_cmpuint (dg_canvas_get_n_strokes (canvas), ==, 2);
  g_assert_cmpuint (dg_canvas_get_n_points (canvas), ==, 22);
  g_assert_cmpint (changes, ==, 22);

  dg_canvas_undo (canvas);
  g_assert_cmpuint (dg_canvas_get_n_strokes (canvas), ==, 1);
  g_assert_true (dg_canvas_get_can_redo (canvas));
  dg_canvas_redo (canvas);
  g_assert_cmpuint (dg_canvas_get_n_strokes (canvas), ==, 2);
  g_assert_false (dg_canvas_get_can_redo (canvas));

  /* clear is one undoable step: undo brings the whole drawing back, redo clears
   * it again, and the strokes before it still undo one by one */
  ink = ink_pixels (canvas);
  g_assert_cmpint (ink, >, 0);
  dg_canvas_clear (canvas);
  g_assert_true (dg_canvas_is_empty (canvas));
  g_assert_cmpint (ink_pixels (canvas), ==, 0);
  g_assert_true (dg_canvas_get_can_undo (canvas));
  g_assert_false (dg_canvas_get_can_redo (canvas));
  dg_canvas_undo (canvas);
  g_assert_cmpuint (dg_canvas_get_n_strokes (canvas), ==, 2);
  g_assert_cmpuint (dg_canvas_get_n_points (canvas), ==, 22);
  g_assert_cmpint (ink_pixels (canvas), ==, ink);
  dg_canvas_redo (canvas);
  g_assert_true (dg_canvas_is_empty (canvas));
  dg_canvas_undo (canvas);
  dg_canvas_undo (canvas);
  g_assert_cmpuint (dg_canvas_get_n_strokes (canvas), ==, 1);
  dg_canvas_redo (canvas);
  g_assert_cmpuint (dg_canvas_get_n_strokes (canvas), ==, 2);
  dg_canvas_redo (canvas);
  g_assert_true (dg_canvas_is_empty (canvas));
  g_assert_false (dg_canvas_get_can_redo (canvas));
  /* a second clear of an empty canvas is no step */
  dg_canvas_clear (canvas);
  dg_canvas_undo (canvas);
  g_assert_cmpuint (dg_canvas_get_n_strokes (canvas), ==, 2);

  /* a new stroke drops what could have been redone */
  dg_canvas_undo (canvas);
  g_assert_true (dg_canvas_get_can_redo (canvas));
  draw_line (canvas, 20, 200, 60, 200);
  g_assert_false (dg_canvas_get_can_redo (canvas));
  g_assert_cmpuint (dg_canvas_get_n_strokes (canvas), ==, 2);
  g_object_unref (canvas);
}

static void
test_canvas_raster (void)
{
  DgCanvas *canvas = g_object_ref_sink (DG_CANVAS (dg_canvas_new ()));
  g_autofree guint8 *grey = g_malloc (DG_CANVAS_UNITS * DG_CANVAS_UNITS);
  int thin, thick;

  dg_canvas_set_brush_size (canvas, 10);
  draw_line (canvas, 40, 140, 240, 140);
  thin = ink_pixels (canvas);
  /* a 200-unit line, 10 wide, with round caps: about 2000 + 79 pixels */
  g_assert_cmpint (thin, >, 1900);
  g_assert_cmpint (thin, <, 2300);
  dg_canvas_render_grey (canvas, grey);
  g_assert_cmpint (grey[140 * DG_CANVAS_UNITS + 140], ==, 255);
  g_assert_cmpint (grey[100 * DG_CANVAS_UNITS + 140], ==, 0);

  /* the brush applies to new strokes; the colours on screen do not matter */
  dg_canvas_clear (canvas);
  dg_canvas_set_brush_size (canvas, 30);
  dg_canvas_set_dark (canvas, FALSE);
  draw_line (canvas, 40, 140, 240, 140);
  thick = ink_pixels (canvas);
  g_assert_cmpint (thick, >, 2 * thin);
  g_object_unref (canvas);
}

static void
test_prob_bars_labels (void)
{
  DgProbBars *bars = g_object_ref_sink (DG_PROB_BARS (dg_prob_bars_new ()));
  float probs[10] = { 0.01f, 0, 0, 0, 0, 0, 0, 0.93f, 0.06f, 0 };
  g_autofree char *seven = NULL;
  g_autofree char *eight = NULL;

  dg_prob_bars_set_probs (bars, probs);
  seven = dg_prob_bars_dup_row_label (bars, 7);
  eight = dg_prob_bars_dup_row_label (bars, 8);
  g_assert_cmpstr (seven, ==, "digit 7, 93 percent");
  g_assert_cmpstr (eight, ==, "digit 8, 6 percent");
  g_object_unref (bars);
}

/* percent signs attach to their number; "< 0.1%" never breaks apart */
static void
test_percent_text (void)
{
  g_autofree char *big = dg_format_probability (0.97f);
  g_autofree char *small = dg_format_probability (0.025f);
  g_autofree char *tiny = dg_format_probability (0.0002f);

  g_assert_cmpstr (big, ==, "97%");
  g_assert_cmpstr (small, ==, "2.5%");
  g_assert_cmpstr (tiny, ==, "<\u00a00.1%");
  g_assert_null (strchr (tiny, ' '));
}

/* an opened picture is one step: Undo brings back the drawing before it */
static void
test_canvas_image (void)
{
  DgCanvas *canvas = g_object_ref_sink (DG_CANVAS (dg_canvas_new ()));
  g_autofree guint8 *ink = g_malloc0 (DG_CANVAS_UNITS * DG_CANVAS_UNITS);
  g_autofree guint8 *grey = g_malloc (DG_CANVAS_UNITS * DG_CANVAS_UNITS);
  int data = 0;

  memset (ink + 100 * DG_CANVAS_UNITS, 255, 40 * DG_CANVAS_UNITS);
  dg_canvas_stroke_begin (canvas, 10, 10);
  dg_canvas_stroke_add (canvas, 50, 50);
  dg_canvas_stroke_end (canvas);
  dg_canvas_set_image (canvas, ink, NULL, &data, NULL);
  g_assert_true (dg_canvas_has_image (canvas));
  g_assert_cmpuint (dg_canvas_get_n_strokes (canvas), ==, 1);
  g_assert_true (dg_canvas_get_image_data (canvas) == &data);
  dg_canvas_render_grey (canvas, grey);
  g_assert_cmpuint (grey[120 * DG_CANVAS_UNITS + 140], ==, 255);
  g_assert_cmpuint (grey[10 * DG_CANVAS_UNITS + 140], ==, 0);
  /* a stroke over it: the picture is no longer the whole drawing */
  dg_canvas_stroke_begin (canvas, 200, 10);
  dg_canvas_stroke_end (canvas);
  g_assert_null (dg_canvas_get_image_data (canvas));
  dg_canvas_undo (canvas);
  g_assert_true (dg_canvas_get_image_data (canvas) == &data);
  dg_canvas_undo (canvas);
  g_assert_false (dg_canvas_has_image (canvas));
  g_assert_cmpuint (dg_canvas_get_n_strokes (canvas), ==, 1);
  dg_canvas_redo (canvas);
  g_assert_true (dg_canvas_has_image (canvas));
  dg_canvas_clear (canvas);
  g_assert_true (dg_canvas_is_empty (canvas));
  dg_canvas_undo (canvas);
  g_assert_true (dg_canvas_has_image (canvas));
  g_object_unref (canvas);
}

static void
test_colormap (void)
{
  float r, g, b, last_luma = -1;

  dg_colormap_viridis (0, &r, &g, &b);
  g_assert_cmpfloat_with_epsilon (r, 0x44 / 255.f, 1e-3);
  g_assert_cmpfloat_with_epsilon (b, 0x54 / 255.f, 1e-3);
  dg_colormap_viridis (1, &r, &g, &b);
  g_assert_cmpfloat_with_epsilon (g, 0xe7 / 255.f, 1e-3);
  /* readable in greyscale: lightness rises all the way */
  for (int i = 0; i <= 100; i++)
    {
      float luma;
      dg_colormap_viridis (i / 100.f, &r, &g, &b);
      luma = 0.2126f * r + 0.7152f * g + 0.0722f * b;
      g_assert_cmpfloat (luma, >, last_luma);
      last_luma = luma;
    }
}

static void
touch (const char *dir, const char *name)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);
  g_assert_true (g_file_set_contents (path, "x", 1, NULL));
}

static void
test_model_list (void)
{
  g_autofree char *dir = g_dir_make_tmp ("digits-models-XXXXXX", NULL);
  g_autofree char *old = g_strdup (g_getenv ("DIGITS_MODELS_PATH"));
  g_autoptr(DgModelList) list = NULL;
  g_autofree char *title = NULL;

  touch (dir, "a_first.keras");
  touch (dir, "mnist_cnn.keras");
  touch (dir, DG_DEFAULT_MODEL);
  touch (dir, "notes.txt");
  g_setenv ("DIGITS_MODELS_PATH", dir, TRUE);
  list = dg_model_list_new ();
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (list)), ==, 3);
  g_assert_true (g_str_has_suffix (dg_model_list_get_path (list, 0), "a_first.keras"));
  g_assert_true (g_str_has_suffix (dg_model_list_get_path (list, dg_model_list_default_position (list)),
                                   DG_DEFAULT_MODEL));
  /* adding is idempotent */
  g_assert_cmpuint (dg_model_list_add (list, dg_model_list_get_path (list, 1)), ==, 1);
  g_assert_cmpuint (dg_model_list_add (list, "/elsewhere/x.keras"), ==, 3);
  title = dg_model_title_from_path ("/elsewhere/x.keras");
  g_assert_cmpstr (title, ==, "x");
  /* the subtitle's accuracy, before the model is opened: the file's metadata */
  {
    g_autofree char *shipped = g_build_filename (g_getenv ("DIGITS_SOURCE_DIR"), "models",
                                                 "mnist_cnn.keras", NULL);
    g_autofree char *copy = g_build_filename (dir, "stored.keras", NULL);
    g_autofree char *bytes = NULL;
    gsize len = 0;

    g_assert_true (g_file_get_contents (shipped, &bytes, &len, NULL));
    g_assert_true (g_file_set_contents (copy, bytes, (gssize) len, NULL));
    g_assert_cmpstr (dg_model_list_get_stored_accuracy (list, copy), ==, "0.9966");
    /* written anew under the same name (a training run's output), then added: read again */
    g_assert_true (g_file_set_contents (copy, "x", 1, NULL));
    dg_model_list_add (list, copy);
    g_assert_null (dg_model_list_get_stored_accuracy (list, copy));
    g_assert_null (dg_model_list_get_stored_accuracy (list, dg_model_list_get_path (list, 0)));
    g_unlink (copy);
  }

  /* natural order: my_cnn, my_cnn-2, my_cnn-10 */
  {
    touch (dir, "my_cnn-10.keras");
    touch (dir, "my_cnn-2.keras");
    touch (dir, "my_cnn.keras");
    dg_model_list_refresh (list);
    g_assert_true (g_str_has_suffix (dg_model_list_get_path (list, 3), "/my_cnn.keras"));
    g_assert_true (g_str_has_suffix (dg_model_list_get_path (list, 4), "/my_cnn-2.keras"));
    g_assert_true (g_str_has_suffix (dg_model_list_get_path (list, 5), "/my_cnn-10.keras"));
  }

  /* without the default, the CNN comes next */
  {
    g_autofree char *adv = g_build_filename (dir, DG_DEFAULT_MODEL, NULL);
    g_unlink (adv);
    dg_model_list_refresh (list);
    g_assert_true (g_str_has_suffix (dg_model_list_get_path (list, dg_model_list_default_position (list)),
                                     "mnist_cnn.keras"));
  }
  if (old)
    g_setenv ("DIGITS_MODELS_PATH", old, TRUE);
  else
    g_unsetenv ("DIGITS_MODELS_PATH");
}

static void
test_settings (void)
{
  g_autoptr(DgSettings) settings = dg_settings_new ();
  g_autofree char *folder = NULL;

  g_assert_nonnull (dg_settings_get_gsettings (settings));
  g_assert_cmpint (dg_settings_get_brush_size (settings), ==, DG_BRUSH_DEFAULT);
  dg_settings_set_brush_size (settings, 99);
  g_assert_cmpint (dg_settings_get_brush_size (settings), ==, DG_BRUSH_MAX);
  g_assert_cmpint (g_settings_get_int (dg_settings_get_gsettings (settings), "brush-size"), ==,
                   DG_BRUSH_MAX);
  g_settings_set_boolean (dg_settings_get_gsettings (settings), "dark-canvas", FALSE);
  g_assert_false (dg_settings_get_dark_canvas (settings));
  folder = dg_settings_dup_samples_folder (settings);
  g_assert_true (g_str_has_prefix (folder, g_get_user_data_dir ()));
  g_assert_true (g_str_has_suffix (folder, "digits/my_digits"));
  g_settings_reset (dg_settings_get_gsettings (settings), "brush-size");
  g_settings_reset (dg_settings_get_gsettings (settings), "dark-canvas");

  /* the app's heat map starts with the method digits-cli explain uses by default */
  g_autofree char *method = g_settings_get_string (dg_settings_get_gsettings (settings),
                                                   "explain-method");
  g_assert_cmpstr (method, ==, nn_explain_method_name (NN_EXPLAIN_DEFAULT_METHOD));
}

static void
test_model (void)
{
  const char *src = g_getenv ("DIGITS_SOURCE_DIR");
  g_autofree char *path = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(DgModel) model = NULL;
  float input[28 * 28] = { 0 }, probs[10], heat[28 * 28], sum = 0;

  g_assert_nonnull (src);
  path = g_build_filename (src, "models", "mnist_cnn.keras", NULL);
  model = dg_model_load (path, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (dg_model_get_title (model), ==, "mnist_cnn");
  g_assert_true (dg_model_has_gradcam (model));
  g_assert_cmpuint (dg_model_get_n_params (model), >, 1000);

  /* a vertical bar is a 1 */
  for (int y = 4; y < 24; y++)
    for (int x = 13; x < 16; x++)
      input[y * 28 + x] = 1.f;
  g_assert_true (dg_model_predict (model, input, probs, &error));
  g_assert_no_error (error);
  for (int d = 0; d < 10; d++)
    sum += probs[d];
  g_assert_cmpfloat_with_epsilon (sum, 1.f, 1e-4);
  g_assert_cmpfloat (probs[1], >, 0.5f);
  g_assert_true (dg_model_gradcam (model, input, 1, heat, &error));
  g_assert_no_error (error);

  /* a file that is not a model: the engine's message, naming the file */
  {
    g_autofree char *bad = g_build_filename (g_get_tmp_dir (), "digits-not-a-model.keras", NULL);
    g_autoptr(DgModel) none = NULL;
    g_assert_true (g_file_set_contents (bad, "PK\3\4 broken", -1, NULL));
    none = dg_model_load (bad, &error);
    g_assert_null (none);
    g_assert_nonnull (error);
    g_assert_nonnull (strstr (error->message, "digits-not-a-model.keras"));
    g_unlink (bad);
  }
}

/* A reading at 39 % does not look like one at 99 %; a refused drawing says so. */
static void
test_prediction_styles (void)
{
  GtkWidget *view = g_object_ref_sink (dg_prediction_view_new ());
  GtkWidget *card = GTK_WIDGET (gtk_widget_get_template_child (view, DG_TYPE_PREDICTION_VIEW,
                                                               "prediction_card"));
  GtkLabel *confidence = GTK_LABEL (gtk_widget_get_template_child (view, DG_TYPE_PREDICTION_VIEW,
                                                                   "confidence_label"));
  float input[28 * 28] = { 0 };
  float sure[10] = { 0.001f, 0.001f, 0.001f, 0.001f, 0.99f, 0.001f, 0.001f, 0.001f, 0.002f, 0.001f };
  /* 4 first at 39 %, then 9 at 35 % */
  float unsure[10] = { 0.08f, 0.02f, 0.02f, 0.02f, 0.39f, 0.02f, 0.02f, 0.02f, 0.06f, 0.35f };

  g_assert_cmpint (dg_prediction_view_get_verdict (DG_PREDICTION_VIEW (view)), ==, NN_VERDICT_BLANK);
  dg_prediction_view_show_result (DG_PREDICTION_VIEW (view), sure, input, NULL, NULL);
  g_assert_false (gtk_widget_has_css_class (card, "unsure"));
  g_assert_false (gtk_widget_has_css_class (card, "not-a-digit"));
  g_assert_cmpint (dg_prediction_view_get_verdict (DG_PREDICTION_VIEW (view)), ==, NN_VERDICT_DIGIT);

  dg_prediction_view_show_result (DG_PREDICTION_VIEW (view), unsure, input, NULL, NULL);
  g_assert_cmpint (dg_prediction_view_get_digit (DG_PREDICTION_VIEW (view)), ==, 4);
  g_assert_true (gtk_widget_has_css_class (card, "unsure"));
  g_assert_true (g_str_has_prefix (gtk_label_get_text (confidence), "Only "));

  dg_prediction_view_set_verdict (DG_PREDICTION_VIEW (view), NN_VERDICT_NOT_A_DIGIT);
  g_assert_true (gtk_widget_has_css_class (card, "not-a-digit"));
  g_assert_false (gtk_widget_has_css_class (card, "unsure"));
  g_assert_cmpstr (gtk_label_get_text (confidence), ==, "That doesn’t look like a digit");
  g_assert_cmpint (dg_prediction_view_get_verdict (DG_PREDICTION_VIEW (view)), ==,
                   NN_VERDICT_NOT_A_DIGIT);

  /* the next reading starts over */
  dg_prediction_view_show_result (DG_PREDICTION_VIEW (view), sure, input, NULL, NULL);
  g_assert_false (gtk_widget_has_css_class (card, "not-a-digit"));
  g_assert_cmpint (dg_prediction_view_get_verdict (DG_PREDICTION_VIEW (view)), ==, NN_VERDICT_DIGIT);
  g_object_unref (view);
}

/* Two bars drawn touching are one blob of ink, but two strokes: the number
 * reader sets them apart and reads 11, with the boxes where they were drawn; the
 * two strokes of a 7 stay one digit. */
static void
test_number_reader (void)
{
  const char *src = g_getenv ("DIGITS_SOURCE_DIR");
  g_autofree char *path = g_build_filename (src, "models", "mnist_cnn.keras", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(DgModel) model = dg_model_load (path, &error);
  GtkWidget *canvas = g_object_ref_sink (dg_canvas_new ());
  DgNumberRead nr = { 0 };
  float input[28 * 28];
  double placement[3];

  g_assert_no_error (error);
  dg_canvas_set_width_units (DG_CANVAS (canvas), 3 * DG_CANVAS_UNITS);
  g_assert_cmpint (dg_canvas_get_width_units (DG_CANVAS (canvas)), ==, 840);
  g_assert_true (dg_number_read_canvas (&nr, model, DG_CANVAS (canvas), &error));
  g_assert_cmpint (nr.reading.verdict, ==, NN_NUMBER_BLANK);

  dg_canvas_set_brush_size (DG_CANVAS (canvas), 14);
  draw_line (DG_CANVAS (canvas), 100, 40, 100, 240);
  draw_line (DG_CANVAS (canvas), 112, 40, 112, 240);
  g_assert_true (dg_number_read_canvas (&nr, model, DG_CANVAS (canvas), &error));
  g_assert_no_error (error);
  g_assert_cmpint (nr.reading.n, ==, 2);
  g_assert_cmpstr (nr.reading.number, ==, "11");
  /* the boxes are on the canvas, not in the spread-out picture */
  g_assert_cmpint (ABS (nr.reading.digits[0].x - 93), <=, 2);
  g_assert_cmpint (ABS (nr.reading.digits[1].x - 105), <=, 2);
  g_assert_true (dg_number_read_input (&nr, 1, input, placement));
  /* the field's centre (pixel 14's middle, 14.5) lies on the bar's centre, to the
   * half field pixel the preprocessing's centring rounds to */
  g_assert_cmpfloat (ABS (placement[0] + 0.5 / placement[2] - 112), <, 0.5 / placement[2] + 1);

  /* a 7 in two strokes, and a 1 far to its right */
  dg_canvas_clear (DG_CANVAS (canvas));
  draw_line (DG_CANVAS (canvas), 70, 60, 210, 60);
  draw_line (DG_CANVAS (canvas), 205, 65, 125, 235);
  draw_line (DG_CANVAS (canvas), 400, 50, 395, 235);
  g_assert_true (dg_number_read_canvas (&nr, model, DG_CANVAS (canvas), &error));
  g_assert_cmpint (nr.reading.n, ==, 2);
  g_assert_cmpstr (nr.reading.number, ==, "71");
  dg_number_read_clear (&nr);
  g_object_unref (canvas);
}

static void
test_sample_save (void)
{
  g_autofree char *dir = g_dir_make_tmp ("digits-samples-XXXXXX", NULL);
  g_autoptr(DgSettings) settings = dg_settings_new ();
  g_autofree guint8 *grey = g_malloc0 (280 * 280);
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;
  g_autoptr(NnGreyImage) back = NULL;
  DgSampleDialog *dialog;
  int counts[10];

  for (int y = 40; y < 240; y++)
    for (int x = 130; x < 150; x++)
      grey[y * 280 + x] = 255;
  dg_settings_set_samples_folder (settings, dir);
  dialog = dg_sample_dialog_new (NULL, settings, grey, 280, 280, 3);
  path = dg_sample_dialog_save (dialog, &error);
  g_assert_no_error (error);
  g_assert_nonnull (path);
  g_assert_true (g_str_has_prefix (path, dir));
  g_assert_nonnull (strstr (path, "/3/3-"));
  back = nn_grey_image_load (path, &error);
  g_assert_no_error (error);
  g_assert_cmpint (back->width, ==, 280);
  g_assert_cmpmem (back->pixels, 280 * 280, grey, 280 * 280);
  dg_sample_count_folder (dir, counts);
  g_assert_cmpint (counts[3], ==, 1);
  g_assert_cmpint (counts[0] + counts[1] + counts[2] + counts[4], ==, 0);
  gtk_window_destroy (GTK_WINDOW (dialog));
  dg_settings_set_samples_folder (settings, "");
}

/* Model names: paths and hidden files are refused with the reason; a model is
 * renamed only to a free name, and comes back from the trash where it was. */
static void
test_model_files (void)
{
  g_autofree char *dir = g_build_filename (g_get_user_data_dir (), "digits", "models", NULL);
  g_autofree char *path = g_build_filename (dir, "my_cnn.keras", NULL);
  g_autofree char *other = g_build_filename (dir, "taken.keras", NULL);
  g_autofree char *renamed = NULL;
  g_autofree char *problem = NULL;
  g_autoptr(GError) error = NULL;

  problem = dg_model_name_problem ("../../../evil/na me");
  g_assert_nonnull (strstr (problem, "“/”"));
  g_clear_pointer (&problem, g_free);
  problem = dg_model_name_problem ("a\\b");
  g_assert_nonnull (problem);
  g_clear_pointer (&problem, g_free);
  problem = dg_model_name_problem (".hidden");
  g_assert_nonnull (strstr (problem, "dot"));
  g_clear_pointer (&problem, g_free);
  problem = dg_model_name_problem ("  ");
  g_assert_nonnull (problem);
  g_clear_pointer (&problem, g_free);
  g_assert_null (dg_model_name_problem ("my cnn-2.keras"));

  g_assert_cmpint (g_mkdir_with_parents (dir, 0755), ==, 0);
  g_assert_true (g_file_set_contents (path, "model", -1, NULL));
  g_assert_true (g_file_set_contents (other, "other", -1, NULL));
  g_assert_true (dg_model_file_is_users (path));
  g_assert_false (dg_model_file_is_users ("/usr/share/digits/models/mnist_cnn.keras"));

  /* never over another model, never with a refused name */
  g_assert_null (dg_model_file_rename (path, "taken", &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_EXISTS);
  g_clear_error (&error);
  g_assert_null (dg_model_file_rename (path, "../escaped", &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_FILENAME);
  g_clear_error (&error);
  renamed = dg_model_file_rename (path, " renamed.keras ", &error);
  g_assert_no_error (error);
  g_assert_true (g_str_has_suffix (renamed, "/models/renamed.keras"));
  g_assert_true (g_file_test (renamed, G_FILE_TEST_IS_REGULAR));
  g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));

  /* the trash and back */
  g_assert_true (dg_model_file_trash (renamed, &error));
  g_assert_no_error (error);
  g_assert_false (g_file_test (renamed, G_FILE_TEST_EXISTS));
  g_assert_true (dg_model_file_restore (renamed, &error));
  g_assert_no_error (error);
  g_assert_true (g_file_test (renamed, G_FILE_TEST_IS_REGULAR));
  g_assert_false (dg_model_file_restore (renamed, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
  g_remove (renamed);
  g_remove (other);
}

int
main (int argc, char **argv)
{
  /* a home of its own: the model-file test writes models and uses the trash */
  g_autofree char *home = g_dir_make_tmp ("digits-widgets-XXXXXX", NULL);
  g_autofree char *data = g_build_filename (home, ".local", "share", NULL);
  int status;

  g_setenv ("HOME", home, TRUE);
  g_setenv ("XDG_DATA_HOME", data, TRUE);
  gtk_test_init (&argc, &argv, NULL);
  adw_init ();

  g_test_add_func ("/canvas/history", test_canvas_history);
  g_test_add_func ("/canvas/raster", test_canvas_raster);
  g_test_add_func ("/canvas/image", test_canvas_image);
  g_test_add_func ("/prob-bars/labels", test_prob_bars_labels);
  g_test_add_func ("/prob-bars/percent", test_percent_text);
  g_test_add_func ("/colormap/viridis", test_colormap);
  g_test_add_func ("/model-list/discovery", test_model_list);
  g_test_add_func ("/settings/typed", test_settings);
  g_test_add_func ("/model/load-predict", test_model);
  g_test_add_func ("/sample/save", test_sample_save);
  g_test_add_func ("/prediction-view/styles", test_prediction_styles);
  g_test_add_func ("/number/reader", test_number_reader);
  g_test_add_func ("/model-files/name-rename-trash", test_model_files);
  status = g_test_run ();
  {
    /* the home of its own goes with the test */
    const char *rm[] = { "rm", "-rf", home, NULL };
    g_spawn_sync (NULL, (char **) rm, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL, NULL, NULL, NULL);
  }
  return status;
}
