/* nn-negatives.c: seeded drawings that are not digits (see nn-negatives.h), and
 * the few drawing operations they need: a round pen along straight and curved
 * paths, filled outlines and discs, on a coverage buffer. */
#include "nn-negatives.h"

#include <math.h>
#include <string.h>

#define CURVE_STEPS 12   /* straight pieces per cubic curve: finer than a pixel at 96 px */

static const char *const kind_names[NN_NEGATIVE_N_KINDS] = {
  "scribble", "shape", "dots", "strokes", "glyph", "letter",
};

const char *
nn_negative_kind_name (NnNegativeKind kind)
{
  return kind < NN_NEGATIVE_N_KINDS ? kind_names[kind] : "?";
}

typedef struct {
  double x, y;
} Point;

/* A canvas: ink coverage per pixel (0..1), and the path being built, as
 * subpaths of points (a new subpath starts at each move). */
typedef struct {
  float *ink;
  int side;
  double width;
  GArray *points;   /* Point */
  GArray *starts;   /* int: index of each subpath's first point */
  GArray *closed;   /* gboolean per subpath */
  Point current;
} Canvas;

static void
move_to (Canvas *c, double x, double y)
{
  int start = (int) c->points->len;
  gboolean closed = FALSE;
  Point p = { x, y };
  g_array_append_val (c->starts, start);
  g_array_append_val (c->closed, closed);
  g_array_append_val (c->points, p);
  c->current = p;
}

static void
line_to (Canvas *c, double x, double y)
{
  Point p = { x, y };
  if (c->starts->len == 0)
    {
      move_to (c, x, y);
      return;
    }
  g_array_append_val (c->points, p);
  c->current = p;
}

static void
curve_to (Canvas *c, double x1, double y1, double x2, double y2, double x3, double y3)
{
  Point p0 = c->current;
  for (int i = 1; i <= CURVE_STEPS; i++)
    {
      double t = (double) i / CURVE_STEPS, u = 1 - t;
      line_to (c, u * u * u * p0.x + 3 * u * u * t * x1 + 3 * u * t * t * x2 + t * t * t * x3,
               u * u * u * p0.y + 3 * u * u * t * y1 + 3 * u * t * t * y2 + t * t * t * y3);
    }
}

static void
close_path (Canvas *c)
{
  if (c->closed->len > 0)
    g_array_index (c->closed, gboolean, c->closed->len - 1) = TRUE;
}

static void
clear_path (Canvas *c)
{
  g_array_set_size (c->points, 0);
  g_array_set_size (c->starts, 0);
  g_array_set_size (c->closed, 0);
}

static void
put (Canvas *c, int x, int y, double coverage)
{
  float *p = &c->ink[y * c->side + x];
  *p = MAX (*p, (float) MIN (coverage, 1.0));
}

/* The round pen from a to b: a pixel is covered as far as its centre lies within
 * half the width of the segment, with half a pixel of soft edge. */
static void
stroke_segment (Canvas *c, Point a, Point b)
{
  double r = c->width / 2, dx = b.x - a.x, dy = b.y - a.y, len2 = dx * dx + dy * dy;
  int x0 = MAX (0, (int) floor (MIN (a.x, b.x) - r - 1)), x1 = MIN (c->side - 1, (int) ceil (MAX (a.x, b.x) + r + 1));
  int y0 = MAX (0, (int) floor (MIN (a.y, b.y) - r - 1)), y1 = MIN (c->side - 1, (int) ceil (MAX (a.y, b.y) + r + 1));

  for (int y = y0; y <= y1; y++)
    for (int x = x0; x <= x1; x++)
      {
        double px = x + 0.5 - a.x, py = y + 0.5 - a.y;
        double t = len2 > 0 ? CLAMP ((px * dx + py * dy) / len2, 0, 1) : 0;
        double ex = px - t * dx, ey = py - t * dy, d2 = ex * ex + ey * ey;
        if (d2 < (r + 0.5) * (r + 0.5)) /* most of the box is past the pen */
          put (c, x, y, r + 0.5 - sqrt (d2));
      }
}

static void
stroke (Canvas *c)
{
  for (guint s = 0; s < c->starts->len; s++)
    {
      int first = g_array_index (c->starts, int, s);
      int end = s + 1 < c->starts->len ? g_array_index (c->starts, int, s + 1) : (int) c->points->len;
      const Point *p = &g_array_index (c->points, Point, 0);
      if (end - first == 1)
        stroke_segment (c, p[first], p[first]);
      for (int i = first; i + 1 < end; i++)
        stroke_segment (c, p[i], p[i + 1]);
      if (g_array_index (c->closed, gboolean, s) && end - first > 2)
        stroke_segment (c, p[end - 1], p[first]);
    }
  clear_path (c);
}

