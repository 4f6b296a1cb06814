/* nn-negatives.h: drawings that are not digits, made from a seed.
 *
 * What the not-a-digit detector (nn-verdict.h) learns to refuse, beside MNIST's
 * training digits: scribbles, shapes, dots, separate strokes, letter-like glyphs and printed capitals, drawn with a
 * round pen as the app's canvas draws, dark ink on light paper. The project's own
 * code makes every pixel (a small rasterizer here, no fonts, no outside data), so
 * a model that ships can learn from them. The same kind, seed and side always
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
  NN_NEGATIVE_LETTER,     /* a printed capital of straight strokes: A, H, K, M, N, R, V, W, X */
  NN_NEGATIVE_N_KINDS
} NnNegativeKind;

const char *nn_negative_kind_name (NnNegativeKind kind);
/* Fills grey (side * side, row-major, 255 paper, 0 ink); side >= 16. */
void        nn_negative_render (NnNegativeKind kind, guint32 seed, int side, guint8 *grey);

G_END_DECLS
