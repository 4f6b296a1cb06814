/* dg-image-reader.c: pictures to model input and canvas ink, in a worker thread.
 *
 * The canvas shows the picture itself, its background level brought to black and
 * its strongest ink to white, so a photo of pencil on grey paper reads as a
 * drawing; the model reads the input made from the picture's own pixels, as the
 * CLI would, not from the canvas's 280 x 280 copy.
 */
#include "dg-config.h"
#include "dg-image-reader.h"
#include "nn-error.h"

#include <cairo.h>
#include <string.h>

void
dg_read_image_free (DgReadImage *image)
{
  g_free (image);
}

static int
compare_bytes (const void *a, const void *b)
{
  return *(const guint8 *) a - *(const guint8 *) b;
}

/* The picture's ink (white on black, background level 0, strongest ink 255) as
 * an A8 surface of its own size. */
static cairo_surface_t *
ink_surface (const guint8 *grey, int width, int height, NnBackground background)
{
  cairo_surface_t *surface = cairo_image_surface_create (CAIRO_FORMAT_A8, width, height);
  int stride = cairo_image_surface_get_stride (surface);
  guint8 *dst = cairo_image_surface_get_data (surface);
  gsize n = (gsize) width * height, step = MAX (1, n / 65536), k = 0;
  g_autofree guint8 *sample = g_malloc (n / step + 1);
  int lo, hi = 0;

  /* the background is most of the picture: its level is the median ink */
  for (gsize i = 0; i < n; i += step)
    {
      guint8 v = background == NN_BACKGROUND_LIGHT ? 255 - grey[i] : grey[i];
      sample[k++] = v;
      hi = MAX (hi, v);
    }
  qsort (sample, k, 1, compare_bytes);
  lo = sample[k / 2];
  if (hi <= lo)
    hi = lo + 1;
  cairo_surface_flush (surface);
  for (int y = 0; y < height; y++)
    for (int x = 0; x < width; x++)
      {
        int v = grey[(gsize) y * width + x];
        if (background == NN_BACKGROUND_LIGHT)
          v = 255 - v;
        dst[y * stride + x] = CLAMP ((v - lo) * 255 / (hi - lo), 0, 255);
      }
  cairo_surface_mark_dirty (surface);
  return surface;
}

DgReadImage *
dg_read_image_from_grey (const guint8 *grey, int width, int height, NnBackground background,
                         GError **error)
{
  g_autoptr(DgReadImage) image = g_new0 (DgReadImage, 1);
  cairo_surface_t *src, *dst;
  NnPreprocessInfo info;
  double fit, ox, oy;
  cairo_t *cr;

  g_return_val_if_fail (grey != NULL && width > 0 && height > 0, NULL);
  if (background == NN_BACKGROUND_AUTO)
    background = nn_detect_background (grey, width, height, width);
  if (!nn_preprocess_digit_info (grey, width, height, width, background, image->input, &info, error))
    return NULL;

  /* the picture fitted into the canvas, centred, area-averaged when it shrinks */
  fit = (double) DG_CANVAS_UNITS / MAX (width, height);
  ox = (DG_CANVAS_UNITS - width * fit) / 2;
  oy = (DG_CANVAS_UNITS - height * fit) / 2;
  src = ink_surface (grey, width, height, background);
  dst = cairo_image_surface_create_for_data (image->ink, CAIRO_FORMAT_A8, DG_CANVAS_UNITS,
                                             DG_CANVAS_UNITS, DG_CANVAS_UNITS);
  cr = cairo_create (dst);
  cairo_translate (cr, ox, oy);
  cairo_scale (cr, fit, fit);
  cairo_set_source_surface (cr, src, 0, 0);
  cairo_pattern_set_filter (cairo_get_source (cr), CAIRO_FILTER_GOOD);
  cairo_paint (cr);
  cairo_destroy (cr);
  cairo_surface_flush (dst);
  cairo_surface_destroy (dst);
  cairo_surface_destroy (src);

  /* field u = off_x + (x - x0) * scale, so field 14 is source x0 + (14 - off_x) / scale */
  image->placement[0] = ox + (info.x0 + (14.0 - info.off_x) / info.scale) * fit;
  image->placement[1] = oy + (info.y0 + (14.0 - info.off_y) / info.scale) * fit;
  image->placement[2] = info.scale / fit;
  return g_steal_pointer (&image);
}

