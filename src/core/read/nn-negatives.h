/* nn-negatives.h: drawings that are not digits, made from a seed.
 *
 * What the not-a-digit detector (nn-verdict.h) learns to refuse, beside MNIST's
 * training digits: scribbles, shapes, dots, separate strokes, letter-like glyphs,
 * and letters and marks as people write them, drawn with a round pen as the app's
 * canvas draws, dark ink on light paper. The project's own code makes every pixel
 * (a small rasterizer here, no fonts, no outside data), so a model that ships can
 * learn from them; pairs of touching digits it makes of the digits it is given. The same kind, seed and side always
 * give the same pixels.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef enum {
  NN_NEGATIVE_SCRIBBLE,   /* a dense random walk of curves, scratched over one spot */
  NN_NEGATIVE_SHAPE,      /* square, triangle, star, polygon, cross-hatch, heart, arrow */
  NN_NEGATIVE_DOTS,       /* one dot or a few specks */
  NN_NEGATIVE_STROKES,    /* two to five separate straight strokes */
  NN_NEGATIVE_GLYPH,      /* a letter-like skeleton of joined strokes on a 3 x 3 grid */
  NN_NEGATIVE_LETTER,     /* a letter or mark, A C H K M N R T U V W X Y a e h m n r t u & ? ! */
  NN_NEGATIVE_N_KINDS
} NnNegativeKind;

const char *nn_negative_kind_name (NnNegativeKind kind);
/* Fills grey (side * side, row-major, 255 paper, 0 ink); side >= 16. */
void        nn_negative_render (NnNegativeKind kind, guint32 seed, int side, guint8 *grey);

/* Two digits that touch, as a number's digits do when written close: what a
 * reader of numbers must cut rather than read as one digit. a and b are 28 x 28
 * fields in MNIST's polarity (0 background, 255 ink); each is cropped to its
 * ink's columns and b is set after a, overlapping it by a few columns (the
 * brighter pixel wins), up or down by a pixel or two. grey gets
 * NN_PAIR_HEIGHT rows of *width pixels (stride NN_PAIR_MAX_WIDTH), MNIST's
 * polarity. The same fields and seed give the same pixels. */
#define NN_PAIR_HEIGHT 32
#define NN_PAIR_MAX_WIDTH 64
void        nn_negative_pair (const guint8 *a, const guint8 *b, guint32 seed, guint8 *grey,
                              int *width);

G_END_DECLS
