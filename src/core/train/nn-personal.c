/* nn-personal.c: the personal model's short fine-tune (see nn-personal.h). */
#include "nn-personal.h"
#include "nn-error.h"
#include "nn-fit.h"
#include "nn-folder.h"
#include "nn-keras.h"
#include "nn-keras-isolated.h"
#include "nn-recipe.h"
#include "nn-train-rng.h"

#include <math.h>
#include <string.h>

void
nn_personal_options_init (NnPersonalOptions *o)
{
  g_return_if_fail (o != NULL);
  memset (o, 0, sizeof *o);
  o->epochs = 3;
  o->max_images = 1200;
  o->batch_size = 32;
  o->learning_rate = 1e-3f;
  o->seed = 1;
}

void
nn_personal_report_clear (NnPersonalReport *r)
{
  if (r)
    g_clear_pointer (&r->base_name, g_free);
}

NnDataset *
nn_personal_pick (const NnDataset *ds, int n, guint64 seed)
{
  g_return_val_if_fail (ds != NULL, NULL);
  n = CLAMP (n, 0, ds->n);
  int *order = g_new (int, ds->n);
  for (int i = 0; i < ds->n; i++)
    order[i] = i;
  // a partial Fisher-Yates: the first n places are a uniform choice
  NnTrainRng rng = nn_train_rng_derive (seed, 0x9e50, 0);
  for (int i = 0; i < n; i++)
    {
      int j = i + (int) nn_train_rng_below (&rng, (guint32) (ds->n - i));
      int t = order[i];
      order[i] = order[j];
      order[j] = t;
    }
  NnDataset *out = nn_dataset_new (n);
  for (int i = 0; i < n; i++)
    {
      memcpy (out->images + (gsize) i * NN_IMAGE_PIXELS,
              ds->images + (gsize) order[i] * NN_IMAGE_PIXELS, NN_IMAGE_PIXELS);
      out->labels[i] = ds->labels[order[i]];
    }
  g_free (order);
  return out;
}

/* The training set: every sample `repeat` times, then the replayed images. */
static NnDataset *
mix (const NnDataset *samples, int repeat, const NnDataset *replay)
{
  int n_replay = replay ? replay->n : 0;
  NnDataset *ds = nn_dataset_new (samples->n * repeat + n_replay);
  int k = 0;
  for (int r = 0; r < repeat; r++)
    for (int i = 0; i < samples->n; i++, k++)
      {
        memcpy (ds->images + (gsize) k * NN_IMAGE_PIXELS,
                samples->images + (gsize) i * NN_IMAGE_PIXELS, NN_IMAGE_PIXELS);
        ds->labels[k] = samples->labels[i];
      }
  for (int i = 0; i < n_replay; i++, k++)
    {
      memcpy (ds->images + (gsize) k * NN_IMAGE_PIXELS,
              replay->images + (gsize) i * NN_IMAGE_PIXELS, NN_IMAGE_PIXELS);
      ds->labels[k] = replay->labels[i];
    }
  return ds;
}

static void
set_metadata (NnModel *m, const char *key, char *value)
{
  if (!m->metadata)
    m->metadata = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_hash_table_replace (m->metadata, g_strdup (key), value);
}

/* The name of the model the chain of personal models started from. */
static char *
base_name (const NnModel *m, const char *path)
{
  const char *earlier = m->metadata ? g_hash_table_lookup (m->metadata, "personal_base") : NULL;
  if (earlier && *earlier)
    return g_strdup (earlier);
  g_autofree char *name = g_path_get_basename (path);
  if (g_str_has_suffix (name, ".keras"))
    name[strlen (name) - strlen (".keras")] = '\0';
  return g_steal_pointer (&name);
}

static float
accuracy (NnModel *m, const NnDataset *ds)
{
  float acc = NAN;
  if (ds && ds->n > 0)
    nn_fit_evaluate (m, ds, 0.0f, NN_FIT_EVAL_BATCH, NULL, &acc, NULL);
  return acc;
}