/* Fills every subpath (closed or not) by the non-zero winding rule, at pixel
 * centres; the path stays for a stroke after it, as Cairo's fill_preserve. */
static void
fill_preserve (Canvas *c)
{
  const Point *p = &g_array_index (c->points, Point, 0);
  for (int y = 0; y < c->side; y++)
    for (int x = 0; x < c->side; x++)
      {
        double qx = x + 0.5, qy = y + 0.5;
        int winding = 0;
        for (guint s = 0; s < c->starts->len; s++)
          {
            int first = g_array_index (c->starts, int, s);
            int end = s + 1 < c->starts->len ? g_array_index (c->starts, int, s + 1) : (int) c->points->len;
            for (int i = first; i < end; i++)
              {
                Point a = p[i], b = p[i + 1 < end ? i + 1 : first];
                double cross = (b.x - a.x) * (qy - a.y) - (qx - a.x) * (b.y - a.y);
                if (a.y <= qy && b.y > qy && cross > 0)
                  winding++;
                else if (a.y > qy && b.y <= qy && cross < 0)
                  winding--;
              }
          }
        if (winding != 0)
          put (c, x, y, 1);
      }
}

static void
disc (Canvas *c, double cx, double cy, double r)
{
  for (int y = MAX (0, (int) (cy - r - 1)); y <= MIN (c->side - 1, (int) (cy + r + 1)); y++)
    for (int x = MAX (0, (int) (cx - r - 1)); x <= MIN (c->side - 1, (int) (cx + r + 1)); x++)
      {
        double d = hypot (x + 0.5 - cx, y + 0.5 - cy);
        if (d < r + 0.5)
          put (c, x, y, r + 0.5 - d);
      }
}

static double
rnd (GRand *r, double lo, double hi)
{
  return g_rand_double_range (r, lo, hi);
}

static void
scribble (Canvas *c, GRand *r, double s)
{
  double x = rnd (r, .35, .65) * s, y = rnd (r, .35, .65) * s;
  int n = g_rand_int_range (r, 12, 40);
  double reach = rnd (r, .12, .3) * s;
  move_to (c, x, y);
  for (int i = 0; i < n; i++)
    {
      double nx = CLAMP (x + rnd (r, -reach, reach), .1 * s, .9 * s);
      double ny = CLAMP (y + rnd (r, -reach, reach), .1 * s, .9 * s);
      double x1 = x + rnd (r, -reach, reach), y1 = y + rnd (r, -reach, reach);
      double x2 = nx + rnd (r, -reach, reach), y2 = ny + rnd (r, -reach, reach);
      curve_to (c, x1, y1, x2, y2, nx, ny);
      x = nx, y = ny;
    }
  stroke (c);
}

static void
polygon (Canvas *c, GRand *r, double cx, double cy, double rad, int sides, double inner)
{
  double a0 = rnd (r, 0, 2 * G_PI);
  int n = inner > 0 ? 2 * sides : sides;
  for (int i = 0; i < n; i++)
    {
      double rr = inner > 0 && i % 2 ? rad * inner : rad;
      double a = a0 + 2 * G_PI * i / n;
      double jx = rnd (r, .9, 1.1), jy = rnd (r, .9, 1.1);
      double x = cx + rr * cos (a) * jx, y = cy + rr * sin (a) * jy;
      if (i == 0)
        move_to (c, x, y);
      else
        line_to (c, x, y);
    }
  close_path (c);
}

