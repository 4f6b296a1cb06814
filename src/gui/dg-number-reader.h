/* dg-number-reader.h: the number drawn on the canvas, read digit by digit.
 *
 * The core reads a number from pixels (nn_number_read); the canvas knows more
 * than pixels: which ink went down in one stroke. Strokes whose columns overlap
 * by at least half of the narrower one belong to one digit (a 4 drawn in two
 * strokes, the bar of a 5); such groups are moved apart before the pixels are
 * read, so two digits drawn touching, or slightly overlapping, come apart as
 * two pieces, and a digit never loses a stroke to its neighbour. A picture
 * opened on the canvas is one group: its pixels alone decide.
 */
#pragma once

#include "dg-canvas.h"
#include "dg-model.h"

G_BEGIN_DECLS

/* Pixels per canvas unit of the picture read: a digit drawn 200 units high is
 * still 100 pixels, five times MNIST's 20, and labelling the ink's pieces costs
 * a quarter of the full size's (measured with latency-bench in number mode). */
#define DG_NUMBER_READ_SCALE 0.5

typedef struct {
  NnNumberReading reading;   /* boxes in canvas units, where the digits are drawn */
  guint8 *grey;              /* what was read: white ink on black, groups set apart */
  int width, height, stride; /* of grey, in pixels: DG_NUMBER_READ_SCALE per canvas unit */
  int offset[NN_NUMBER_MAX_DIGITS]; /* digit i lies offset[i] units further right in grey */
} DgNumberRead;

/* Reads the canvas's drawing with model into out (clear it with
 * dg_number_read_clear). FALSE with the core's error. */
gboolean dg_number_read_canvas (DgNumberRead *out, DgModel *model, DgCanvas *canvas,
                                GError **error);
/* Digit i as the model saw it: input (28, 28, 1), and where that field lies on
 * the canvas (for dg_canvas_set_heatmap_at). FALSE when it has no ink. */
gboolean dg_number_read_input (const DgNumberRead *nr, int i, float *input, double placement[3]);
void     dg_number_read_clear (DgNumberRead *nr);

G_END_DECLS
