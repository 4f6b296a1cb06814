/* nn-number.h: a number of several digits in one picture, read left to right.
 *
 * The ink's connected pieces give a first split (pieces stacked in one column,
 * like a 5 drawn in two strokes, are joined; specks are dropped). A piece wide
 * enough for two digits, unless it reads surely as one, may be several touching
 * ones: cut paths that cross the least ink are found near its thinnest columns.
 * Of the ways to read the line left to right -- each piece whole, cut into parts
 * between its cuts, or joined with the next one or two (a digit whose strokes do
 * not touch) -- the one of highest score is kept, as classic segmentation by
 * recognition does: a weighted sum of its digits' features (NnNumberFeatures:
 * log-probabilities, the not-a-digit detector's score, widths, heights, the ink
 * its cuts cross, and, given a pieces model, how it reads the digit in its
 * place), the weights fitted on numbers of MNIST training digits by
 * bench/read-fit. Each digit then takes
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

/* What the score of a reading sums over its digits, each a picture read as
 * class c: features, or, as NnNumberFeatures too, their weights. Widths and
 * heights are shares of the line's tallest piece. */
typedef struct {
  float log_prob;        /* of c */
  float margin;          /* log_prob less the best other class's */
  float refused;         /* 1 when the verdict refuses it */
  float doubt;           /* softplus (detector score less threshold + 8) */
  float score;           /* detector score less threshold, within +-20 */
  float score_softplus;  /* softplus of it */
  float too_wide;        /* width beyond 1.2 */
  float too_narrow;      /* width short of 0.4 (0 for a 1) */
  float width;           /* up to 2 */
  float short_;          /* height short of 1 */
  float digit;           /* 1 */
  float part;            /* 1 for a part of a piece cut */
  float wide_part;       /* 1 for such a part wider than 0.9 */
  float join;            /* 1 for pieces joined */
  float cuts;            /* its sides that are cuts: 0 to 2 */
  float crossed;         /* ink pixels its cuts cross (at full ink) */
  float crossed_excess;  /* beyond 2 */
  float digit_as[10];    /* 1 at c */
  float part_as[10];     /* part at c */
  float wide_as[10];     /* width beyond 0.8, at c */
  float short_as[10];    /* height short of 0.9, at c */
  float in_place;        /* the pieces model's log-probability of c (0 without one) */
  float in_place_as[10]; /* in_place, at c */
} NnNumberFeatures;

#define NN_NUMBER_N_FEATURES ((int) (sizeof (NnNumberFeatures) / sizeof (float)))

/* A second model that reads each candidate digit in its place: the line around
 * it at a fixed scale (the tallest piece NN_NUMBER_PLACE_HEIGHT pixels high),
 * its own ink bright and the rest dim, as one of the ten digits or as class 10,
 * "not one whole digit". It sees what the digit model, shown the candidate
 * alone and centred, cannot: ink that goes on past a cut, a neighbour's stroke
 * taken along. bench/pieces-fit trains it on numbers of MNIST training digits
 * (models/pieces/number_pieces.keras). */
#define NN_NUMBER_PIECE_CLASSES 11
#define NN_NUMBER_PLACE_HEIGHT 20
typedef struct _NnNumberPieces NnNumberPieces;

/* Takes model (NN_NUMBER_PIECE_CLASSES outputs); NULL with NN_ERROR_UNSUPPORTED,
 * and model freed, for another. A pieces model serves one reading at a time. */
NnNumberPieces *nn_number_pieces_new (NnModel *model, GError **error);
void            nn_number_pieces_free (NnNumberPieces *pieces);
/* Where the shipped pieces model is (models/pieces/number_pieces.keras): the
 * source tree's for a program of the build tree, else the installed one, whether
 * or not the file is there. */
const char     *nn_number_pieces_shipped_path (void);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (NnNumberPieces, nn_number_pieces_free)

/* The weights nn_number_read reads with: by a rule with a not-a-digit detector
 * (the doubt and score features are 0 without one), with a pieces model too,
 * or by a rule without a detector; and which of them a reading takes (a rule
 * without a detector reads without the pieces model). */
extern const NnNumberFeatures nn_number_weights;
extern const NnNumberFeatures nn_number_weights_in_place;
extern const NnNumberFeatures nn_number_weights_without_detector;
const NnNumberFeatures *nn_number_weights_for (const NnVerdictRule *rule,
                                               const NnNumberPieces *pieces);

/* "number", "not-a-number", "blank". */
const char *nn_number_verdict_name (NnNumberVerdict verdict);

/* Reads grey pixels (any size, stride in bytes) with m (10 classes) in ws (an
 * inference workspace, any batch), judging each piece by rule, and with pieces
 * unless it is NULL. background AUTO guesses from the border. FALSE with
 * NN_ERROR_UNSUPPORTED for a model that does not have 10 outputs. */
gboolean nn_number_read (NnModel *m, NnWorkspace *ws, const NnVerdictRule *rule,
                         NnNumberPieces *pieces,
                         const guint8 *grey, int width, int height, int stride,
                         NnBackground background, NnNumberReading *out, GError **error);

/* Every way nn_number_read considers of reading one picture, for fitting the
 * weights (bench/read-fit). */
typedef struct _NnNumberLattice NnNumberLattice;

/* As nn_number_read, but keeps the ways, and the pictures in place whether or
 * not pieces is NULL; NULL with error as it fails. */
NnNumberLattice *nn_number_lattice_new (NnModel *m, NnWorkspace *ws, const NnVerdictRule *rule,
                                        NnNumberPieces *pieces, const guint8 *grey,
                                        int width, int height, int stride,
                                        NnBackground background, GError **error);
void             nn_number_lattice_free (NnNumberLattice *lattice);
/* The way of highest score under weights (of those that read truth, when truth
 * is not NULL; with a pieces model, a picture may be read as its second best
 * class): its number (NN_NUMBER_MAX_DIGITS + 1 chars) and the sum of its
 * digits' features. FALSE when there is no such way. */
gboolean         nn_number_lattice_best (const NnNumberLattice *lattice,
                                         const NnNumberFeatures *weights, const char *truth,
                                         char *number, NnNumberFeatures *sum);

/* The pictures a lattice read, for training a pieces model (bench/pieces-fit):
 * how many, and picture i as the pieces model sees it (NN_IMAGE_PIXELS floats,
 * NULL when the lattice was made without one). */
int          nn_number_lattice_n_pictures (const NnNumberLattice *lattice);
const float *nn_number_lattice_in_place (const NnNumberLattice *lattice, int i);
/* Picture i's box, in the pixels the lattice read (a large picture is read
 * reduced), and the digit model's reading of it. */
const NnNumberDigit *nn_number_lattice_picture (const NnNumberLattice *lattice, int i);
/* The pictures of the way of highest score under weights that reads truth, each
 * picture read as its digit of truth whatever the model's classes, left to
 * right (at most strlen (truth)); how many, -1 for no such way. */
int          nn_number_lattice_right_pictures (const NnNumberLattice *lattice,
                                               const NnNumberFeatures *weights,
                                               const char *truth, int *pictures);

G_END_DECLS
