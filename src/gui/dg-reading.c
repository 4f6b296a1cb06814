/* dg-reading.c: the drawing and its reading on the clipboard and in a PNG (see dg-reading.h). */
#include "dg-config.h"
#include "dg-reading.h"
#include "dg-colormap.h"
#include "dg-file-chooser.h"
#include "dg-prob-bars.h"

#include <string.h>

#define EXPORT_W 640
#define EXPORT_H 320

DgReading *
dg_reading_new (DgCanvas *canvas, DgModel *model, const float *input, int digit)
{
  DgReading *r;

  g_return_val_if_fail (DG_IS_CANVAS (canvas), NULL);
  r = g_new0 (DgReading, 1);
  r->side = r->width = DG_CANVAS_UNITS;
  r->grey = g_malloc ((gsize) r->side * r->side);
  dg_canvas_render_grey (canvas, r->grey);
  r->digit = -1;
  if (model && input && digit >= 0 && dg_model_predict (model, input, r->probs, NULL))
    {
      const float *heat = dg_canvas_get_heatmap_picture (canvas);

      r->digit = digit;
      r->model = g_strdup (dg_model_get_title (model));
      /* the map as the canvas lays it: the user's method, aligned with the ink */
      if (heat && dg_canvas_get_width_units (canvas) == DG_CANVAS_UNITS)
        r->heat = g_memdup2 (heat, (gsize) r->side * r->side * sizeof (float));
    }
  return r;
}

void
dg_reading_set_number (DgReading *r, DgCanvas *canvas, const char *number)
{
  int stride;

  g_return_if_fail (r != NULL && DG_IS_CANVAS (canvas));
  r->width = dg_canvas_get_width_units (canvas);
  stride = cairo_format_stride_for_width (CAIRO_FORMAT_A8, r->width);
  g_free (r->grey);
  r->grey = g_malloc ((gsize) stride * r->side);
  dg_canvas_render_grey_shifted (canvas, r->grey, r->width, r->side, stride, 1, NULL);
  for (int y = 1; y < r->side && stride != r->width; y++) /* packed rows */
    memmove (r->grey + (gsize) y * r->width, r->grey + (gsize) y * stride, r->width);
  g_clear_pointer (&r->heat, g_free);
  g_free (r->number);
  r->number = number && number[0] ? g_strdup (number) : NULL;
}

void
dg_reading_free (DgReading *r)
{
  if (!r)
    return;
  g_free (r->grey);
  g_free (r->heat);
  g_free (r->number);
  g_free (r->model);
  g_free (r);
}

static GdkTexture *
drawing_texture (const DgReading *r)
{
  gsize n = (gsize) r->width * r->side;
  guint8 *rgb = g_malloc (n * 3);
  g_autoptr(GBytes) bytes = NULL;

  /* GDK 4.8 has no 8-bit grey format */
  for (gsize i = 0; i < n; i++)
    rgb[3 * i] = rgb[3 * i + 1] = rgb[3 * i + 2] = r->grey[i];
  bytes = g_bytes_new_take (rgb, n * 3);
  return gdk_memory_texture_new (r->width, r->side, GDK_MEMORY_R8G8B8, bytes, (gsize) r->width * 3);
}

GdkContentProvider *
dg_reading_content_provider (const DgReading *r)
{
  g_autoptr(GdkTexture) texture = NULL;
  GdkContentProvider *providers[2];
  guint n = 0;

  g_return_val_if_fail (r != NULL, NULL);
  if (r->number)
    providers[n++] = gdk_content_provider_new_typed (G_TYPE_STRING, r->number);
  else if (r->digit >= 0)
    {
      char text[2] = { (char) ('0' + r->digit), 0 };
      providers[n++] = gdk_content_provider_new_typed (G_TYPE_STRING, text);
    }
  texture = drawing_texture (r);
  providers[n++] = gdk_content_provider_new_typed (GDK_TYPE_TEXTURE, texture);
  return gdk_content_provider_new_union (providers, n);
}

/* ---- the exported picture ------------------------------------------------------------ */

