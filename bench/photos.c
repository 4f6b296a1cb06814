/* photos.c: seeded photos of digits on paper (see photos.h). */
#include "photos.h"

#include <cairo.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <jpeglib.h>

/* The fonts of tests/finetune/font-digits.c. */
static const char *const fonts[] = {
  "Comic Neue", "DkgHandwriting", "Humor Sans", "Breip", "Dancing Script", "Kristi",
};
static const char *const paper_names[] = { "plain", "ruled", "squares" };

const char *
photo_paper_name (PhotoPaper paper)
{
  return paper < PHOTO_N_PAPERS ? paper_names[paper] : "?";
}

static double
rnd (GRand *r, double lo, double hi)
{
  return g_rand_double_range (r, lo, hi);
}

/* A normal deviate (Box-Muller). */
static double
gauss (GRand *r)
{
  double u = g_rand_double_range (r, 1e-12, 1.0), v = g_rand_double (r);
  return sqrt (-2 * log (u)) * cos (2 * G_PI * v);
}

static void
rule_lines (cairo_t *cr, GRand *r, PhotoPaper paper, int w, int h, double level)
{
  int side = MIN (w, h);
  double gap = rnd (r, .04, .09) * side, lw = MAX (1.0, rnd (r, 1.0, 2.5) * side / 600.0);
  double shade = rnd (r, .55, .8);

  /* Notebook blue, lighter than the ink. */
  cairo_set_source_rgb (cr, shade * level * .8, shade * level * .9, level * rnd (r, .9, 1.0));
  cairo_set_line_width (cr, lw);
  for (double y = rnd (r, 0, gap); y < h; y += gap)
    cairo_move_to (cr, 0, y), cairo_line_to (cr, w, y);
  if (paper == PHOTO_SQUARES)
    for (double x = rnd (r, 0, gap); x < w; x += gap)
      cairo_move_to (cr, x, 0), cairo_line_to (cr, x, h);
  cairo_stroke (cr);
  if (paper == PHOTO_RULED && g_rand_boolean (r))
    {
      double x = rnd (r, .05, .18) * w; /* the red margin */
      cairo_set_source_rgb (cr, level * .95, level * .45, level * .45);
      cairo_move_to (cr, x, 0), cairo_line_to (cr, x, h);
      cairo_stroke (cr);
    }
}

static void
glyph (cairo_t *cr, GRand *r, int digit, int w, int h, gboolean effects, double *share)
{
  char text[2] = { (char) ('0' + digit), 0 };
  cairo_text_extents_t ext;
  double target = rnd (r, .2, 2.0 / 3) * MIN (w, h);
  gboolean bold = g_rand_int_range (r, 0, 4) == 0;

  cairo_select_font_face (cr, fonts[g_rand_int_range (r, 0, G_N_ELEMENTS (fonts))],
                          CAIRO_FONT_SLANT_NORMAL,
                          bold ? CAIRO_FONT_WEIGHT_BOLD : CAIRO_FONT_WEIGHT_NORMAL);
  cairo_set_font_size (cr, 100);
  cairo_text_extents (cr, text, &ext);
  cairo_set_font_size (cr, 100 * target / MAX (ext.height, 1));
  cairo_text_extents (cr, text, &ext);
  *share = ext.height / MIN (w, h);

  /* Anywhere on the page that keeps the whole glyph (turned a little) on it. */
  double half = .6 * MAX (ext.width, ext.height) + 4;
  double cx = w / 2.0 + rnd (r, -1, 1) * MAX (0.0, w / 2.0 - half);
  double cy = h / 2.0 + rnd (r, -1, 1) * MAX (0.0, h / 2.0 - half);
  double turn = rnd (r, -8, 8) * G_PI / 180, ink = rnd (r, .03, .25), blue = rnd (r, 0, .3);
  double extra = rnd (r, 0, .03) * target;

  cairo_save (cr);
  cairo_translate (cr, cx, cy);
  cairo_rotate (cr, turn);
  cairo_move_to (cr, -ext.x_bearing - ext.width / 2, -ext.y_bearing - ext.height / 2);
  cairo_text_path (cr, text);
  if (effects)
    cairo_set_source_rgb (cr, ink, ink, ink + blue);
  else
    cairo_set_source_rgb (cr, 0, 0, 0);
  cairo_fill_preserve (cr);
  cairo_set_line_width (cr, extra);
  cairo_set_line_join (cr, CAIRO_LINE_JOIN_ROUND);
  if (extra > 0.5)
    cairo_stroke (cr);
  cairo_new_path (cr);
  cairo_restore (cr);
}

