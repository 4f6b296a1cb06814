/* The fit loop on small synthetic data: the loss falls and a tiny model overfits,
 * seeded runs repeat exactly, frozen layers stay put and survive a .keras round
 * trip, a cancel never touches the saved model file, a NaN keeps the last good
 * weights, and the history has one row per epoch. */
#include <glib.h>
#include <glib/gstdio.h>
#include <math.h>
#include <string.h>

#include "nn-error.h"
#include "nn-fit.h"
#include "nn-keras.h"

/* Ten classes of 28 x 28 images: class c is a bright 6 x 6 square at a position of
 * its own, with seeded jitter and noise, so a small network can learn it fast. */
static NnDataset *
synthetic (int n, guint32 seed)
{
  NnDataset *ds = nn_dataset_new (n);
  GRand *r = g_rand_new_with_seed (seed);
  for (int i = 0; i < n; i++)
    {
      int c = i % 10;
      ds->labels[i] = (guint8) c;
      guint8 *img = ds->images + (size_t) i * NN_IMAGE_PIXELS;
      int y0 = 3 + (c / 5) * 12 + g_rand_int_range (r, -1, 2);
      int x0 = 2 + (c % 5) * 5 + g_rand_int_range (r, -1, 2);
      for (int p = 0; p < NN_IMAGE_PIXELS; p++)
        img[p] = (guint8) g_rand_int_range (r, 0, 40);
      for (int y = y0; y < y0 + 6; y++)
        for (int x = x0; x < MIN (x0 + 6, 28); x++)
          img[y * 28 + x] = 255;
    }
  g_rand_free (r);
  return ds;
}

/* Conv2D(4, 3) relu, MaxPool 2, Flatten, Dense 16 relu, Dense 10 softmax. */
static NnModel *
tiny_model (guint64 seed)
{
  NnModel *m = nn_model_new ("sequential", NN_MODEL_SEQUENTIAL);
  int l = nn_model_add_input (m, (NnShape) { 28, 28, 1 }, NN_INPUT_IMAGE, "input_layer");
  l = nn_model_add_conv2d (m, "conv2d", l, &(NnConvConfig) { 4, 1, 3, 3, 1, 1, NN_PAD_VALID,
                                                             TRUE, NN_ACT_RELU });
  l = nn_model_add_max_pool (m, "max_pooling2d", l, &(NnPoolConfig) { 2, 2, 2, 2, NN_PAD_VALID });
  l = nn_model_add_flatten (m, "flatten", l);
  l = nn_model_add_dense (m, "dense", l, &(NnDenseConfig) { 16, TRUE, NN_ACT_RELU });
  nn_model_add_dense (m, "dense_1", l, &(NnDenseConfig) { 10, TRUE, NN_ACT_SOFTMAX });
  g_autoptr (GError) error = NULL;
  g_assert_true (nn_model_finish (m, &error));
  g_assert_no_error (error);
  nn_model_init_weights (m, seed);
  return m;
}

typedef struct {
  float first_loss, last_loss;
  int epochs_seen;
  int cancel_at_batch;   // cancel after this batch of epoch cancel_epoch
  int cancel_epoch;
  GCancellable *cancel;
  int poison_at_batch;   // write a NaN into the weights after this batch
  NnModel *model;
} Watch;

static void
watch_clear (Watch *w)
{
  g_clear_object (&w->cancel);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Watch, watch_clear)

static void
watch_batch (const NnFitProgress *p, gpointer data)
{
  Watch *w = data;
  if (p->epoch == w->cancel_epoch && p->batch == w->cancel_at_batch)
    g_cancellable_cancel (w->cancel);
  // The output bias: a NaN there reaches the loss whatever ReLU does upstream.
  if (w->poison_at_batch && p->step == w->poison_at_batch)
    {
      const NnLayer *out = &w->model->layers[w->model->output];
      w->model->params[out->vars[1].offset] = NAN;
    }
}

static void
watch_epoch (const NnFitProgress *p, gpointer data)
{
  Watch *w = data;
  if (w->epochs_seen++ == 0)
    w->first_loss = p->loss;
  w->last_loss = p->loss;
}

