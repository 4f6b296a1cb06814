/* nn-robustness.h: the result of a robustness sweep, the accuracy of one model
 * under each perturbation, and its JSON and CSV forms (nn-robustness.c).
 * The sweep itself, nn_robustness_sweep(), is in nn-evaluate.h.
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
NnRobustnessResult *nn_robustness_result_copy (const NnRobustnessResult *result);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (NnRobustnessResult, nn_robustness_result_free)

/* The row for this perturbation, or NULL. */
const NnRobustnessRow *nn_robustness_result_find (const NnRobustnessResult *result,
                                                  NnPerturbKind kind, double severity);
/* The row with the lowest accuracy (the clean row included). */
const NnRobustnessRow *nn_robustness_result_worst (const NnRobustnessResult *result);

/* One model's result as a JSON object (callers write it where they like):
 *   { "model": ..., "images": N, "seed": S,
 *     "rows": [ { "perturbation": "noise", "severity": 0.05, "label": "noise σ=0.05",
 *                 "correct": 9712, "n": 10000, "accuracy": 0.971200 }, ... ] }
 * model_name NULL leaves "model" out. Free with g_free. */
char    *nn_robustness_result_to_json (const NnRobustnessResult *result, const char *model_name);
/* A CSV: the header "perturbation,severity,label,correct,n,accuracy", one row each. */
char    *nn_robustness_result_to_csv (const NnRobustnessResult *result);

G_END_DECLS