void
photo_render (int digit, guint32 seed, gboolean effects, PhotoImage *out)
{
  GRand *r = g_rand_new_with_seed (seed * 7919u + (guint32) digit);
  int w = g_rand_int_range (r, 300, 1201);
  int h = CLAMP ((int) lround (w * rnd (r, .75, 1.33)), 300, 1200);
  cairo_surface_t *surf = cairo_image_surface_create (CAIRO_FORMAT_RGB24, w, h);
  cairo_t *cr = cairo_create (surf);
  double level = rnd (r, .78, .97), tint[3] = { rnd (r, .95, 1), rnd (r, .93, 1), rnd (r, .82, 1) };
  PhotoPaper paper = g_rand_int_range (r, 0, PHOTO_N_PAPERS);
  /* Drawn whatever effects says, so that the glyph is the same either way. */
  double gx = rnd (r, -1, 1), gy = rnd (r, -1, 1), grad = rnd (r, 0, .45);
  double vig = rnd (r, 0, .4), noise = rnd (r, 1.5, 8);
  int quality = g_rand_int_range (r, 30, 91);
  GRand *lines = g_rand_new_with_seed (g_rand_int (r)); /* its own, so the glyph is the same */

  if (effects)
    cairo_set_source_rgb (cr, level * tint[0], level * tint[1], level * tint[2]);
  else
    cairo_set_source_rgb (cr, 1, 1, 1);
  cairo_paint (cr);
  if (effects && paper != PHOTO_PLAIN)
    rule_lines (cr, lines, paper, w, h, level);
  glyph (cr, r, digit, w, h, effects, &out->digit_share);
  cairo_surface_flush (surf);

  out->width = w, out->height = h, out->paper = effects ? paper : PHOTO_PLAIN;
  out->quality = quality;
  out->rgb = g_malloc ((size_t) w * h * 3);
  const guint8 *data = cairo_image_surface_get_data (surf);
  int stride = cairo_image_surface_get_stride (surf);
  double norm = sqrt (gx * gx + gy * gy) + 1e-9, side = MAX (w, h);
  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++)
      {
        const guint32 px = *(const guint32 *) (data + (size_t) y * stride + 4 * x);
        double dx = (x - w / 2.0) / side, dy = (y - h / 2.0) / side;
        /* Light falling off along (gx, gy), and towards the corners. */
        double gain = (1 + grad * (gx * dx + gy * dy) / norm) * (1 - vig * 2 * (dx * dx + dy * dy));
        for (int c = 0; c < 3; c++)
          {
            double v = (px >> (16 - 8 * c)) & 0xff;
            if (effects)
              v = v * gain + noise * gauss (r);
            out->rgb[((size_t) y * w + x) * 3 + c] = (guint8) CLAMP (lround (v), 0, 255);
          }
      }
  cairo_destroy (cr);
  cairo_surface_destroy (surf);
  g_rand_free (lines);
  g_rand_free (r);
}

void
photo_image_clear (PhotoImage *img)
{
  g_clear_pointer (&img->rgb, g_free);
}

gboolean
photo_save_jpeg (const PhotoImage *img, const char *path, GError **error)
{
  struct jpeg_compress_struct c;
  struct jpeg_error_mgr err;
  FILE *fp = fopen (path, "wb");

  if (fp == NULL)
    {
      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (errno), "Cannot write %s", path);
      return FALSE;
    }
  c.err = jpeg_std_error (&err); /* libjpeg exits on an error: a bench or test stops */
  jpeg_create_compress (&c);
  jpeg_stdio_dest (&c, fp);
  c.image_width = (JDIMENSION) img->width;
  c.image_height = (JDIMENSION) img->height;
  c.input_components = 3;
  c.in_color_space = JCS_RGB;
  jpeg_set_defaults (&c);
  jpeg_set_quality (&c, img->quality, TRUE);
  jpeg_start_compress (&c, TRUE);
  while (c.next_scanline < c.image_height)
    {
      JSAMPROW row = (JSAMPROW) (img->rgb + (size_t) c.next_scanline * img->width * 3);
      jpeg_write_scanlines (&c, &row, 1);
    }
  jpeg_finish_compress (&c);
  jpeg_destroy_compress (&c);
  if (fclose (fp) != 0)
    {
      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (errno), "Cannot write %s", path);
      return FALSE;
    }
  return TRUE;
}
