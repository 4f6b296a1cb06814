/* test-image-util.h: writing test PNGs and JPEGs with libpng and libjpeg. */
#pragma once

#include <glib.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <jpeglib.h>
#include <png.h>

/* Writes a PNG of the given colour type and bit depth. rows are packed as
 * libpng expects them (16-bit samples big-endian). palette and trns may be NULL. */
static inline void
test_write_png (const char *path, int w, int h, int color_type, int depth, guint8 **rows,
                const png_color *palette, int npalette, const guint8 *trns, int ntrns,
                gboolean interlace)
{
  FILE *fp = fopen (path, "wb");
  g_assert_nonnull (fp);
  png_structp png = png_create_write_struct (PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
  png_infop info = png_create_info_struct (png);
  g_assert_nonnull (info);
  if (setjmp (png_jmpbuf (png)))
    g_error ("libpng failed writing %s", path);
  png_init_io (png, fp);
  png_set_IHDR (png, info, (png_uint_32) w, (png_uint_32) h, depth, color_type,
                interlace ? PNG_INTERLACE_ADAM7 : PNG_INTERLACE_NONE,
                PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
  if (palette)
    png_set_PLTE (png, info, palette, npalette);
  if (trns)
    png_set_tRNS (png, info, trns, ntrns, NULL);
  png_write_info (png, info);
  png_write_image (png, rows);
  png_write_end (png, NULL);
  png_destroy_write_struct (&png, &info);
  fclose (fp);
}

/* Writes a JPEG; components 1 (grey), 3 (RGB, stored as YCbCr) or 4 (CMYK). */
static inline void
test_write_jpeg_exif (const char *path, int w, int h, int components, const guint8 *pixels,
                      int quality, int orientation)
{
  FILE *fp = fopen (path, "wb");
  g_assert_nonnull (fp);
  struct jpeg_compress_struct c;
  struct jpeg_error_mgr err;
  c.err = jpeg_std_error (&err);
  jpeg_create_compress (&c);
  jpeg_stdio_dest (&c, fp);
  c.image_width = (JDIMENSION) w;
  c.image_height = (JDIMENSION) h;
  c.input_components = components;
  c.in_color_space = components == 1 ? JCS_GRAYSCALE : components == 3 ? JCS_RGB : JCS_CMYK;
  jpeg_set_defaults (&c);
  jpeg_set_quality (&c, quality, TRUE);
  jpeg_start_compress (&c, TRUE);
  if (orientation > 0)
    {
      /* A minimal big-endian EXIF block with one IFD0 entry: Orientation. */
      guint8 exif[] = { 'E', 'x', 'i', 'f', 0, 0, 'M', 'M', 0, 42, 0, 0, 0, 8,
                        0, 1, 0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, (guint8) orientation, 0, 0,
                        0, 0, 0, 0 };
      jpeg_write_marker (&c, JPEG_APP0 + 1, exif, sizeof exif);
    }
  while (c.next_scanline < c.image_height)
    {
      JSAMPROW row = (JSAMPROW) (pixels + (size_t) c.next_scanline * w * components);
      jpeg_write_scanlines (&c, &row, 1);
    }
  jpeg_finish_compress (&c);
  jpeg_destroy_compress (&c);
  fclose (fp);
}

static inline void
test_write_jpeg (const char *path, int w, int h, int components, const guint8 *pixels, int quality)
{
  test_write_jpeg_exif (path, w, h, components, pixels, quality, 0);
}

/* An 8-bit grey PNG from packed pixels. */
static inline void
test_write_grey_png (const char *path, int w, int h, const guint8 *pixels)
{
  guint8 **rows = g_new (guint8 *, h);
  for (int y = 0; y < h; y++)
    rows[y] = (guint8 *) pixels + (size_t) y * w;
  test_write_png (path, w, h, PNG_COLOR_TYPE_GRAY, 8, rows, NULL, 0, NULL, 0, FALSE);
  g_free (rows);
}

/* Anti-aliased thick polyline on a grey canvas: ink value pulled toward `ink`. */
static inline void
test_draw_stroke (guint8 *canvas, int w, int h, const double *pts, int npts, double radius,
                  guint8 ink)
{
  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++)
      {
        double px = x + 0.5, py = y + 0.5, best = 1e30;
        for (int i = 0; i + 1 < npts; i++)
          {
            double ax = pts[2 * i], ay = pts[2 * i + 1], bx = pts[2 * i + 2], by = pts[2 * i + 3];
            double dx = bx - ax, dy = by - ay, len2 = dx * dx + dy * dy;
            double t = len2 > 0 ? ((px - ax) * dx + (py - ay) * dy) / len2 : 0;
            t = t < 0 ? 0 : t > 1 ? 1 : t;
            double ex = ax + t * dx - px, ey = ay + t * dy - py, d2 = ex * ex + ey * ey;
            if (d2 < best)
              best = d2;
          }
        double cover = radius + 0.5 - sqrt (best);
        cover = cover < 0 ? 0 : cover > 1 ? 1 : cover;
        guint8 *p = canvas + (size_t) y * w + x;
        if (cover > 0)
          *p = (guint8) lround (*p + (ink - *p) * cover);
      }
}
