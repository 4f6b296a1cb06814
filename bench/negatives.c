/* negatives.c: seeded drawings that are not digits (see negatives.h). */
#include "negatives.h"

#include <cairo.h>
#include <math.h>
#include <string.h>

static const char *const kind_names[NEG_N_KINDS] = {
  "scribble", "shape", "dots", "strokes", "letter",
};

/* Letters no digit is mistaken for by people: no O, I, l, S, Z, B, G, g, q, b. */
static const char letters[] = "ACEFHKMNRTUVWXYaefhkmnrtuvwxy#@%&?!";
static const char *const fonts[] = { "Comic Neue", "Humor Sans", "DejaVu Sans", "DejaVu Serif" };

const char *
neg_kind_name (NegKind kind)
{
  return kind >= 0 && kind < NEG_N_KINDS ? kind_names[kind] : "?";
}

static double
rnd (GRand *r, double lo, double hi)
{
  return g_rand_double_range (r, lo, hi);
}

static void
scribble (cairo_t *cr, GRand *r, double s)
{
  double x = rnd (r, .35, .65) * s, y = rnd (r, .35, .65) * s;
  int n = g_rand_int_range (r, 12, 40);
  double reach = rnd (r, .12, .3) * s;
  cairo_move_to (cr, x, y);
  for (int i = 0; i < n; i++)
    {
      double nx = CLAMP (x + rnd (r, -reach, reach), .1 * s, .9 * s);
      double ny = CLAMP (y + rnd (r, -reach, reach), .1 * s, .9 * s);
      cairo_curve_to (cr, x + rnd (r, -reach, reach), y + rnd (r, -reach, reach),
                      nx + rnd (r, -reach, reach), ny + rnd (r, -reach, reach), nx, ny);
      x = nx, y = ny;
    }
  cairo_stroke (cr);
}

static void
polygon (cairo_t *cr, GRand *r, double cx, double cy, double rad, int sides, double inner)
{
  double a0 = rnd (r, 0, 2 * G_PI);
  int n = inner > 0 ? 2 * sides : sides;
  for (int i = 0; i < n; i++)
    {
      double rr = inner > 0 && i % 2 ? rad * inner : rad;
      double a = a0 + 2 * G_PI * i / n;
      double x = cx + rr * cos (a) * rnd (r, .9, 1.1), y = cy + rr * sin (a) * rnd (r, .9, 1.1);
      if (i == 0)
        cairo_move_to (cr, x, y);
      else
        cairo_line_to (cr, x, y);
    }
  cairo_close_path (cr);
}

static void
shape (cairo_t *cr, GRand *r, double s)
{
  double cx = s / 2 + rnd (r, -.08, .08) * s, cy = s / 2 + rnd (r, -.08, .08) * s;
  double rad = rnd (r, .22, .38) * s;
  switch (g_rand_int_range (r, 0, 7))
    {
    case 0: polygon (cr, r, cx, cy, rad, 4, 0); break;               /* square-ish */
    case 1: polygon (cr, r, cx, cy, rad, 3, 0); break;               /* triangle */
    case 2: polygon (cr, r, cx, cy, rad, 5, rnd (r, .35, .5)); break; /* star */
    case 3: polygon (cr, r, cx, cy, rad, g_rand_int_range (r, 5, 9), 0); break;
    case 4: /* cross-hatch: # with three to four lines each way */
      {
        int k = g_rand_int_range (r, 3, 5);
        for (int i = 0; i < k; i++)
          {
            double t = -rad + 2 * rad * (i + .5) / k;
            cairo_move_to (cr, cx - rad, cy + t), cairo_line_to (cr, cx + rad, cy + t + rnd (r, -4, 4));
            cairo_move_to (cr, cx + t, cy - rad), cairo_line_to (cr, cx + t + rnd (r, -4, 4), cy + rad);
          }
        break;
      }
    case 5: /* heart */
      cairo_move_to (cr, cx, cy + rad);
      cairo_curve_to (cr, cx - 1.6 * rad, cy - .2 * rad, cx - .6 * rad, cy - 1.2 * rad, cx, cy - .4 * rad);
      cairo_curve_to (cr, cx + .6 * rad, cy - 1.2 * rad, cx + 1.6 * rad, cy - .2 * rad, cx, cy + rad);
      break;
    default: /* arrow */
      {
        double a = rnd (r, 0, 2 * G_PI), dx = cos (a) * rad, dy = sin (a) * rad;
        cairo_move_to (cr, cx - dx, cy - dy), cairo_line_to (cr, cx + dx, cy + dy);
        cairo_line_to (cr, cx + dx - .5 * (dx * cos (.5) - dy * sin (.5)),
                       cy + dy - .5 * (dx * sin (.5) + dy * cos (.5)));
        cairo_move_to (cr, cx + dx, cy + dy);
        cairo_line_to (cr, cx + dx - .5 * (dx * cos (-.5) - dy * sin (-.5)),
                       cy + dy - .5 * (dx * sin (-.5) + dy * cos (-.5)));
      }
    }
  if (g_rand_boolean (r) && g_rand_boolean (r))
    cairo_fill_preserve (cr);
  cairo_stroke (cr);
}

