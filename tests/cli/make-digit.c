/* make-digit TEXT OUT.png [light|dark] [SIZE]: renders TEXT (a digit, or "" for a
 * blank picture) in a bold sans face, as a person's drawing might look: dark ink
 * on white paper (light) or white chalk on black (dark). For the CLI tests. */
#include <stdlib.h>
#include <string.h>
#include <cairo.h>
#include <fontconfig/fontconfig.h>

int
main (int argc, char **argv)
{
  const char *text, *out;
  int dark, size;
  cairo_surface_t *s;
  cairo_t *cr;
  cairo_text_extents_t ext;
  cairo_status_t status;

  if (argc < 3)
    return 2;
  text = argv[1];
  out = argv[2];
  dark = argc > 3 && strcmp (argv[3], "dark") == 0;
  size = argc > 4 ? atoi (argv[4]) : 200;

  s = cairo_image_surface_create (CAIRO_FORMAT_RGB24, size, size + size / 4);
  cr = cairo_create (s);
  cairo_set_source_rgb (cr, dark, dark, dark);
  cairo_paint (cr);
  if (text[0] != '\0')
    {
      cairo_set_source_rgb (cr, !dark, !dark, !dark);
      cairo_select_font_face (cr, "Sans", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_BOLD);
      cairo_set_font_size (cr, size * 0.8);
      cairo_text_extents (cr, text, &ext);
      cairo_move_to (cr, (size - ext.width) / 2 - ext.x_bearing,
                     (size + size / 4 - ext.height) / 2 - ext.y_bearing);
      cairo_show_text (cr, text);
    }
  cairo_destroy (cr);
  status = cairo_surface_write_to_png (s, out);
  cairo_surface_destroy (s);
  cairo_debug_reset_static_data (); /* a clean exit under LeakSanitizer */
  FcFini ();
  return status == CAIRO_STATUS_SUCCESS ? 0 : 1;
}