static void
shape (Canvas *c, GRand *r, double s)
{
  double cx = s / 2 + rnd (r, -.08, .08) * s, cy = s / 2 + rnd (r, -.08, .08) * s;
  double rad = rnd (r, .22, .38) * s;
  switch (g_rand_int_range (r, 0, 7))
    {
    case 0: polygon (c, r, cx, cy, rad, 4, 0); break;                /* square-ish */
    case 1: polygon (c, r, cx, cy, rad, 3, 0); break;                /* triangle */
    case 2: polygon (c, r, cx, cy, rad, 5, rnd (r, .35, .5)); break; /* star */
    case 3: polygon (c, r, cx, cy, rad, g_rand_int_range (r, 5, 9), 0); break;
    case 4: /* cross-hatch: # with three to four lines each way */
      {
        int k = g_rand_int_range (r, 3, 5);
        for (int i = 0; i < k; i++)
          {
            double t = -rad + 2 * rad * (i + .5) / k;
            move_to (c, cx - rad, cy + t), line_to (c, cx + rad, cy + t + rnd (r, -4, 4));
            move_to (c, cx + t, cy - rad), line_to (c, cx + t + rnd (r, -4, 4), cy + rad);
          }
        break;
      }
    case 5: /* heart */
      move_to (c, cx, cy + rad);
      curve_to (c, cx - 1.6 * rad, cy - .2 * rad, cx - .6 * rad, cy - 1.2 * rad, cx, cy - .4 * rad);
      curve_to (c, cx + .6 * rad, cy - 1.2 * rad, cx + 1.6 * rad, cy - .2 * rad, cx, cy + rad);
      break;
    default: /* arrow */
      {
        double a = rnd (r, 0, 2 * G_PI), dx = cos (a) * rad, dy = sin (a) * rad;
        move_to (c, cx - dx, cy - dy), line_to (c, cx + dx, cy + dy);
        line_to (c, cx + dx - .5 * (dx * cos (.5) - dy * sin (.5)),
                 cy + dy - .5 * (dx * sin (.5) + dy * cos (.5)));
        move_to (c, cx + dx, cy + dy);
        line_to (c, cx + dx - .5 * (dx * cos (-.5) - dy * sin (-.5)),
                 cy + dy - .5 * (dx * sin (-.5) + dy * cos (-.5)));
      }
    }
  if (g_rand_boolean (r) && g_rand_boolean (r))
    fill_preserve (c);
  stroke (c);
}

static void
dots (Canvas *c, GRand *r, double s)
{
  int n = g_rand_boolean (r) ? 1 : g_rand_int_range (r, 2, 7);
  for (int i = 0; i < n; i++)
    {
      double x = rnd (r, .15, .85) * s, y = rnd (r, .15, .85) * s;
      disc (c, x, y, rnd (r, .01, n == 1 ? .12 : .04) * s);
    }
}

static void
strokes (Canvas *c, GRand *r, double s)
{
  int n = g_rand_int_range (r, 2, 6);
  for (int i = 0; i < n; i++)
    {
      double x = rnd (r, .1, .9) * s, y = rnd (r, .1, .9) * s;
      double a = rnd (r, 0, 2 * G_PI), len = rnd (r, .1, .45) * s;
      move_to (c, x, y);
      line_to (c, CLAMP (x + len * cos (a), 2, s - 2), CLAMP (y + len * sin (a), 2, s - 2));
      stroke (c);
    }
}

/* A letter-like skeleton: two to four strokes between the points of a jittered
 * 3 x 3 grid, straight or bent, each but the first starting where an earlier one
 * passed, so the glyph holds together as a letter does. */
static void
glyph (Canvas *c, GRand *r, double s)
{
  Point grid[9];
  gboolean used[9] = { FALSE };
  double w = rnd (r, .35, .6) * s, h = rnd (r, .45, .6) * s;
  int n = g_rand_int_range (r, 2, 5);

  for (int i = 0; i < 9; i++)
    grid[i] = (Point){ s / 2 + (i % 3 - 1) * w / 2 + rnd (r, -.04, .04) * s,
                       s / 2 + (i / 3 - 1) * h / 2 + rnd (r, -.04, .04) * s };
  for (int k = 0; k < n; k++)
    {
      int a = g_rand_int_range (r, 0, 9), b, legs = g_rand_int_range (r, 1, 3);
      while (k > 0 && !used[a])
        a = g_rand_int_range (r, 0, 9);
      used[a] = TRUE;
      move_to (c, grid[a].x, grid[a].y);
      for (int l = 0; l < legs; l++)
        {
          do
            b = g_rand_int_range (r, 0, 9);
          while (b == a);
          if (g_rand_int_range (r, 0, 3) == 0)
            {
              double bend = rnd (r, -.25, .25) * s;
              curve_to (c, grid[a].x + bend, grid[a].y - bend, grid[b].x + bend, grid[b].y + bend,
                        grid[b].x, grid[b].y);
            }
          else
            line_to (c, grid[b].x, grid[b].y);
          used[b] = TRUE;
          a = b;
        }
      stroke (c);
    }
}

/* Letters and marks as people write them, in a unit box (x to the right, y
 * down): only ones no digit is read as by people (no B, D, G, I, J, L, O, P, S or
 * Z; no b, g, l, o, q, s or z), and none made of a digit's boxy strokes (E and F
 * taught the detector to refuse a 5 drawn as straight segments). A dot is a
 * stroke of one point. Each stroke ends at a point with x < 0. */
