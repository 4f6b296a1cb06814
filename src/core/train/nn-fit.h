/* nn-fit.h: the training loop, shared unchanged by digits-cli and the app's worker.
 *
 *   NnFitConfig cfg;
 *   nn_fit_config_init (&cfg);              // Adam 1e-3, batch 128, 10 epochs
 *   cfg.on_batch = my_batch_cb;             // runs in the training thread
 *   cfg.cancellable = job_cancellable;      // g_cancellable_cancel from any thread
 *   cfg.checkpoint_path = "models/x.keras"; // best by val accuracy, atomic saves
 *   if (!nn_fit (model, train, val, &cfg, &result, &error)) ...
 *
 * Batches are gathered from the uint8 dataset, converted to float and augmented
 * in a helper thread while the previous batch trains. Per epoch: shuffle (seeded),
 * train, evaluate on val in inference mode, then the callbacks Keras users know:
 * best checkpoint, early stopping with restore-best, ReduceLROnPlateau, CSV history.
 * A NaN or Inf loss stops the run with NN_ERROR_NUMERIC and the model holding the
 * last weights that gave a finite loss. Cancellation is checked before every batch
 * and ends with NN_ERROR_CANCELLED; files already saved stay as they were.
 */
#pragma once

#include <gio/gio.h>
#include "nn-model.h"
#include "nn-dataset.h"
#include "nn-optimizer.h"
#include "nn-schedule.h"
#include "nn-augment.h"
#include "nn-keras-info.h"

G_BEGIN_DECLS

typedef struct {
  int epoch, epochs;      /* 1-based epoch, planned epochs */
  int batch, batches;     /* 1-based batch within the epoch, batches per epoch */
  int images, images_total; /* trained so far in this epoch, per epoch */
  gint64 step;            /* optimizer iterations so far */
  float loss, accuracy;   /* running means over the epoch so far */
  float batch_loss;       /* this batch alone */
  float lr;               /* learning rate of the last step */
  double images_per_second;
  double epoch_seconds;   /* elapsed in this epoch */
  double eta_seconds;     /* rest of this epoch */
  /* on_epoch only: */
  float val_loss, val_accuracy;   /* NaN without validation data */
  gboolean improved;              /* new best val accuracy (checkpoint written) */
  float best_val_accuracy;
  int best_epoch;                 /* 1-based, 0 before any */
  /* The model as this epoch left it: a callback may evaluate it on data of its
   * own (nn_fit_evaluate), never change it. */
  NnModel *model;
} NnFitProgress;

typedef void (*NnFitCallback) (const NnFitProgress *progress, gpointer user_data);

typedef struct {
  int epochs;
  int batch_size;
  guint64 seed;
  int threads;               /* nn_model_set_threads; 0 keeps the model's setting */

  NnOptimizerConfig optimizer;
  NnSchedule schedule;       /* default: constant optimizer.learning_rate */
  float label_smoothing;

  NnAugmentConfig augment;   /* all zero: none */
  int augment_epochs;        /* 0: augment every epoch; N: only the first N (then clean images) */

  /* callbacks (all monitor val accuracy except the plateau, which watches val loss) */
  int early_stopping_patience;  /* 0: off */
  gboolean restore_best;        /* end with the best epoch's weights */
  gboolean keep_last;           /* every epoch is the new best: a schedule that ends by design
                                 * keeps its end, and validation only reports */
  gboolean reduce_on_plateau;
  float plateau_factor;
  int plateau_patience;
  float plateau_min_lr;
  double time_limit_seconds;    /* 0: none; else no epoch starts that would end past it */
  const char *checkpoint_path;  /* best model by val accuracy, or NULL */
  const NnKerasInfo *keras_info; /* the Keras metadata checkpoints keep (a loaded model's), or NULL */
  const char *history_path;     /* CSV per epoch, or NULL */
  gboolean history_append;      /* add rows to an existing history (a second phase) */
  int epoch_offset;             /* epochs already run by an earlier phase (history, progress) */

  NnFitCallback on_batch, on_epoch;
  gpointer user_data;
  GCancellable *cancellable;    /* checked before every batch; may be NULL */
  /* When not NULL, *optimizer_out gets the run's optimizer as the run left it (its
   * slots and iterations; cfg.learning_rate set to the rate of its last step), for
   * saving with the model; what it held before is freed. */
  NnOptimizer **optimizer_out;
} NnFitConfig;

typedef struct {
  int epochs_run;
  int best_epoch;             /* 1-based, 0 if none */
  float best_val_accuracy, best_val_loss;
  float last_loss, last_accuracy;
  gboolean stopped_early;     /* by early stopping or the time limit */
  gboolean stopped_by_time;
  gint64 steps;
  double seconds;
  double images_per_second;   /* training only, over the whole run */
} NnFitResult;

void     nn_fit_config_init (NnFitConfig *cfg);

gboolean nn_fit (NnModel *model, const NnDataset *train, const NnDataset *val,
                 const NnFitConfig *cfg, NnFitResult *result, GError **error);

/* Evaluation batch: an inference workspace holds every layer's output for a whole
 * batch, beside the training one; 64 keeps it small at full speed. */
#define NN_FIT_EVAL_BATCH 64

/* Mean loss (with the given label smoothing) and accuracy of the model on ds, in
 * inference mode. loss and cancellable may be NULL. Returns FALSE only when cancelled, or
 * when even one image would need more memory than a workspace may take. */
gboolean nn_fit_evaluate (NnModel *model, const NnDataset *ds, float label_smoothing,
                          int batch_size, float *loss, float *accuracy,
                          GCancellable *cancellable);

/* Images [start, start + count) of ds by an index table, as float (count, 28, 28, 1). */
void     nn_fit_gather (const NnDataset *ds, const int *indices, int count, float *x,
                        guint8 *labels);

G_END_DECLS