static void
read_file_thread (GTask *task, gpointer object, gpointer data, GCancellable *cancellable)
{
  g_autofree char *path = g_file_get_path (G_FILE (data));
  g_autoptr(NnGreyImage) grey = NULL;
  GError *error = NULL;
  DgReadImage *image;

  if (!path)
    {
      g_autofree char *uri = g_file_get_uri (G_FILE (data));
      g_task_return_new_error (task, NN_ERROR, NN_ERROR_IO, "%s: not a local file", uri);
      return;
    }
  grey = nn_grey_image_load (path, &error);
  if (!grey || g_task_return_error_if_cancelled (task))
    {
      if (error)
        g_task_return_error (task, error);
      return;
    }
  image = dg_read_image_from_grey (grey->pixels, grey->width, grey->height, NN_BACKGROUND_AUTO,
                                   &error);
  if (image)
    g_task_return_pointer (task, image, (GDestroyNotify) dg_read_image_free);
  else
    g_task_return_error (task, error);
}

void
dg_read_image_file_async (GFile *file, GCancellable *cancellable, GAsyncReadyCallback callback,
                          gpointer data)
{
  g_autoptr(GTask) task = g_task_new (NULL, cancellable, callback, data);

  g_return_if_fail (G_IS_FILE (file));
  g_task_set_source_tag (task, dg_read_image_file_async);
  g_task_set_task_data (task, g_object_ref (file), g_object_unref);
  g_task_run_in_thread (task, read_file_thread);
}

typedef struct {
  int width, height;
  guint8 *argb; /* gdk_texture_download(): CAIRO_FORMAT_ARGB32, premultiplied */
} TextureData;

static void
texture_data_free (gpointer data)
{
  TextureData *t = data;

  g_free (t->argb);
  g_free (t);
}

static void
read_texture_thread (GTask *task, gpointer object, gpointer data, GCancellable *cancellable)
{
  TextureData *t = data;
  g_autofree guint8 *grey = g_malloc ((gsize) t->width * t->height);
  GError *error = NULL;
  DgReadImage *image;

  /* as the file reader does: Rec. 601 luma, alpha composited over white (the
   * colours are premultiplied already) */
  for (gsize i = 0; i < (gsize) t->width * t->height; i++)
    {
      guint32 p = ((const guint32 *) t->argb)[i];
      double luma = 0.299 * ((p >> 16) & 0xff) + 0.587 * ((p >> 8) & 0xff) + 0.114 * (p & 0xff);
      grey[i] = (guint8) CLAMP (luma + 255 - (p >> 24) + 0.5, 0, 255);
    }
  image = dg_read_image_from_grey (grey, t->width, t->height, NN_BACKGROUND_AUTO, &error);
  if (image)
    g_task_return_pointer (task, image, (GDestroyNotify) dg_read_image_free);
  else
    g_task_return_error (task, error);
}

void
dg_read_image_texture_async (GdkTexture *texture, GCancellable *cancellable,
                             GAsyncReadyCallback callback, gpointer data)
{
  g_autoptr(GTask) task = g_task_new (NULL, cancellable, callback, data);
  TextureData *t;

  g_return_if_fail (GDK_IS_TEXTURE (texture));
  g_task_set_source_tag (task, dg_read_image_texture_async);
  t = g_new0 (TextureData, 1);
  t->width = gdk_texture_get_width (texture);
  t->height = gdk_texture_get_height (texture);
  g_task_set_task_data (task, t, texture_data_free);
  if ((gint64) t->width * t->height > NN_IMAGE_MAX_PIXELS)
    {
      g_task_return_new_error (task, NN_ERROR, NN_ERROR_FORMAT,
                               "the pasted picture is larger than %d pixels", NN_IMAGE_MAX_PIXELS);
      return;
    }
  t->argb = g_malloc ((gsize) t->width * t->height * 4);
  gdk_texture_download (texture, t->argb, (gsize) t->width * 4);
  g_task_run_in_thread (task, read_texture_thread);
}

DgReadImage *
dg_read_image_finish (GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (G_IS_TASK (result), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}