static const double letter_strokes[][21] = {
  { 0, 1, .5, 0, 1, 1, -1 }, { .22, .62, .78, .62, -1 },  /* A */
  { 0, 0, 0, 1, -1 }, { 1, 0, 1, 1, -1 }, { 0, .5, 1, .5, -1 },  /* H */
  { 0, 0, 0, 1, -1 }, { 1, 0, 0, .55, 1, 1, -1 },  /* K */
  { 0, 1, 0, 0, .5, .6, 1, 0, 1, 1, -1 },  /* M */
  { 0, 1, 0, 0, 1, 1, 1, 0, -1 },  /* N */
  { 0, 1, 0, 0, .8, 0, 1, .25, .8, .5, 0, .5, -1 }, { .4, .5, 1, 1, -1 },  /* R */
  { 0, 0, .5, 1, 1, 0, -1 },  /* V */
  { 0, 0, .25, 1, .5, .35, .75, 1, 1, 0, -1 },  /* W */
  { 0, 0, 1, 1, -1 }, { 1, 0, 0, 1, -1 },  /* X */
  { .95, .15, .6, 0, .2, .1, 0, .5, .2, .9, .6, 1, .95, .85, -1 },  /* C */
  { 0, 0, 0, .7, .2, .97, .5, 1, .8, .97, 1, .7, 1, 0, -1 },  /* U */
  { 0, 0, 1, 0, -1 }, { .5, 0, .5, 1, -1 },  /* T */
  { 0, 0, .5, .5, -1 }, { 1, 0, .5, .5, .5, 1, -1 },  /* Y */
  { .9, .05, .9, 1, -1 }, { .9, .3, .6, .03, .2, .12, 0, .55, .2, .95, .6, .97, .9, .7, -1 },  /* a */
  { .05, .5, .95, .5, .85, .15, .5, 0, .12, .18, 0, .55, .15, .88, .55, 1, .95, .85, -1 },  /* e */
  { 0, 0, 0, 1, -1 }, { 0, .55, .3, .33, .7, .33, 1, .55, 1, 1, -1 },  /* h */
  { 0, .1, 0, 1, -1 }, { 0, .3, .2, 0, .45, .08, .5, .3, .5, 1, -1 }, { .5, .3, .7, 0, .95, .08, 1, .3, 1, 1, -1 },  /* m */
  { 0, 0, 0, 1, -1 }, { 0, .3, .3, .02, .7, .02, 1, .3, 1, 1, -1 },  /* n */
  { 0, 0, 0, 1, -1 }, { 0, .4, .3, .05, .7, 0, 1, .15, -1 },  /* r */
  { .4, 0, .4, .85, .55, 1, .9, .9, -1 }, { 0, .3, .85, .3, -1 },  /* t */
  { 0, 0, 0, .75, .2, 1, .7, 1, 1, .7, -1 }, { 1, 0, 1, 1, -1 },  /* u */
  { 1, 1, .25, .35, .25, .1, .45, 0, .65, .1, .6, .35, .1, .7, .15, .95, .5, 1, .9, .6, -1 },  /* & */
  { .05, .25, .2, .05, .5, 0, .8, .05, .95, .25, .85, .45, .5, .6, .5, .78, -1 }, { .5, 1, .5, 1, -1 },  /* ? */
  { .5, 0, .5, .75, -1 }, { .5, 1, .5, 1, -1 },  /* ! */
};
/* Each letter: its first stroke in letter_strokes and how many it has. */
static const int letter_first[][2] = {
  { 0, 2 }, { 2, 3 }, { 5, 2 }, { 7, 1 }, { 8, 1 }, { 9, 2 }, { 11, 1 }, { 12, 1 }, { 13, 2 }, { 15, 1 }, { 16, 1 }, { 17, 2 }, { 19, 2 }, { 21, 2 }, { 23, 1 }, { 24, 2 }, { 26, 3 }, { 29, 2 }, { 31, 2 }, { 33, 2 }, { 35, 2 }, { 37, 1 }, { 38, 2 }, { 40, 2 }
};

/* A written letter or mark, each point jittered, the box of a random width, slanted
 * and turned a little, as a hand prints it. */
static void
letter (Canvas *c, GRand *r, double s)
{
  const int *which = letter_first[g_rand_int_range (r, 0, G_N_ELEMENTS (letter_first))];
  double h = rnd (r, .45, .75) * s, w = h * rnd (r, .55, .95), shear = rnd (r, -.2, .2);
  double turn = rnd (r, -.15, .15), cx = s / 2 + rnd (r, -.06, .06) * s;
  double cy = s / 2 + rnd (r, -.06, .06) * s;

  for (int k = which[0]; k < which[0] + which[1]; k++)
    {
      const double *p = letter_strokes[k];
      for (int i = 0; p[i] >= 0; i += 2)
        {
          double u = (p[i] - .5) * w + rnd (r, -.05, .05) * h;
          double v = (p[i + 1] - .5) * h + rnd (r, -.05, .05) * h;
          double x, y;
          u += shear * -v;
          x = cx + u * cos (turn) - v * sin (turn);
          y = cy + u * sin (turn) + v * cos (turn);
          if (i == 0)
            move_to (c, x, y);
          else
            line_to (c, x, y);
        }
      stroke (c);
    }
}