gboolean
nn_personal_tune (const NnPersonalOptions *o, NnPersonalReport *r, GError **error)
{
  g_return_val_if_fail (o != NULL && r != NULL, FALSE);
  g_return_val_if_fail (o->base != NULL && o->samples_dir != NULL && o->out != NULL, FALSE);

  memset (r, 0, sizeof *r);
  r->samples_before = r->samples_after = r->check_before = r->check_after = NAN;
  gint64 t0 = g_get_monotonic_time ();

  NnFolderReport folder = { 0 };
  g_autoptr (NnDataset) samples = nn_folder_load (o->samples_dir, FALSE, &folder, error);
  r->n_skipped = folder.skipped ? (int) folder.skipped->len : 0;
  nn_folder_report_clear (&folder);
  if (!samples)
    return FALSE;
  r->n_samples = samples->n;

  g_autoptr (NnKerasInfo) info = NULL;
  g_autoptr (NnModel) m = nn_keras_load_isolated_with_info (o->base, &info, error);
  if (!m)
    return FALSE;
  if (m->n_classes != 10)
    {
      g_set_error (error, NN_ERROR, NN_ERROR_SHAPE,
                   "%s has %d outputs; a personal model needs a 10-class digit model",
                   o->base, m->n_classes);
      return FALSE;
    }
  r->base_name = base_name (m, o->base);

  // Few samples weigh in every batch by repetition (each copy augmented
  // differently); many need no repeating. Three replayed images per sample: with two,
  // 200 font samples cost 0.36 points of MNIST test accuracy, with three 0.25.
  int n_replay = 0;
  g_autoptr (NnDataset) replay = NULL;
  if (o->replay && o->replay->n > 0)
    {
      n_replay = o->replay_images > 0 ? o->replay_images : CLAMP (3 * samples->n, 192, 768);
      replay = nn_personal_pick (o->replay, n_replay, o->seed);
      n_replay = replay->n;
    }
  r->n_replay = n_replay;
  int repeat = CLAMP ((MAX (n_replay, 64) + samples->n) / (2 * samples->n), 1, 16);
  g_autoptr (NnDataset) train = mix (samples, repeat, replay);

  // 3 samples: 16 x 3 + 192 replayed = 240 images, 3 epochs; 200 samples: 2 x 200 + 600
  // replayed = 1,000 images, 1 epoch
  r->epochs = CLAMP (o->max_images / MAX (train->n, 1), 1, MAX (o->epochs, 1));
  nn_model_set_threads (m, o->threads > 0 ? o->threads : (int) g_get_num_processors ());
  if (o->measure)
    {
      r->samples_before = accuracy (m, samples);
      r->check_before = accuracy (m, o->check);
    }
  gint64 t1 = g_get_monotonic_time ();
  r->load_seconds = (t1 - t0) / 1e6;

  NnRecipeOptions ro;
  NnFitConfig cfg;
  nn_recipe_options_init (&ro, NN_RECIPE_FINETUNE);
  ro.epochs = r->epochs;
  ro.batch_size = o->batch_size;
  ro.learning_rate = o->learning_rate;
  ro.seed = o->seed;
  ro.threads = o->threads;
  ro.cancellable = o->cancellable;
  nn_recipe_fit_config (&ro, train->n, &cfg);
  // Adam at a constant rate, no validation: too few steps for anything to choose
  cfg.optimizer = nn_optimizer_config_default (NN_OPTIMIZER_ADAM);
  cfg.optimizer.learning_rate = o->learning_rate;
  cfg.schedule = nn_schedule_constant (o->learning_rate);
  cfg.early_stopping_patience = 0;
  cfg.restore_best = FALSE;
  cfg.history_path = NULL;
  g_autofree gboolean *trainable = g_new (gboolean, m->n_layers);
  for (int i = 0; i < m->n_layers; i++)
    trainable[i] = m->layers[i].trainable;
  nn_recipe_freeze_for_finetune (m, 2);
  NnFitResult fit;
  if (!nn_fit (m, train, NULL, &cfg, &fit, error))
    return FALSE;
  for (int i = 0; i < m->n_layers; i++)
    m->layers[i].trainable = trainable[i];  // what the file says about training: as before
  gint64 t2 = g_get_monotonic_time ();
  r->train_seconds = (t2 - t1) / 1e6;

  if (o->measure)
    {
      r->samples_after = accuracy (m, samples);
      r->check_after = accuracy (m, o->check);
    }
  // the base's test accuracy is not this model's; what it is, is said instead
  if (m->metadata)
    g_hash_table_remove (m->metadata, "test_accuracy");
  set_metadata (m, "recipe", g_strdup ("personal"));
  set_metadata (m, "personal_base", g_strdup (r->base_name));
  set_metadata (m, "personal_samples", g_strdup_printf ("%d", samples->n));
  const NnKerasSaveOptions keep = { .info = info };
  if (!nn_keras_save (m, o->out, &keep, error))
    return FALSE;
  r->save_seconds = (g_get_monotonic_time () - t2) / 1e6;
  return TRUE;
}
