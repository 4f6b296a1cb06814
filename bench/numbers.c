/* numbers.c: seeded numbers made of MNIST test digits (see numbers.h). */
#include "numbers.h"

#include <string.h>

#include "nn-keras.h"

#define MAX_OVERLAP 12  /* the most a touching digit is pushed into its neighbour */

/* Whether img's ink, its columns [c0, c1) placed at x and row top, touches or
 * overlaps the ink already in grey (8-neighbours). */
static gboolean
touches (const guint8 *grey, const guint8 *img, int c0, int c1, int x, int top)
{
  for (int yy = 0; yy < 28; yy++)
    for (int xx = c0; xx < c1; xx++)
      {
        if (img[yy * 28 + xx] < NUM_INK)
          continue;
        for (int dy = -1; dy <= 1; dy++)
          for (int dx = -1; dx <= 1; dx++)
            {
              int gx = x + xx - c0 + dx, gy = top + yy + dy;
              if (gx >= 0 && gx < NUM_MAX_WIDTH && gy >= 0 && gy < NUM_HEIGHT
                  && grey[gy * NUM_MAX_WIDTH + gx] >= NUM_INK)
                return TRUE;
            }
      }
  return FALSE;
}

static const char *const mode_names[] = { "separate", "close", "touching" };

const char *
num_mode_name (NumMode mode)
{
  return mode < NUM_N_MODES ? mode_names[mode] : "?";
}

/* The box of img's ink (pixels from NUM_INK), its columns [c0, c1) placed at x
 * and row top. */
static NnNumberDigit
ink_box (const guint8 *img, int c0, int c1, int x, int top)
{
  int x0 = G_MAXINT, x1 = -1, y0 = G_MAXINT, y1 = -1;
  for (int yy = 0; yy < 28; yy++)
    for (int xx = c0; xx < c1; xx++)
      if (img[yy * 28 + xx] >= NUM_INK)
        x0 = MIN (x0, xx), x1 = MAX (x1, xx), y0 = MIN (y0, yy), y1 = MAX (y1, yy);
  if (x1 < 0)
    return (NnNumberDigit) { .x = x, .y = top, .w = 0, .h = 0 };
  return (NnNumberDigit) { .x = x + x0 - c0, .y = top + y0, .w = x1 - x0 + 1, .h = y1 - y0 + 1 };
}

void
num_render (const NnDataset *ds, NumMode mode, guint32 seed, guint8 *grey, int *width,
            char *truth)
{
  NnNumberDigit boxes[NN_NUMBER_MAX_DIGITS];
  num_render_boxes (ds, mode, seed, grey, width, truth, boxes);
}

void
num_render_boxes (const NnDataset *ds, NumMode mode, guint32 seed, guint8 *grey, int *width,
                  char *truth, NnNumberDigit *boxes)
{
  GRand *r = g_rand_new_with_seed (seed * 31u + mode);
  int n = g_rand_int_range (r, 2, 7), x = 6;

  memset (grey, 0, (size_t) NUM_HEIGHT * NUM_MAX_WIDTH);
  for (int i = 0; i < n; i++)
    {
      int idx = g_rand_int_range (r, 0, ds->n), c0 = 28, c1 = 0;
      const guint8 *img = ds->images + (size_t) idx * NN_IMAGE_PIXELS;
      for (int yy = 0; yy < 28; yy++)
        for (int xx = 0; xx < 28; xx++)
          if (img[yy * 28 + xx] > 0)
            c0 = MIN (c0, xx), c1 = MAX (c1, xx + 1);
      if (c1 <= c0)
        c0 = 0, c1 = 28;
      int top = 6 + g_rand_int_range (r, -DRIFT, DRIFT + 1);
      if (i > 0)
        x += mode == NUM_SEPARATE ? g_rand_int_range (r, 4, 11)
             : mode == NUM_CLOSE  ? g_rand_int_range (r, 0, 4)
                                  : -g_rand_int_range (r, 1, 5);
      /* Columns that overlap need not bring the ink together (a 7's foot and a
       * 4's arm): push a touching digit in until it touches. */
      for (int k = 0; i > 0 && mode == NUM_TOUCHING && k < MAX_OVERLAP
                         && !touches (grey, img, c0, c1, x, top); k++)
        x--;
      for (int yy = 0; yy < 28; yy++)
        for (int xx = c0; xx < c1; xx++)
          {
            guint8 *p = &grey[(top + yy) * NUM_MAX_WIDTH + x + xx - c0];
            *p = MAX (*p, img[yy * 28 + xx]);
          }
      boxes[i] = ink_box (img, c0, c1, x, top);
      x += c1 - c0;
      truth[i] = (char) ('0' + ds->labels[idx]);
    }
  truth[n] = '\0';
  *width = x + 6;
  g_rand_free (r);
}

NnNumberPieces *
num_pieces_option (int *argc, char ***argv)
{
  g_autoptr (GError) error = NULL;
  if (*argc < 3 || strcmp ((*argv)[1], "--pieces") != 0)
    return NULL;
  NnModel *model = nn_keras_load ((*argv)[2], &error);
  NnNumberPieces *pieces = model != NULL ? nn_number_pieces_new (model, &error) : NULL;
  if (pieces == NULL)
    g_error ("%s: %s", (*argv)[2], error->message);
  (*argv)[2] = (*argv)[0];
  *argc -= 2, *argv += 2;
  return pieces;
}
