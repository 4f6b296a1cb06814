/* nn-recipe.h: the training recipes of `digits-cli train` and the app's Train page.
 *
 *   NnRecipeOptions o;
 *   nn_recipe_options_init (&o, NN_RECIPE_CNN);   // the recipe's defaults
 *   o.epochs = 3; o.on_epoch = cb; o.cancellable = c;
 *   NnRecipeReport r;
 *   if (!nn_recipe_run (&o, &r, &error)) ...       // r filled as far as it got
 *   nn_recipe_report_clear (&r);
 *
 * baseline, cnn, advanced, quick: MNIST's 60k training images (or the first --limit),
 * the last 6,000 of them (a tenth with --limit) held out for validation, then the
 * test accuracy measured once and stored in the model's metadata ("test_accuracy");
 * the test set chooses no weights.
 * finetune: a 0 ... 9 folder, a seeded stratified 20% validation split, phase 1
 * (head only, Adam) then phase 2 (deeper conv layers unfrozen, AdamW).
 *
 * What happens to out: the best epoch so far is checkpointed beside it
 * (nn_recipe_checkpoint_path), and out is replaced only at the end, atomically:
 * when the run finishes, or when it is cancelled after an epoch (then with the best
 * epoch's weights). A run that ends at chance level (accuracy at most 1.5 / classes:
 * it diverged) fails with NN_ERROR_NUMERIC and report->diverged, and out stays as it
 * was. Any other failure leaves out as it was and the checkpoint, if there is one.
 */
#pragma once

#include <gio/gio.h>
#include "nn-calibrate.h"
#include "nn-fit.h"
#include "nn-folder.h"

G_BEGIN_DECLS

typedef enum {
  NN_RECIPE_BASELINE,
  NN_RECIPE_CNN,
  NN_RECIPE_ADVANCED,
  NN_RECIPE_FINETUNE,
  NN_RECIPE_QUICK,
} NnRecipeKind;

const char *nn_recipe_name (NnRecipeKind kind);                  /* "cnn" */
gboolean    nn_recipe_from_name (const char *name, NnRecipeKind *out);

typedef struct {
  NnRecipeKind kind;
  int epochs;            /* finetune: phase 2's maximum */
  int batch_size;
  float learning_rate;   /* finetune: phase 2's (phase 1 uses 1e-3) */
  guint64 seed;
  int threads;           /* 0: the number of cores */
  int limit;             /* use only the first N training images; 0: all */
  double time_limit;     /* seconds of training, 0: none (see NnFitConfig) */
  gboolean augment;      /* the recipe's augmentation (default TRUE) */
  const char *out;       /* model file written at the end (see above); no default */
  const char *history;   /* CSV path or NULL */
  const char *mnist_dir; /* NULL: nn_mnist_load's default */
  const char *data_dir;  /* finetune: the 0 ... 9 folder */
  const char *base;      /* finetune: starting model */

  NnFitCallback on_batch, on_epoch;
  /* Called when a stage starts: "phase 1: head only" ...; may be NULL. */
  void (*on_stage) (const char *stage, gpointer user_data);
  /* finetune: called once the folder is read, before any training; may be NULL. */
  void (*on_folder) (const NnFolderReport *report, gpointer user_data);
  gpointer user_data;
  GCancellable *cancellable; /* checked before every batch; may be NULL */
} NnRecipeOptions;

typedef struct {
  NnFitResult fit;          /* the last phase */
  int n_train, n_val;
  float test_accuracy;      /* MNIST recipes; NaN otherwise */
  NnCalibrationReport calibration; /* MNIST recipes: the temperature folded after training */
  float val_before, val_after; /* finetune */
  NnFolderReport folder;    /* finetune: per-class counts and skipped files */
  double seconds;
  gboolean diverged;        /* ended at chance level; out was not written */
  float final_accuracy;     /* the accuracy judged: test (MNIST) or validation */
  gboolean wrote_out;       /* out holds this run's model */
} NnRecipeReport;

void     nn_recipe_options_init (NnRecipeOptions *o, NnRecipeKind kind);
void     nn_recipe_report_clear (NnRecipeReport *r);

/* The recipe's untrained model (Glorot-uniform from seed), Keras layer names. */
NnModel *nn_recipe_build_model (NnRecipeKind kind, guint64 seed, GError **error);

/* Where a run writing out keeps its best epoch until it ends: "DIR/NAME.checkpoint.keras"
 * for "DIR/NAME.keras", else out + ".checkpoint.keras". Free with g_free. */
char    *nn_recipe_checkpoint_path (const char *out);

/* The accuracy at or below which a run of n_classes is at chance level: 1.5 / n. */
float    nn_recipe_chance_accuracy (int n_classes);

/* The fit configuration the recipe uses for n_train training images (with no
 * checkpoint_path: nn_recipe_run sets its own). */
void     nn_recipe_fit_config (const NnRecipeOptions *o, int n_train, NnFitConfig *cfg);

gboolean nn_recipe_run (const NnRecipeOptions *o, NnRecipeReport *report, GError **error);

/* Finetune's freezing: head only (phase 1) or head plus the deeper third of the
 * convolutional layers and their BatchNormalization (phase 2). */
void     nn_recipe_freeze_for_finetune (NnModel *m, int phase);

G_END_DECLS
