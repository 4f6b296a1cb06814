/* numbers.h: pictures of numbers made of MNIST test digits, from a seed.
 *
 * 2 to 6 digits, each cropped to its ink's columns and placed side by side on
 * MNIST's black, each up or down by up to DRIFT pixels (a hand's
 * baseline drifts), with a gap of 4 to 10 pixels (separate), 0 to 3 (close), or
 * overlapping by 1 to 4 pixels where the brighter pixel wins, and more where that
 * leaves the ink of the two apart, so that they touch (touching). The same
 * digits, mode and seed give the same picture; truth gets the digits as text.
 */
#pragma once

#include <glib.h>
#include "nn-dataset.h"
#include "nn-number.h"

typedef enum { NUM_SEPARATE, NUM_CLOSE, NUM_TOUCHING, NUM_N_MODES } NumMode;

#define NUM_HEIGHT 40   /* 28 and a margin of 6 above and below */
#define DRIFT 2
#define NUM_MAX_WIDTH (6 * 28 + 6 * 10 + 12)
#define NUM_INK 90      /* a pixel is ink from this level (read as ink by nn-number.c too) */

const char *num_mode_name (NumMode mode);
/* Fills grey (NUM_HEIGHT rows of *width pixels, stride NUM_MAX_WIDTH) and truth
 * (7 bytes); digits come from ds (the MNIST test set). */
void num_render (const NnDataset *ds, NumMode mode, guint32 seed, guint8 *grey, int *width,
                 char *truth);
/* As num_render, and boxes (NN_NUMBER_MAX_DIGITS) gets each digit's box: the
 * rows and columns of its ink (pixels from NUM_INK). */
void num_render_boxes (const NnDataset *ds, NumMode mode, guint32 seed, guint8 *grey, int *width,
                       char *truth, NnNumberDigit *boxes);
/* When argv[1] is --pieces FILE: the pieces model in FILE (exits on an error),
 * with the two taken out of argc and argv; else NULL. */
NnNumberPieces *num_pieces_option (int *argc, char ***argv);
