/* nn-robustness.h: accuracy of one model under each perturbation of a sweep.
 *
 * Every row perturbs every image of the dataset (nn-perturb.h), runs the model,
 * and counts the correct answers. Noise is seeded per image from the sweep's seed
 * and the image index, so a row's accuracy does not depend on batch size or threads.
 */
#pragma once

#include <glib.h>
#include "nn-eval.h"
#include "nn-perturb.h"

G_BEGIN_DECLS

typedef struct {
  NnPerturbation perturbation;
  int correct;
  int n;
  double accuracy; /* correct / n */
} NnRobustnessRow;

typedef struct {
  int n_rows;
  NnRobustnessRow *rows;
  int n_images;    /* images per row */
  guint64 seed;
  double seconds;
} NnRobustnessResult;

void nn_robustness_result_free (NnRobustnessResult *result);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (NnRobustnessResult, nn_robustness_result_free)

/* The row for this perturbation, or NULL. */
const NnRobustnessRow *nn_robustness_result_find (const NnRobustnessResult *result,
                                                  NnPerturbKind kind, double severity);
/* The row with the lowest accuracy (the clean row included). */
const NnRobustnessRow *nn_robustness_result_worst (const NnRobustnessResult *result);

/* The default seed of the noise rows. */
#define NN_ROBUSTNESS_SEED 20240611u

/* Runs the sweep. perturbations NULL means nn_perturbation_standard_set().
 * progress counts image evaluations: done of n_perturbations * ds->n. The model
 * needs 10 outputs; a cancelled cancellable (may be NULL) gives NN_ERROR_CANCELLED
 * and no result. */
gboolean nn_robustness_sweep (NnModel *m, const NnDataset *ds,
                              const NnPerturbation *perturbations, int n_perturbations,
                              guint64 seed, NnEvalProgressFunc progress,
                              gpointer user_data, GCancellable *cancellable,
                              NnRobustnessResult **out, GError **error);

/* One model's result as a JSON object (callers write it where they like):
 *   { "model": ..., "images": N, "seed": S,
 *     "rows": [ { "perturbation": "noise", "severity": 0.05, "label": "noise σ=0.05",
 *                 "correct": 9712, "n": 10000, "accuracy": 0.971200 }, ... ] }
 * model_name NULL leaves "model" out. Free with g_free. */
char    *nn_robustness_result_to_json (const NnRobustnessResult *result, const char *model_name);
/* A CSV: the header "perturbation,severity,label,correct,n,accuracy", one row each. */
char    *nn_robustness_result_to_csv (const NnRobustnessResult *result);

G_END_DECLS