static void
config (NnFitConfig *cfg, Watch *w, int epochs)
{
  nn_fit_config_init (cfg);
  cfg->epochs = epochs;
  cfg->batch_size = 16;
  cfg->seed = 42;
  cfg->threads = 2;
  cfg->optimizer.learning_rate = 3e-3f;
  cfg->schedule = nn_schedule_constant (3e-3f);
  cfg->on_batch = watch_batch;
  cfg->on_epoch = watch_epoch;
  cfg->user_data = w;
  w->cancel = g_cancellable_new ();
  cfg->cancellable = w->cancel;
}

static void
test_overfit (void)
{
  g_autoptr (NnDataset) train = synthetic (64, 1);
  g_autoptr (NnModel) m = tiny_model (7);
  g_auto (Watch) w = { 0 };
  NnFitConfig cfg;
  config (&cfg, &w, 40);
  NnFitResult res;
  g_autoptr (GError) error = NULL;
  g_assert_true (nn_fit (m, train, NULL, &cfg, &res, &error));
  g_assert_no_error (error);
  g_assert_cmpint (res.epochs_run, ==, 40);
  g_assert_cmpint (res.steps, ==, 40 * 4);
  g_test_message ("loss %.4f -> %.4f, accuracy %.3f", w.first_loss, w.last_loss, res.last_accuracy);
  g_assert_cmpfloat (w.first_loss, >, 1.5f);          // about log 10 at the start
  g_assert_cmpfloat (w.last_loss, <, 0.1f * w.first_loss);
  float loss, acc;
  g_assert_true (nn_fit_evaluate (m, train, 0.0f, 32, &loss, &acc, NULL));
  g_assert_cmpfloat (acc, ==, 1.0f);                  // memorised
  g_assert_cmpfloat (loss, <, 0.1f);
}

static void
test_deterministic (void)
{
  g_autoptr (NnDataset) train = synthetic (48, 2);
  g_autoptr (NnDataset) val = synthetic (20, 3);
  float *params[2];
  for (int run = 0; run < 2; run++)
    {
      g_autoptr (NnModel) m = tiny_model (5);
      g_auto (Watch) w = { 0 };
      NnFitConfig cfg;
      config (&cfg, &w, 2);
      cfg.augment = (NnAugmentConfig) { .rotation = 0.1f, .translation = 0.1f, .zoom = 0.1f,
                                        .noise_p = 0.5f, .noise_max = 0.2f };
      g_autoptr (GError) error = NULL;
      g_assert_true (nn_fit (m, train, val, &cfg, NULL, &error));
      params[run] = g_memdup2 (m->params, m->n_params * sizeof (float));
      if (run == 1)
        g_assert_cmpmem (params[0], m->n_params * sizeof (float),
                         params[1], m->n_params * sizeof (float));
    }
  g_free (params[0]);
  g_free (params[1]);
}

/* Parameters after each epoch, through the model the epoch callback is given. */
typedef struct {
  float *after[2];
} Snapshots;

static void
snapshot_epoch (const NnFitProgress *p, gpointer data)
{
  Snapshots *s = data;
  if (p->epoch <= 2)
    s->after[p->epoch - 1] = g_memdup2 (p->model->params, p->model->n_params * sizeof (float));
}

/* Two epochs with augment_epochs = 1 train the first epoch as an augmented run
 * does and the second as a clean one: after epoch 1 the weights equal those of a
 * run augmented throughout, after epoch 2 they differ; a clean run differs from
 * the start (the augmentation is really on). */
static void
test_clean_last_epoch (void)
{
  g_autoptr (NnDataset) train = synthetic (48, 2);
  const NnAugmentConfig heavy = { .rotation = 0.1f, .translation = 0.15f, .zoom = 0.1f };
  const int augment_epochs[3] = { 1, 0, -1 }; /* -1: no augmentation at all */
  Snapshots s[3] = { 0 };
  gsize bytes = 0;
  for (int run = 0; run < 3; run++)
    {
      g_autoptr (NnModel) m = tiny_model (5);
      g_auto (Watch) w = { 0 };
      NnFitConfig cfg;
      config (&cfg, &w, 2);
      if (augment_epochs[run] >= 0)
        cfg.augment = heavy;
      cfg.augment_epochs = MAX (augment_epochs[run], 0);
      cfg.on_batch = NULL; /* user_data is the snapshots now, not a Watch */
      cfg.on_epoch = snapshot_epoch;
      cfg.user_data = &s[run];
      g_autoptr (GError) error = NULL;
      g_assert_true (nn_fit (m, train, NULL, &cfg, NULL, &error));
      g_assert_nonnull (s[run].after[1]);
      bytes = m->n_params * sizeof (float);
    }
  g_assert_cmpmem (s[0].after[0], bytes, s[1].after[0], bytes);
  g_assert_true (memcmp (s[0].after[1], s[1].after[1], bytes) != 0);
  g_assert_true (memcmp (s[2].after[0], s[1].after[0], bytes) != 0);
  for (int run = 0; run < 3; run++)
    for (int e = 0; e < 2; e++)
      g_free (s[run].after[e]);
}