static void
paint_drawing (cairo_t *cr, const DgReading *r, double x, double y, double side)
{
  cairo_surface_t *grey = cairo_image_surface_create (CAIRO_FORMAT_RGB24, r->side, r->side);
  guint32 *px = (guint32 *) cairo_image_surface_get_data (grey);
  int stride = cairo_image_surface_get_stride (grey) / 4;

  cairo_surface_flush (grey);
  for (int j = 0; j < r->side; j++)
    for (int i = 0; i < r->side; i++)
      {
        guint32 v = r->grey[j * r->side + i];
        px[j * stride + i] = (v << 16) | (v << 8) | v;
      }
  cairo_surface_mark_dirty (grey);
  cairo_save (cr);
  cairo_translate (cr, x, y);
  cairo_scale (cr, side / r->side, side / r->side);
  cairo_set_source_surface (cr, grey, 0, 0);
  cairo_paint (cr);
  cairo_restore (cr);
  cairo_surface_destroy (grey);

  if (r->heat)
    {
      cairo_surface_t *heat = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, r->side, r->side);
      cairo_pattern_t *pattern;

      cairo_surface_flush (heat);
      dg_colormap_fill_argb ((guint32 *) cairo_image_surface_get_data (heat),
                             cairo_image_surface_get_stride (heat) / 4, r->heat, r->side, r->side,
                             0.55f, 0.0f);
      cairo_surface_mark_dirty (heat);
      cairo_save (cr);
      cairo_translate (cr, x, y);
      cairo_scale (cr, side / r->side, side / r->side);
      pattern = cairo_pattern_create_for_surface (heat);
      cairo_pattern_set_filter (pattern, CAIRO_FILTER_BILINEAR);
      cairo_set_source (cr, pattern);
      cairo_rectangle (cr, 0, 0, r->side, r->side);
      cairo_fill (cr);
      cairo_pattern_destroy (pattern);
      cairo_restore (cr);
      cairo_surface_destroy (heat);
    }
}

static void
paint_text (cairo_t *cr, double x, double y, double size, gboolean bold, const char *text)
{
  cairo_select_font_face (cr, "sans-serif", CAIRO_FONT_SLANT_NORMAL,
                          bold ? CAIRO_FONT_WEIGHT_BOLD : CAIRO_FONT_WEIGHT_NORMAL);
  cairo_set_font_size (cr, size);
  cairo_move_to (cr, x, y);
  cairo_show_text (cr, text);
}

static void
paint_reading (cairo_t *cr, const DgReading *r, double x)
{
  char digit[2] = { (char) ('0' + MAX (r->digit, 0)), 0 };
  g_autofree char *number = g_strdup_printf ("%.0f", 100.0 * r->probs[r->digit]);
  g_autofree char *percent = dg_percent_text (number);
  /* TRANSLATORS: in an exported picture, under the digit read: "97% sure" */
  g_autofree char *sure = g_strdup_printf (_("%s sure"), percent);
  double bar_x = x, bar_y = 200, bar_w = 24, bar_h = 70;

  cairo_set_source_rgb (cr, 0.12, 0.12, 0.14);
  paint_text (cr, x, 130, 120, TRUE, digit);
  paint_text (cr, x + 90, 80, 22, FALSE, sure);
  cairo_set_source_rgb (cr, 0.4, 0.4, 0.44);
  if (r->model)
    paint_text (cr, x + 90, 112, 14, FALSE, r->model);
  for (int d = 0; d < DG_N_CLASSES; d++)
    {
      char label[2] = { (char) ('0' + d), 0 };
      double h = MAX (1.0, bar_h * CLAMP (r->probs[d], 0.0f, 1.0f));
      double bx = bar_x + d * (bar_w + 4);

      if (d == r->digit)
        cairo_set_source_rgb (cr, 0.21, 0.52, 0.89);
      else
        cairo_set_source_rgb (cr, 0.6, 0.6, 0.64);
      cairo_rectangle (cr, bx, bar_y + bar_h - h, bar_w, h);
      cairo_fill (cr);
      cairo_set_source_rgb (cr, 0.3, 0.3, 0.34);
      paint_text (cr, bx + 7, bar_y + bar_h + 18, 13, FALSE, label);
    }
}

cairo_surface_t *
dg_reading_render (const DgReading *r)
{
  cairo_surface_t *surface = cairo_image_surface_create (CAIRO_FORMAT_RGB24, EXPORT_W, EXPORT_H);
  cairo_t *cr = cairo_create (surface);

  g_return_val_if_fail (r != NULL, surface);
  cairo_set_source_rgb (cr, 0.98, 0.98, 0.98);
  cairo_paint (cr);
  paint_drawing (cr, r, 20, 20, EXPORT_H - 40);
  if (r->digit >= 0)
    paint_reading (cr, r, EXPORT_H + 20);
  cairo_destroy (cr);
  cairo_surface_flush (surface);
  return surface;
}

