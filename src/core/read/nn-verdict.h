/* nn-verdict.h: is this picture a digit at all?
 *
 * A digit model answers one of ten digits for anything, a star or a scribble
 * too. The verdict looks at what the shipped models already give, without
 * retraining them or changing their graph:
 *   - the input, in the 28 x 28 field after preprocessing: how much ink (a filled
 *     blob or a scratched-over patch has far more than any MNIST digit), in how
 *     many pieces (random strokes and dots come apart), how much of the ink the
 *     largest piece holds, and how many holes it encloses (an 8 has two);
 *   - a detector: a small network (one hidden layer) on the model's values at its
 *     output layer's input, its sorted log-probabilities and energy (log sum exp
 *     of the logits) and the input figures above, trained to tell MNIST training
 *     digits from drawings the project makes itself (nn-negatives.h: scribbles,
 *     shapes, dots, strokes, letter-like glyphs, letters and marks) and touching
 *     pairs of training digits (what a reader of numbers must cut). No single
 *     score of the model (energy, top probability, distance to a class centre)
 *     separates those nearly as well at the same cost in digits: measured with bench/verdict-bench.
 * Each check has a threshold fitted on MNIST training images (nn_verdict_rule_fit),
 * so that only a small share of real digits is refused. The rule lives in the
 * model file's metadata.json under keys of its own ("verdict_*"), which Keras
 * ignores; a model without them gets nn_verdict_rule_default. Rules stored before
 * the detector (a distance to class centres instead) still load and work.
 */
#pragma once

#include <gio/gio.h>
#include "nn-model.h"
#include "nn-dataset.h"

G_BEGIN_DECLS

typedef enum {
  NN_VERDICT_DIGIT,
  NN_VERDICT_NOT_A_DIGIT,
  NN_VERDICT_BLANK,        /* nothing drawn (preprocessing found no ink) */
} NnVerdict;

/* "digit", "not-a-digit", "blank": the words of digits-cli's JSON. */
const char *nn_verdict_name (NnVerdict verdict);

typedef struct {
  double ink;          /* mean of the 784 field values, 0..1 */
  int pieces;          /* 8-connected pieces of ink > 0.3 holding >= 4 pixels */
  double largest;      /* share of the ink mass in the largest piece, 0..1 */
  int holes;           /* background regions the ink encloses (4-connected, >= 2 pixels) */
  double energy;       /* log sum exp of the logits */
  double max_prob;     /* top softmax probability */
  double distance;     /* to the nearest class centre in feature space; 0 without one */
  double score;        /* the detector's not-a-digit score (a logit); 0 without one */
} NnVerdictFeatures;

/* The detector's inputs beyond the feature space: the sorted log-probabilities,
 * the energy, and the input checks' ink, pieces, largest share and holes. */
#define NN_VERDICT_EXTRA_INPUTS 15
/* The field pooled 2 x 2 (14 x 14 means): what the detector of a model with no
 * feature space (its output layer reads the pixels) has of the picture, and the
 * shape of the ink beside any model's features. */
#define NN_VERDICT_PIXEL_INPUTS 196
/* How much edge of each of 4 directions each 4 x 4 cell of the field holds (7 x 7
 * cells), scaled by the field's whole edge. */
#define NN_VERDICT_EDGE_INPUTS 196

typedef struct {
  double max_ink;      /* refuse above */
  double min_ink;      /* refuse below */
  int max_pieces;      /* refuse above */
  double min_largest;  /* refuse below */
  int max_holes;       /* refuse above: a cross-hatch or a scratched patch encloses many */
  double min_energy;   /* refuse below; -INFINITY: no check */
  double min_prob;     /* refuse below; 0: no check */
  /* The feature space: the input of the output layer (its penultimate values),
   * where each class has a centre and each dimension a scale (1 / standard
   * deviation around the class centres, pooled): a diagonal Mahalanobis
   * distance. dim 0: no such check. */
  int dim, n_classes;
  float *centres;      /* (n_classes, dim), owned */
  float *scale;        /* (dim), owned */
  double max_distance; /* refuse above; centres NULL: no such check */
  /* The detector: on the feature space (dim values), the pooled field (pixels
   * values: 0 or NN_VERDICT_PIXEL_INPUTS) and the NN_VERDICT_EXTRA_INPUTS (z),
   * fitted against seeded negatives (nn-negatives.h); a score above max_score is
   * refused. Without hidden units the score is w . z + bias; with H of them,
   * w2 . relu (W1 z + b1) + bias. weights NULL: no detector. */
  int pixels;
  int edges;           /* 0 or NN_VERDICT_EDGE_INPUTS, after the pooled field */
  int hidden;          /* H, 0: a logistic regression */
  float *weights;      /* w (inputs), or W1 (H, inputs), b1 (H), w2 (H); owned */
  double bias;
  double max_score;
} NnVerdictRule;

void nn_verdict_rule_clear (NnVerdictRule *rule);
/* The layer whose output is the feature space: the output layer's input. */
int  nn_verdict_feature_layer (const NnModel *m);

/* Features of one field x (28 x 28, ink 1), the model's logits for it and its
 * feature-space values (NULL, or rule->dim values from nn_verdict_feature_layer). */
void nn_verdict_features (const NnVerdictRule *rule, const float *x, const float *logits,
                          int n_classes, const float *feat, NnVerdictFeatures *out);
NnVerdict nn_verdict_judge (const NnVerdictRule *rule, const NnVerdictFeatures *f);

/* For a model with no rule of its own: input checks with wide margins and a top
 * probability of at least 0.5 (any model has probabilities; energies differ in
 * scale from model to model). */
void nn_verdict_rule_default (NnVerdictRule *rule);
/* The model's stored rule; FALSE (and the default in rule) when it has none or a
 * value does not parse. */
gboolean nn_verdict_rule_from_model (const NnModel *m, NnVerdictRule *rule);
/* Writes the rule into m->metadata (creating it), replacing an earlier one. */
void nn_verdict_rule_store (NnModel *m, const NnVerdictRule *rule);

/* Fits the rule on ds (MNIST training images): the detector learns ds's digits
 * but its last share (the validation split) against seeded negatives drawn by
 * nn-negatives.h (a fixed seed, so a fit is repeatable), its threshold is set on
 * that split; each input check refuses a small share of ds at its tail, so the
 * whole rule refuses about `reject` of digits. Runs the model in ws (inference,
 * any batch). FALSE only when cancelled. */
gboolean nn_verdict_rule_fit (NnModel *m, NnWorkspace *ws, const NnDataset *ds, double reject,
                              NnVerdictRule *rule, GCancellable *cancellable, GError **error);

G_END_DECLS

G_BEGIN_DECLS
/* The verdict on each image of ds (already 28 x 28 fields): verdicts (ds->n).
 * FALSE only when cancelled. */
gboolean nn_verdict_run (NnModel *m, NnWorkspace *ws, const NnVerdictRule *rule,
                         const NnDataset *ds, NnVerdict *verdicts, GCancellable *cancellable,
                         GError **error);
G_END_DECLS