static void
test_frozen (void)
{
  g_autoptr (NnDataset) train = synthetic (32, 4);
  g_autoptr (NnModel) m = tiny_model (9);
  int conv = nn_model_find_layer (m, "conv2d");
  m->layers[conv].trainable = FALSE;
  const NnVar *k = &m->layers[conv].vars[0];
  g_autofree float *before = g_memdup2 (m->params + k->offset, k->size * sizeof (float));
  int dense = nn_model_find_layer (m, "dense");
  float dense_before = m->params[m->layers[dense].vars[0].offset];

  g_auto (Watch) w = { 0 };
  NnFitConfig cfg;
  config (&cfg, &w, 2);
  g_autoptr (GError) error = NULL;
  g_assert_true (nn_fit (m, train, NULL, &cfg, NULL, &error));
  g_assert_cmpmem (before, k->size * sizeof (float), m->params + k->offset, k->size * sizeof (float));
  g_assert_cmpfloat (m->params[m->layers[dense].vars[0].offset], !=, dense_before);
  g_assert_cmpint (nn_model_count_params (m, TRUE), <, nn_model_count_params (m, FALSE));

  // The flag is Keras config: saved, loaded, and unfreezing is saved too.
  g_autofree char *dir = g_dir_make_tmp ("digits-train-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "frozen.keras", NULL);
  g_assert_true (nn_keras_save (m, path, NULL, &error));
  g_assert_no_error (error);
  g_autoptr (NnModel) back = nn_keras_load (path, &error);
  g_assert_no_error (error);
  g_assert_false (back->layers[nn_model_find_layer (back, "conv2d")].trainable);
  g_assert_true (back->layers[nn_model_find_layer (back, "dense")].trainable);
  back->layers[nn_model_find_layer (back, "conv2d")].trainable = TRUE;
  g_assert_true (nn_keras_save (back, path, NULL, &error));
  g_autoptr (NnModel) again = nn_keras_load (path, &error);
  g_assert_no_error (error);
  g_assert_true (again->layers[nn_model_find_layer (again, "conv2d")].trainable);
  g_unlink (path);
  g_rmdir (dir);
}

static void
test_cancel_keeps_file (void)
{
  g_autoptr (NnDataset) train = synthetic (160, 5);
  g_autoptr (NnDataset) val = synthetic (20, 6);
  g_autofree char *dir = g_dir_make_tmp ("digits-train-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "model.keras", NULL);
  g_autofree char *hist = g_build_filename (dir, "history.csv", NULL);
  g_autoptr (GError) error = NULL;

  // A model file from an earlier run.
  g_autoptr (NnModel) old = tiny_model (1);
  g_assert_true (nn_keras_save (old, path, NULL, &error));
  g_autofree char *orig = NULL;
  gsize orig_len;
  g_assert_true (g_file_get_contents (path, &orig, &orig_len, NULL));

  // Cancelled in the middle of the first epoch: nothing is written.
  g_autoptr (NnModel) m = tiny_model (2);
  g_auto (Watch) w = { .cancel_epoch = 1, .cancel_at_batch = 4 };
  NnFitConfig cfg;
  config (&cfg, &w, 3);
  cfg.checkpoint_path = path;
  g_assert_false (nn_fit (m, train, val, &cfg, NULL, &error));
  g_assert_error (error, NN_ERROR, NN_ERROR_CANCELLED);
  g_clear_error (&error);
  g_autofree char *now = NULL;
  gsize now_len;
  g_assert_true (g_file_get_contents (path, &now, &now_len, NULL));
  g_assert_cmpmem (orig, orig_len, now, now_len);

  // Cancelled in epoch 2: the file is epoch 1's checkpoint, complete and loadable,
  // and no temporary file is left behind.
  g_auto (Watch) w2 = { .cancel_epoch = 2, .cancel_at_batch = 3 };
  config (&cfg, &w2, 3);
  cfg.checkpoint_path = path;
  cfg.history_path = hist;
  NnFitResult res;
  g_assert_false (nn_fit (m, train, val, &cfg, &res, &error));
  g_assert_error (error, NN_ERROR, NN_ERROR_CANCELLED);
  g_clear_error (&error);
  g_assert_cmpint (res.best_epoch, ==, 1);
  g_autoptr (NnModel) saved = nn_keras_load (path, &error);
  g_assert_no_error (error);
  g_assert_cmpmem (saved->params, saved->n_params * sizeof (float),
                   m->params, m->n_params * sizeof (float)); // restored to the best epoch
  g_autoptr (GDir) d = g_dir_open (dir, 0, NULL);
  const char *name;
  int files = 0;
  while ((name = g_dir_read_name (d)))
    files++;
  g_assert_cmpint (files, ==, 2); // model.keras and history.csv only

  g_autofree char *csv = NULL;
  g_assert_true (g_file_get_contents (hist, &csv, NULL, NULL));
  g_assert_true (g_str_has_prefix (csv, "epoch,loss,accuracy,val_loss,val_accuracy,lr,seconds\n0,"));
  g_auto (GStrv) lines = g_strsplit (csv, "\n", -1);
  g_assert_cmpint (g_strv_length (lines), ==, 3); // header, epoch 0, trailing ""
  g_unlink (hist);
  g_unlink (path);
  g_rmdir (dir);
}

static void
test_nan_guard (void)
{
  g_autoptr (NnDataset) train = synthetic (64, 7);
  g_autoptr (NnModel) m = tiny_model (3);
  g_auto (Watch) w = { .poison_at_batch = 2, .model = m };
  NnFitConfig cfg;
  config (&cfg, &w, 2);
  g_autoptr (GError) error = NULL;
  NnFitResult res;
  g_assert_false (nn_fit (m, train, NULL, &cfg, &res, &error));
  g_assert_error (error, NN_ERROR, NN_ERROR_NUMERIC);
  g_test_message ("%s", error->message);
  g_clear_error (&error);
  g_assert_true (nn_model_check_finite (m, &error));
  g_assert_cmpint (res.steps, ==, 2);
}

/* The best epoch on a validation accuracy that stops moving: Keras's rule keeps
 * the first to reach it, keep_last the last (the quick recipe's clean end). */
static void
test_keep_last (void)
{
  g_autoptr (NnDataset) train = synthetic (64, 1);
  g_autoptr (NnDataset) val = synthetic (20, 2);
  int best[2];
  for (int last = 0; last < 2; last++)
    {
      g_autoptr (NnModel) m = tiny_model (7);
      g_auto (Watch) w = { 0 };
      NnFitConfig cfg;
      NnFitResult res;
      g_autoptr (GError) error = NULL;
      config (&cfg, &w, 16);
      cfg.keep_last = last;
      g_assert_true (nn_fit (m, train, val, &cfg, &res, &error));
      g_assert_cmpfloat (res.best_val_accuracy, ==, 1.0f);
      best[last] = res.best_epoch;
    }
  g_test_message ("best epoch: %d (Keras's rule), %d (keep the last)", best[0], best[1]);
  g_assert_cmpint (best[0], <, 16);
  g_assert_cmpint (best[1], ==, 16);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/train/fit/overfit", test_overfit);
  g_test_add_func ("/train/fit/deterministic", test_deterministic);
  g_test_add_func ("/train/fit/clean-last-epoch", test_clean_last_epoch);
  g_test_add_func ("/train/fit/frozen", test_frozen);
  g_test_add_func ("/train/fit/cancel-keeps-file", test_cancel_keeps_file);
  g_test_add_func ("/train/fit/nan-guard", test_nan_guard);
  g_test_add_func ("/train/fit/keep-last", test_keep_last);
  return g_test_run ();
}
