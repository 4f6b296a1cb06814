/* nn-explain-score.h: how faithful a map is, measured on the model itself.
 *
 *   on-ink share   of the map's positive mass, the share on pixels within 2 px
 *                  (a 5 x 5 square) of ink, ink being input > 0.1;
 *   deletion       pixels set to 0 in the map's order, hottest first (ties in a
 *                  seeded random order), against the same number in a seeded random
 *                  order: the explained class's probability after 10% of the pixels
 *                  (78) are gone, and the deletion AUC, the mean probability over
 *                  0, 5, ..., 50% removed (trapezoid rule). Lower is more faithful.
 * The explained class is the predicted one.
 */
#pragma once

#include <gio/gio.h>
#include "nn-dataset.h"
#include "nn-explain.h"

G_BEGIN_DECLS

#define NN_EXPLAIN_DELETION_STEPS 10 /* 5% of the pixels each, up to 50% */

/* One image's figures. */
typedef struct {
  int class_index;
  gboolean has_mass;    /* the map has some positive value */
  double on_ink;        /* in [0, 1]; 0 when the map has no positive mass */
  double p0;            /* the class's probability on the intact image */
  double p10_map;       /* ... after the map's hottest 10% are set to 0 */
  double p10_random;    /* ... after a random 10% */
  gboolean map_hurts_more; /* p10_map < p10_random, compared as log-probabilities */
  double auc_map, auc_random;
} NnExplainImageScore;

/* Over a set of images: means of the per-image figures. */
typedef struct {
  int n_images;
  int n_no_mass;        /* maps with no positive mass (their on-ink share counts as 0) */
  double on_ink;
  double beats_random;  /* share of images with map_hurts_more */
  double drop_map, drop_random; /* mean probability drop at 10% */
  double auc_map, auc_random;
  double seconds;       /* wall time of the whole run */
} NnExplainScore;

/* The on-ink share of map for the image x (both 28 x 28). */
double nn_explain_on_ink_share (const float *x, const float *map);

/* Explains x with method (layer < 0: the default) and measures the map. seed
 * picks the random orders (the ties and the random deletion). */
gboolean nn_explain_score_image (NnExplainer *e, NnExplainMethod method, int layer,
                                 const float *x, guint64 seed, NnExplainImageScore *out,
                                 GError **error);

/* nn_explain_score_image over every image of ds (image i seeded with seed + i).
 * progress (may be NULL) is called after each image; cancellable is checked
 * between images (NN_ERROR_CANCELLED). */
gboolean nn_explain_score_dataset (NnExplainer *e, NnExplainMethod method, int layer,
                                   const NnDataset *ds, guint64 seed,
                                   void (*progress) (gint64 done, gint64 total, gpointer data),
                                   gpointer progress_data, GCancellable *cancellable,
                                   NnExplainScore *out, GError **error);

G_END_DECLS
