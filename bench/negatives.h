/* negatives.h: pictures that are not digits, drawn from a seed.
 *
 * For measuring how often the not-a-digit rule catches what people draw that is
 * not a digit: scribbles, shapes, dots, random strokes and (with fonts, for tests
 * only) letters. Each picture is dark ink on light paper, side x side grey pixels,
 * the way a drawing from the app's canvas or a scan arrives. The same kind, seed and
 * side always give the same pixels.
 */
#pragma once

#include <glib.h>

typedef enum {
  NEG_SCRIBBLE,   /* a dense random walk of curves, scratched over one spot */
  NEG_SHAPE,      /* square, triangle, star, cross-hatch, heart, arrow */
  NEG_DOTS,       /* one dot or a few specks */
  NEG_STROKES,    /* two to five separate straight strokes */
  NEG_LETTER,     /* a capital or small letter that no digit resembles */
  NEG_N_KINDS
} NegKind;

const char *neg_kind_name (NegKind kind);
/* Fills grey (side * side, row-major, 255 paper, 0 ink). */
void        neg_render (NegKind kind, guint32 seed, int side, guint8 *grey);
