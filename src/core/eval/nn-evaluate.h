/* nn-evaluate.h: the runners that drive a model over a dataset (nn-evaluate.c): the
 * evaluation behind an NnEvalResult and the robustness sweep behind an
 * NnRobustnessResult.
 *
 * Both run in batches through nn_model_predict(), report progress per batch and
 * check a GCancellable between batches; they may run in a worker thread, and the
 * cancellable may be cancelled from any thread. In the sweep every row perturbs
 * every image of the dataset (nn-perturb.h), runs the model, and counts the correct
 * answers. Noise is seeded per image from the sweep's seed and the image index, so
 * a row's accuracy does not depend on batch size or threads.
 */
#pragma once

#include <gio/gio.h>
#include "nn-model.h"
#include "nn-dataset.h"
#include "nn-eval.h"
#include "nn-robustness.h"

G_BEGIN_DECLS

/* Progress: done of total images (or image evaluations in a sweep). */
typedef void     (*NnEvalProgressFunc) (gint64 done, gint64 total, gpointer user_data);

/* Runs m over every image of ds. The model must have 10 outputs (else
 * NN_ERROR_SHAPE); ds must not be empty (NN_ERROR_NO_DATA). progress
 * (called with user_data) and cancellable may be NULL. A cancelled cancellable gives
 * NN_ERROR_CANCELLED and no result.
 * Threads: whatever nn_model_set_threads() set on m. */
gboolean nn_evaluate (NnModel *m, const NnDataset *ds, NnEvalProgressFunc progress,
                      gpointer user_data, GCancellable *cancellable, NnEvalResult **out,
                      GError **error);

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

G_END_DECLS
