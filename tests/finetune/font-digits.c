/* font-digits: renders a my_digits-style folder of digits from handwriting fonts.
 *
 *   font-digits OUT_DIR [PER_CLASS] [SEED]
 *
 * Writes OUT_DIR/0 ... OUT_DIR/9, PER_CLASS PNGs each (default 40), 96 x 96 colour
 * images of dark ink on light paper, so they take the same road as a user's
 * scanned or photographed digits (polarity detection, crop, MNIST centring).
 * Each image picks a font, a rotation (+-15 degrees), a size, a stroke thickness
 * and an offset from a seeded generator: the same seed gives the same files.
 * The fonts are Debian packages: fonts-comic-neue, fonts-dkg-handwriting,
 * fonts-humor-sans, fonts-breip, fonts-dancingscript,
 * fonts-kristi. A missing font falls back to fontconfig's default face.
 * Not MNIST and never used for the shipped models: a fine-tuning demo and test set.
 */
#include <cairo.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

static const char *const fonts[] = {
  "Comic Neue", "DkgHandwriting", "Humor Sans", "Breip",
  "Dancing Script", "Kristi",
};

#define SIDE 96

static gboolean
render (const char *path, int digit, GRand *rng)
{
  cairo_surface_t *s = cairo_image_surface_create (CAIRO_FORMAT_RGB24, SIDE, SIDE);
  cairo_t *cr = cairo_create (s);
  // paper: light, slightly uneven tone
  double paper = g_rand_double_range (rng, 0.85, 1.0);
  cairo_set_source_rgb (cr, paper, paper, g_rand_double_range (rng, 0.8, 1.0) * paper);
  cairo_paint (cr);

  const char *family = fonts[g_rand_int_range (rng, 0, G_N_ELEMENTS (fonts))];
  gboolean bold = g_rand_int_range (rng, 0, 4) == 0;
  cairo_select_font_face (cr, family, CAIRO_FONT_SLANT_NORMAL,
                          bold ? CAIRO_FONT_WEIGHT_BOLD : CAIRO_FONT_WEIGHT_NORMAL);
  cairo_set_font_size (cr, g_rand_double_range (rng, 48, 72));

  char text[2] = { (char) ('0' + digit), 0 };
  cairo_text_extents_t ext;
  cairo_text_extents (cr, text, &ext);
  cairo_translate (cr, SIDE / 2.0 + g_rand_double_range (rng, -8, 8),
                   SIDE / 2.0 + g_rand_double_range (rng, -8, 8));
  cairo_rotate (cr, g_rand_double_range (rng, -15, 15) * G_PI / 180.0);
  cairo_move_to (cr, -ext.x_bearing - ext.width / 2, -ext.y_bearing - ext.height / 2);
  cairo_text_path (cr, text);
  double ink = g_rand_double_range (rng, 0.0, 0.3);
  cairo_set_source_rgb (cr, ink, ink, ink + g_rand_double_range (rng, 0, 0.3));
  cairo_fill_preserve (cr);
  // thickness: an extra stroke around the glyph outline, from none to heavy
  cairo_set_line_width (cr, g_rand_double_range (rng, 0.0, 5.0));
  cairo_set_line_join (cr, CAIRO_LINE_JOIN_ROUND);
  cairo_stroke (cr);

  cairo_destroy (cr);
  cairo_status_t st = cairo_surface_write_to_png (s, path);
  cairo_surface_destroy (s);
  if (st != CAIRO_STATUS_SUCCESS)
    {
      fprintf (stderr, "font-digits: cannot write %s: %s\n", path, cairo_status_to_string (st));
      return FALSE;
    }
  return TRUE;
}

int
main (int argc, char **argv)
{
  if (argc < 2 || argc > 4)
    {
      fprintf (stderr, "Usage: font-digits OUT_DIR [PER_CLASS] [SEED]\n");
      return 2;
    }
  int per_class = argc > 2 ? atoi (argv[2]) : 40;
  guint32 seed = argc > 3 ? (guint32) strtoul (argv[3], NULL, 10) : 7;
  if (per_class <= 0)
    {
      fprintf (stderr, "font-digits: PER_CLASS must be positive\n");
      return 2;
    }
  GRand *rng = g_rand_new_with_seed (seed);
  for (int d = 0; d < 10; d++)
    {
      g_autofree char *dir = g_strdup_printf ("%s/%d", argv[1], d);
      if (g_mkdir_with_parents (dir, 0755) != 0)
        {
          fprintf (stderr, "font-digits: cannot create %s\n", dir);
          return 1;
        }
      for (int i = 0; i < per_class; i++)
        {
          g_autofree char *path = g_strdup_printf ("%s/font-%03d.png", dir, i);
          if (!render (path, d, rng))
            return 1;
        }
    }
  g_rand_free (rng);
  printf ("font-digits: wrote %d images per class to %s\n", per_class, argv[1]);
  return 0;
}
