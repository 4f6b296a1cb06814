/* nn-personal.h: a personal model, fine-tuned in seconds from a model, the user's
 * own samples and a replay of MNIST training images.
 *
 * The app calls it after every correction ("It's a 4"), in a worker thread:
 *
 *   NnPersonalOptions o;
 *   nn_personal_options_init (&o);
 *   o.base = current_model_path; o.samples_dir = folder; o.out = personal_path;
 *   o.replay = replay_set;          // or NULL: the samples alone
 *   NnPersonalReport r;
 *   if (!nn_personal_tune (&o, &r, &error)) ...
 *
 * The samples folder has the 0 ... 9 layout of nn-folder.h; classes may be missing.
 * Each run starts from base: the head and the deeper third of the convolutions
 * learn (nn_recipe_freeze_for_finetune's phase 2) for a few short epochs on the
 * samples, each repeated with a little augmentation so that they weigh in every
 * batch, mixed with replayed images so that the model keeps what it knew. The
 * epochs stop at max_images images in all, so that a run takes seconds whether
 * there are 3 samples or 200.
 * out is written atomically; its metadata says what it is ("recipe": "personal",
 * "personal_base": the first non-personal model's name, "personal_samples").
 */
#pragma once

#include <gio/gio.h>
#include "nn-dataset.h"

G_BEGIN_DECLS

typedef struct {
  const char *base;          /* the .keras model to start from */
  const char *samples_dir;   /* the user's samples, 0 ... 9 folders */
  const char *out;           /* the personal model written */
  const NnDataset *replay;   /* images to mix in so nothing is forgotten, or NULL */
  const NnDataset *check;    /* images the report measures before and after, or NULL */
  int replay_images;         /* replayed per run; 0: 3 per sample, at least 192, at most 768 */
  int epochs;                /* at most; default 3 */
  int max_images;            /* images trained on in all, over the epochs; default 1200 */
  gboolean measure;          /* fill in the accuracies of the report (costs inference) */
  int batch_size;            /* default 32 */
  float learning_rate;       /* Adam; default 1e-3 */
  guint64 seed;              /* chooses the replayed images and the augmentation */
  int threads;               /* 0: the number of cores */
  GCancellable *cancellable;
} NnPersonalOptions;

typedef struct {
  int n_samples;             /* the user's samples read */
  int n_replay;              /* replayed images in the run */
  int n_skipped;             /* files in the folder that were no sample */
  float samples_before, samples_after;  /* accuracy on the samples; NaN unless measured */
  float check_before, check_after;      /* on options.check; NaN without, or unless measured */
  int epochs;                /* run */
  double load_seconds, train_seconds, save_seconds;
  char *base_name;           /* what "Personal (based on …)" names */
} NnPersonalReport;

void     nn_personal_options_init (NnPersonalOptions *o);
void     nn_personal_report_clear (NnPersonalReport *r);

/* NN_ERROR_NO_DATA when the folder holds no sample; the errors of loading base,
 * training (NN_ERROR_CANCELLED) and saving out. out is untouched on failure. */
gboolean nn_personal_tune (const NnPersonalOptions *o, NnPersonalReport *r, GError **error);

/* A seeded choice of n images of ds without repeats (all of them when n >= ds->n). */
NnDataset *nn_personal_pick (const NnDataset *ds, int n, guint64 seed);

/* The pool of MNIST training images the app keeps for replay once it has read
 * them (a run replays a few hundred): nn_personal_pick (train,
 * NN_PERSONAL_REPLAY_POOL, NN_PERSONAL_REPLAY_SEED). bench/teach-bench uses the same. */
#define NN_PERSONAL_REPLAY_POOL 6000
#define NN_PERSONAL_REPLAY_SEED 0x5e1f

G_END_DECLS