/* ---- export, off the GUI thread ------------------------------------------------------ */

typedef struct {
  DgReading *reading;
  char *path;
} Export;

static void
export_free (gpointer data)
{
  Export *e = data;

  dg_reading_free (e->reading);
  g_free (e->path);
  g_free (e);
}

static cairo_status_t
append_bytes (void *closure, const unsigned char *data, unsigned int length)
{
  g_byte_array_append (closure, data, length);
  return CAIRO_STATUS_SUCCESS;
}

static void
export_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  Export *e = task_data;
  cairo_surface_t *surface = dg_reading_render (e->reading);
  g_autoptr(GByteArray) png = g_byte_array_new ();
  cairo_status_t status = cairo_surface_write_to_png_stream (surface, append_bytes, png);
  GError *error = NULL;

  cairo_surface_destroy (surface);
  if (status != CAIRO_STATUS_SUCCESS)
    g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_FAILED, _("Could not encode %s: %s"),
                             e->path, cairo_status_to_string (status));
  else if (g_task_return_error_if_cancelled (task))
    return;
  /* g_file_set_contents writes a temporary file beside path and renames it */
  else if (!g_file_set_contents (e->path, (const char *) png->data, (gssize) png->len, &error))
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

void
dg_reading_export_async (DgReading *r, const char *path, GCancellable *cancellable,
                         GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr(GTask) task = g_task_new (NULL, cancellable, callback, user_data);
  Export *e = g_new0 (Export, 1);

  e->reading = r;
  e->path = g_strdup (path);
  g_task_set_source_tag (task, dg_reading_export_async);
  g_task_set_task_data (task, e, export_free);
  g_task_run_in_thread (task, export_thread);
}

gboolean
dg_reading_export_finish (GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

/* ---- Export Reading… ------------------------------------------------------------------ */

typedef struct {
  DgContext *context;
  char *name;
} Asked;

static void
on_exported (GObject *source, GAsyncResult *result, gpointer data)
{
  Asked *a = data;
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;

  if (dg_reading_export_finish (result, &error))
    {
      /* TRANSLATORS: a toast; %s is a file name */
      text = g_strdup_printf (_("Exported “%s”"), a->name);
      dg_context_toast_about (a->context, "export", text, NULL);
    }
  else
    {
      /* TRANSLATORS: a toast; %s is a file name. Details has the reason */
      text = g_strdup_printf (_("Could not export “%s”"), a->name);
      dg_context_toast_about (a->context, "export", text, error->message);
    }
  g_object_unref (a->context);
  g_free (a->name);
  g_free (a);
}

static void
on_export_chosen (gpointer object, const char *path)
{
  DgReading *r = g_object_steal_data (G_OBJECT (object), "dg-reading-export");
  DgContext *context = g_object_get_data (G_OBJECT (object), "dg-reading-context");
  Asked *a;

  if (!r || !context)
    return;
  a = g_new0 (Asked, 1);
  a->context = g_object_ref (context);
  a->name = g_path_get_basename (path);
  dg_reading_export_async (r, path, NULL, on_exported, a);
}

void
dg_reading_export_ask (DgReading *r, GtkWidget *parent, DgContext *context)
{
  const char *pictures = g_get_user_special_dir (G_USER_DIRECTORY_PICTURES);
  GtkFileChooserNative *chooser;
  g_autofree char *name = r->digit >= 0 ? g_strdup_printf ("digit-%d.png", r->digit)
                                        : g_strdup ("digit.png");

  g_return_if_fail (r != NULL && GTK_IS_WIDGET (parent) && DG_IS_CONTEXT (context));
  /* the chooser answers on parent: the reading waits there (a newer one replaces it) */
  g_object_set_data_full (G_OBJECT (parent), "dg-reading-export", r, (GDestroyNotify) dg_reading_free);
  g_object_set_data_full (G_OBJECT (parent), "dg-reading-context", g_object_ref (context),
                          g_object_unref);
  chooser = dg_file_chooser_new (parent, _("Export Reading"), GTK_FILE_CHOOSER_ACTION_SAVE,
                                 _("_Export"), pictures ? pictures : g_get_home_dir ());
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (chooser), name);
  dg_file_chooser_add_filter (chooser, _("PNG Images"), "*.png");
  dg_file_chooser_run (chooser, on_export_chosen, parent);
}