static void
dots (cairo_t *cr, GRand *r, double s)
{
  int n = g_rand_boolean (r) ? 1 : g_rand_int_range (r, 2, 7);
  for (int i = 0; i < n; i++)
    {
      cairo_new_sub_path (cr);
      cairo_arc (cr, rnd (r, .15, .85) * s, rnd (r, .15, .85) * s,
                 rnd (r, .01, n == 1 ? .12 : .04) * s, 0, 2 * G_PI);
      cairo_fill (cr);
    }
}

static void
strokes (cairo_t *cr, GRand *r, double s)
{
  int n = g_rand_int_range (r, 2, 6);
  for (int i = 0; i < n; i++)
    {
      double x = rnd (r, .1, .9) * s, y = rnd (r, .1, .9) * s;
      double a = rnd (r, 0, 2 * G_PI), len = rnd (r, .1, .45) * s;
      cairo_move_to (cr, x, y);
      cairo_line_to (cr, CLAMP (x + len * cos (a), 2, s - 2), CLAMP (y + len * sin (a), 2, s - 2));
      cairo_stroke (cr);
    }
}

static void
letter (cairo_t *cr, GRand *r, double s)
{
  char text[2] = { letters[g_rand_int_range (r, 0, sizeof letters - 1)], 0 };
  cairo_text_extents_t ext;
  cairo_select_font_face (cr, fonts[g_rand_int_range (r, 0, G_N_ELEMENTS (fonts))],
                          CAIRO_FONT_SLANT_NORMAL,
                          g_rand_boolean (r) ? CAIRO_FONT_WEIGHT_BOLD : CAIRO_FONT_WEIGHT_NORMAL);
  cairo_set_font_size (cr, rnd (r, .5, .75) * s);
  cairo_text_extents (cr, text, &ext);
  cairo_translate (cr, s / 2, s / 2);
  cairo_rotate (cr, rnd (r, -.2, .2));
  cairo_move_to (cr, -ext.x_bearing - ext.width / 2, -ext.y_bearing - ext.height / 2);
  cairo_show_text (cr, text);
}

void
neg_render (NegKind kind, guint32 seed, int side, guint8 *grey)
{
  cairo_surface_t *surf = cairo_image_surface_create (CAIRO_FORMAT_A8, side, side);
  cairo_t *cr = cairo_create (surf);
  GRand *r = g_rand_new_with_seed (seed * 7919u + (guint32) kind);
  double s = side;

  cairo_set_line_cap (cr, CAIRO_LINE_CAP_ROUND);
  cairo_set_line_join (cr, CAIRO_LINE_JOIN_ROUND);
  cairo_set_line_width (cr, rnd (r, .03, .08) * s); /* the app's pen: 16 px of 560 */
  switch (kind)
    {
    case NEG_SCRIBBLE: scribble (cr, r, s); break;
    case NEG_SHAPE: shape (cr, r, s); break;
    case NEG_DOTS: dots (cr, r, s); break;
    case NEG_STROKES: strokes (cr, r, s); break;
    default: letter (cr, r, s); break;
    }
  cairo_surface_flush (surf);
  const guint8 *a = cairo_image_surface_get_data (surf);
  int stride = cairo_image_surface_get_stride (surf);
  for (int y = 0; y < side; y++)
    for (int x = 0; x < side; x++)
      grey[y * side + x] = 255 - a[y * stride + x];
  g_rand_free (r);
  cairo_destroy (cr);
  cairo_surface_destroy (surf);
}
