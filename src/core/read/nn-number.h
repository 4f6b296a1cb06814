/* nn-number.h: a number of several digits in one picture, read left to right.
 *
 * The ink's connected pieces give a first split (pieces stacked in one column,
 * like a 5 drawn in two strokes, are joined; specks are dropped). A piece wide
 * enough for two digits, unless it reads surely as one, may be several touching
 * ones: cut paths that cross the least ink are found near its thinnest columns.
 * Of the ways to read the line left to right -- each piece whole, cut into parts
 * between its cuts, or joined with the next one or two (a digit whose strokes do
 * not touch) -- the one the model likes best is kept (log-probabilities, a width
 * prior that knows slices and pairs of digits from digits, and the verdict's
 * refusals), as classic segmentation by recognition does. Each digit then takes
 * the road of a single one: its own ink alone on the background, the MNIST-style
 * preprocessing of nn-image.h, the model, and the not-a-digit verdict.
 */
#pragma once

#include <gio/gio.h>
#include "nn-model.h"
#include "nn-image.h"
#include "nn-verdict.h"

G_BEGIN_DECLS

#define NN_NUMBER_MAX_DIGITS 64
/* A workspace batch that reads a number's candidate pieces together (any batch
 * works; one reads them one by one). */
#define NN_NUMBER_BATCH 16

typedef struct {
  int digit;            /* the model's best class */
  NnVerdict verdict;
  float confidence;     /* probability of digit */
  int x, y, w, h;       /* its box in the picture */
  float probs[10];
} NnNumberDigit;

typedef enum {
  NN_NUMBER_NUMBER,     /* every piece is a digit */
  NN_NUMBER_NOT_A_NUMBER,
  NN_NUMBER_BLANK,      /* no ink */
} NnNumberVerdict;

typedef struct {
  NnNumberVerdict verdict;
  int n;                                   /* digits, left to right */
  NnNumberDigit digits[NN_NUMBER_MAX_DIGITS];
  char number[NN_NUMBER_MAX_DIGITS + 1];   /* "2026": the best guesses, whatever the verdict */
} NnNumberReading;

/* "number", "not-a-number", "blank". */
const char *nn_number_verdict_name (NnNumberVerdict verdict);

/* Reads grey pixels (any size, stride in bytes) with m (10 classes) in ws (an
 * inference workspace, any batch), judging each piece by rule. background AUTO
 * guesses from the border. FALSE with NN_ERROR_UNSUPPORTED for a model that does
 * not have 10 outputs. */
gboolean nn_number_read (NnModel *m, NnWorkspace *ws, const NnVerdictRule *rule,
                         const guint8 *grey, int width, int height, int stride,
                         NnBackground background, NnNumberReading *out, GError **error);

G_END_DECLS