void
nn_negative_render (NnNegativeKind kind, guint32 seed, int side, guint8 *grey)
{
  /* Seeded from (seed, kind) together, so no two kinds share a stream. */
  const guint32 key[3] = { seed, (guint32) kind, 0x6e656721u };
  GRand *r = g_rand_new_with_seed_array (key, G_N_ELEMENTS (key));
  Canvas c = {
    .ink = g_new0 (float, (size_t) side * side),
    .side = side,
    .points = g_array_new (FALSE, FALSE, sizeof (Point)),
    .starts = g_array_new (FALSE, FALSE, sizeof (int)),
    .closed = g_array_new (FALSE, FALSE, sizeof (gboolean)),
  };
  double s = side;

  c.width = rnd (r, .03, .08) * s; /* the app's pen is 16 px of 560 */
  switch (kind)
    {
    case NN_NEGATIVE_SCRIBBLE: scribble (&c, r, s); break;
    case NN_NEGATIVE_SHAPE: shape (&c, r, s); break;
    case NN_NEGATIVE_DOTS: dots (&c, r, s); break;
    case NN_NEGATIVE_STROKES: strokes (&c, r, s); break;
    case NN_NEGATIVE_LETTER: letter (&c, r, s); break;
    default: glyph (&c, r, s); break;
    }
  for (int i = 0; i < side * side; i++)
    grey[i] = (guint8) (255 * (1 - c.ink[i]) + 0.5); /* lround of a float in 0..255 */
  g_rand_free (r);
  g_free (c.ink);
  g_array_unref (c.points);
  g_array_unref (c.starts);
  g_array_unref (c.closed);
}

#define PAIR_INK 64        /* a column holds ink from this level (of 255) */
#define PAIR_MAX_OVERLAP 6 /* columns; read-bench's touching numbers overlap 1 to 4 and more */
#define PAIR_DRIFT 2

/* The first and last columns of a field holding ink; FALSE when none does. */
static gboolean
ink_columns (const guint8 *field, int *x0, int *x1)
{
  *x0 = NN_PAIR_MAX_WIDTH, *x1 = -1;
  for (int y = 0; y < 28; y++)
    for (int x = 0; x < 28; x++)
      if (field[y * 28 + x] >= PAIR_INK)
        *x0 = MIN (*x0, x), *x1 = MAX (*x1, x);
  return *x1 >= 0;
}

/* field's columns [x0, x1] onto grey from column at, rows from top. */
static void
paste_brighter (guint8 *grey, const guint8 *field, int x0, int x1, int at, int top)
{
  for (int y = 0; y < 28; y++)
    for (int x = x0; x <= x1; x++)
      {
        guint8 *g = &grey[(top + y) * NN_PAIR_MAX_WIDTH + at + x - x0];
        *g = MAX (*g, field[y * 28 + x]);
      }
}

void
nn_negative_pair (const guint8 *a, const guint8 *b, guint32 seed, guint8 *grey, int *width)
{
  const guint32 key[2] = { seed, 0x70616972u };
  GRand *r = g_rand_new_with_seed_array (key, G_N_ELEMENTS (key));
  int ax0, ax1, bx0, bx1, margin = 2;

  memset (grey, 0, (size_t) NN_PAIR_HEIGHT * NN_PAIR_MAX_WIDTH);
  *width = 2 * margin;
  if (!ink_columns (a, &ax0, &ax1) || !ink_columns (b, &bx0, &bx1))
    {
      g_rand_free (r);
      return;
    }
  int overlap = g_rand_int_range (r, 1, PAIR_MAX_OVERLAP + 1);
  int top_a = PAIR_DRIFT + g_rand_int_range (r, -PAIR_DRIFT, PAIR_DRIFT + 1);
  int top_b = PAIR_DRIFT + g_rand_int_range (r, -PAIR_DRIFT, PAIR_DRIFT + 1);
  int at_b = MAX (margin, margin + (ax1 - ax0 + 1) - overlap);
  paste_brighter (grey, a, ax0, ax1, margin, top_a);
  paste_brighter (grey, b, bx0, bx1, at_b, top_b);
  *width = at_b + (bx1 - bx0 + 1) + margin;
  g_rand_free (r);
}
