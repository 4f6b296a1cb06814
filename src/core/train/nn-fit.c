/* nn-fit.c: the epoch loop with Keras-style callbacks (checkpoint, early stopping,
 * plateau, CSV history), batches prepared in a helper thread, and nn_fit_evaluate. */
#include "nn-fit.h"
#include "nn-loss.h"
#include "nn-train-rng.h"
#include "nn-error.h"
#include "nn-keras.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

void
nn_fit_config_init (NnFitConfig *cfg)
{
  g_return_if_fail (cfg != NULL);
  memset (cfg, 0, sizeof *cfg);
  cfg->epochs = 10;
  cfg->batch_size = 128;
  cfg->seed = 1;
  cfg->optimizer = nn_optimizer_config_default (NN_OPTIMIZER_ADAM);
  cfg->schedule = nn_schedule_constant (cfg->optimizer.learning_rate);
  cfg->restore_best = TRUE;
  cfg->plateau_factor = 0.5f;
  cfg->plateau_patience = 2;
  cfg->plateau_min_lr = 1e-6f;
}

void
nn_fit_gather (const NnDataset *ds, const int *indices, int count, float *x, guint8 *labels)
{
  for (int i = 0; i < count; i++)
    {
      const guint8 *src = ds->images + (size_t) indices[i] * NN_IMAGE_PIXELS;
      float *dst = x + (size_t) i * NN_IMAGE_PIXELS;  // (28, 28, 1)
      for (int p = 0; p < NN_IMAGE_PIXELS; p++)
        dst[p] = src[p] * (1.0f / 255.0f);
      if (labels)
        labels[i] = ds->labels[indices[i]];
    }
}

static gboolean
is_cancelled (const NnFitConfig *cfg)
{
  return g_cancellable_is_cancelled (cfg->cancellable); /* FALSE for NULL */
}

/* ---- batch preparation in a helper thread --------------------------------- */

typedef struct {
  const NnDataset *ds;
  const NnAugmentConfig *augment;
  const int *indices;  // into ds
  int count;
  guint64 seed, epoch;
  float *x;            // (count, 28, 28, 1)
  guint8 *y;           // (count,)
} BatchJob;

static gpointer
batch_prepare (gpointer data)
{
  BatchJob *job = data;
  nn_fit_gather (job->ds, job->indices, job->count, job->x, job->y);
  if (nn_augment_enabled (job->augment))
    for (int i = 0; i < job->count; i++)
      // The stream follows the image, not its position: batch size does not matter.
      nn_augment_image (job->augment, job->x + (size_t) i * NN_IMAGE_PIXELS, job->seed,
                        job->epoch, (guint64) job->indices[i]);
  return NULL;
}

/* ---- evaluation ------------------------------------------------------------ */

gboolean
nn_fit_evaluate (NnModel *model, const NnDataset *ds, float label_smoothing, int batch_size,
                 float *loss, float *accuracy, GCancellable *cancellable)
{
  g_return_val_if_fail (model != NULL && ds != NULL && ds->n > 0, FALSE);

  batch_size = batch_size > 0 ? batch_size : NN_FIT_EVAL_BATCH;
  NnWorkspace *ws = nn_workspace_new_up_to (model, batch_size, NN_MODE_INFERENCE, NULL);
  if (ws == NULL)
    return FALSE; /* even one image needs more memory than a workspace may take */
  batch_size = nn_workspace_max_batch (ws);
  float *x = nn_alloc_floats ((size_t) batch_size * NN_IMAGE_PIXELS);
  int *idx = g_new (int, batch_size);
  double total = 0.0;
  int correct = 0;
  gboolean ok = TRUE;
  for (int start = 0; start < ds->n; start += batch_size)
    {
      if (g_cancellable_is_cancelled (cancellable))
        {
          ok = FALSE;
          break;
        }
      int n = MIN (batch_size, ds->n - start), hits = 0;
      for (int i = 0; i < n; i++)
        idx[i] = start + i;
      nn_fit_gather (ds, idx, n, x, NULL);
      const float *logits = nn_model_forward (model, ws, x, n);
      total += (double) nn_loss_sparse_ce (logits, ds->labels + start, n, model->n_classes,
                                           label_smoothing, NULL, &hits) * n;
      correct += hits;
    }
  if (ok)
    {
      if (loss)
        *loss = (float) (total / ds->n);
      if (accuracy)
        *accuracy = (float) correct / ds->n;
    }
  g_free (idx);
  nn_free (x);
  nn_workspace_free (ws);
  return ok;
}

/* ---- history --------------------------------------------------------------- */

/* The history is a log written as the run goes (a failed run's rows are worth
 * reading), not a file replaced at the end; every row is flushed and checked, so
 * a full disk stops the run instead of leaving an empty CSV behind. */
static gboolean
history_error (const char *path, int saved, GError **error)
{
  g_autofree char *display = g_filename_display_name (path);
  g_set_error (error, NN_ERROR, NN_ERROR_IO, "Cannot write the history file %s: %s", display,
               g_strerror (saved ? saved : EIO));
  return FALSE;
}

static FILE *
history_open (const char *path, gboolean append, GError **error)
{
  FILE *f = fopen (path, append ? "a" : "w");
  if (!f)
    {
      history_error (path, errno, error);
      return NULL;
    }
  errno = 0;
  if ((!append || ftell (f) == 0)
      && fprintf (f, "epoch,loss,accuracy,val_loss,val_accuracy,lr,seconds\n") < 0)
    goto fail;
  if (fflush (f) != 0)
    goto fail;
  return f;
fail:
  history_error (path, errno, error);
  fclose (f);
  return NULL;
}

static gboolean
history_row (FILE *f, const char *path, int epoch, const NnFitProgress *p, GError **error)
{
  char b[7][G_ASCII_DTOSTR_BUF_SIZE];
  // Keras's CSVLogger counts epochs from 0; C-locale numbers whatever the user's locale.
  errno = 0;
  if (fprintf (f, "%d,%s,%s,%s,%s,%s,%s\n", epoch,
               g_ascii_formatd (b[0], sizeof b[0], "%.6f", p->loss),
               g_ascii_formatd (b[1], sizeof b[1], "%.6f", p->accuracy),
               isnan (p->val_loss) ? "" : g_ascii_formatd (b[2], sizeof b[2], "%.6f", p->val_loss),
               isnan (p->val_accuracy) ? "" : g_ascii_formatd (b[3], sizeof b[3], "%.6f", p->val_accuracy),
               g_ascii_formatd (b[4], sizeof b[4], "%.6g", p->lr),
               g_ascii_formatd (b[5], sizeof b[5], "%.3f", p->epoch_seconds)) < 0
      || fflush (f) != 0)
    return history_error (path, errno, error);
  return TRUE;
}

/* ---- the loop -------------------------------------------------------------- */

typedef struct {
  NnModel *model;
  const NnDataset *train, *val;
  const NnFitConfig *cfg;
  NnWorkspace *ws;
  NnOptimizer *opt;
  float *x[2];          // (B, 28, 28, 1) double buffer
  guint8 *y[2];         // (B,)
  float *dlogits;       // (B, K)
  int *order;           // (n_train,) this epoch's permutation
  float *last_good;     // (n_params) weights that gave the last finite loss
  float *best;          // (n_params) weights of the best epoch
  float lr_scale;       // ReduceLROnPlateau's factor on top of the schedule
  FILE *history;
  NnPlateau plateau;
  NnEarlyStop stop;
} Fit;

static float
current_lr (const Fit *f)
{
  return nn_schedule_lr (&f->cfg->schedule, f->opt->iterations) * f->lr_scale;
}

/* One optimizer step on a prepared batch. FALSE (with error) on a non-finite loss. */
static gboolean
train_step (Fit *f, const float *x, const guint8 *y, int n, float *loss, int *hits,
            GError **error)
{
  NnModel *m = f->model;
  const NnFitConfig *cfg = f->cfg;
  float lr = current_lr (f);

  nn_workspace_set_seed (f->ws, nn_train_rng_mix (cfg->seed ^ (guint64) (f->opt->iterations + 1)
                                            * G_GUINT64_CONSTANT (0x2545f4914f6cdd1d)));
  const float *logits = nn_model_forward (m, f->ws, x, n);               // (N, K)
  *loss = nn_loss_sparse_ce (logits, y, n, m->n_classes, cfg->label_smoothing,
                             f->dlogits, hits);
  if (!isfinite (*loss))
    {
      memcpy (m->params, f->last_good, m->n_params * sizeof (float));
      nn_model_params_changed (m);
      g_set_error (error, NN_ERROR, NN_ERROR_NUMERIC,
                   "The training loss became %s at step %" G_GINT64_FORMAT
                   " (learning rate %g); stopped and kept the last good weights",
                   isnan (*loss) ? "NaN" : "infinite", f->opt->iterations + 1, lr);
      return FALSE;
    }
  memcpy (f->last_good, m->params, m->n_params * sizeof (float));
  nn_model_backward (m, f->ws, f->dlogits, n, NULL);
  nn_optimizer_step (f->opt, m, f->ws, lr);
  return TRUE;
}

static gboolean
run_epoch (Fit *f, int epoch, NnFitProgress *p, GError **error)
{
  const NnFitConfig *cfg = f->cfg;
  const int n_train = f->train->n, bs = cfg->batch_size;
  const int batches = (n_train + bs - 1) / bs;

  for (int i = 0; i < n_train; i++)
    f->order[i] = i;
  NnTrainRng rng = nn_train_rng_derive (cfg->seed, (guint64) epoch, G_GUINT64_CONSTANT (0x5f3759df));
  nn_train_rng_shuffle (&rng, f->order, n_train);

  // The last epochs of a recipe may train on clean images (augment_epochs).
  static const NnAugmentConfig none = { 0 };
  const NnAugmentConfig *augment =
    cfg->augment_epochs > 0 && cfg->epoch_offset + epoch >= cfg->augment_epochs ? &none
                                                                                : &cfg->augment;
  BatchJob jobs[2];
  GThread *worker = NULL;
  for (int k = 0; k < 2; k++)
    jobs[k] = (BatchJob) { .ds = f->train, .augment = augment, .seed = cfg->seed,
                           .epoch = (guint64) epoch, .x = f->x[k], .y = f->y[k] };
  jobs[0].indices = f->order;
  jobs[0].count = MIN (bs, n_train);
  batch_prepare (&jobs[0]);

  gint64 t0 = g_get_monotonic_time ();
  double loss_sum = 0.0;
  int seen = 0, correct = 0;
  gboolean ok = TRUE;
  for (int b = 0; b < batches && ok; b++)
    {
      if (worker)
        g_thread_join (g_steal_pointer (&worker));
      if (is_cancelled (cfg))
        {
          g_set_error (error, NN_ERROR, NN_ERROR_CANCELLED, "Training was cancelled");
          ok = FALSE;
          break;
        }
      // Prepare batch b + 1 while b trains.
      if (b + 1 < batches)
        {
          BatchJob *next = &jobs[(b + 1) % 2];
          next->indices = f->order + (size_t) (b + 1) * bs;
          next->count = MIN (bs, n_train - (b + 1) * bs);
          worker = g_thread_try_new ("nn-fit-batch", batch_prepare, next, NULL);
          if (!worker)
            batch_prepare (next);
        }
      const BatchJob *cur = &jobs[b % 2];
      float loss;
      int hits;
      if (!train_step (f, cur->x, cur->y, cur->count, &loss, &hits, error))
        {
          ok = FALSE;
          break;
        }
      loss_sum += (double) loss * cur->count;
      correct += hits;
      seen += cur->count;

      double secs = (g_get_monotonic_time () - t0) / 1e6;
      p->batch = b + 1;
      p->batches = batches;
      p->images = seen;
      p->images_total = n_train;
      p->step = f->opt->iterations;
      p->batch_loss = loss;
      p->loss = (float) (loss_sum / seen);
      p->accuracy = (float) correct / seen;
      p->lr = nn_schedule_lr (&cfg->schedule, f->opt->iterations - 1) * f->lr_scale;
      p->epoch_seconds = secs;
      p->images_per_second = secs > 0 ? seen / secs : 0.0;
      p->eta_seconds = p->images_per_second > 0 ? (n_train - seen) / p->images_per_second : 0.0;
      if (cfg->on_batch)
        cfg->on_batch (p, cfg->user_data);
    }
  if (worker)
    g_thread_join (worker);
  return ok;
}

/* Validation, checkpoint, early stopping, plateau and history after an epoch.
 * Returns FALSE with error on a failure; *stop asks to end the run. */
static gboolean
end_epoch (Fit *f, int epoch, NnFitProgress *p, NnFitResult *res, gboolean *stop,
           GError **error)
{
  const NnFitConfig *cfg = f->cfg;
  NnModel *m = f->model;

  p->val_loss = p->val_accuracy = NAN;
  p->improved = FALSE;
  if (f->val && f->val->n > 0)
    {
      if (!nn_fit_evaluate (m, f->val, cfg->label_smoothing, NN_FIT_EVAL_BATCH, &p->val_loss,
                            &p->val_accuracy, cfg->cancellable))
        {
          g_set_error (error, NN_ERROR, NN_ERROR_CANCELLED, "Training was cancelled");
          return FALSE;
        }
      *stop = nn_early_stop_update (&f->stop, epoch, p->val_accuracy, &p->improved)
              && cfg->early_stopping_patience > 0;
      if (cfg->reduce_on_plateau)
        {
          float lr = current_lr (f), before = lr;
          if (nn_plateau_update (&f->plateau, p->val_loss, &lr) && before > 0)
            f->lr_scale *= lr / before;
        }
    }
  else
    p->improved = TRUE; // without validation the latest epoch is the one to keep

  if (p->improved)
    {
      memcpy (f->best, m->params, m->n_params * sizeof (float));
      res->best_epoch = cfg->epoch_offset + epoch + 1;
      res->best_val_accuracy = p->val_accuracy;
      res->best_val_loss = p->val_loss;
      const NnKerasSaveOptions keep = { .info = cfg->keras_info };
      if (cfg->checkpoint_path && !nn_keras_save (m, cfg->checkpoint_path, &keep, error))
        return FALSE;
    }
  p->best_epoch = res->best_epoch;
  p->best_val_accuracy = res->best_val_accuracy;
  if (f->history
      && !history_row (f->history, cfg->history_path, cfg->epoch_offset + epoch, p, error))
    return FALSE;
  p->model = m;
  if (cfg->on_epoch)
    cfg->on_epoch (p, cfg->user_data);
  p->model = NULL;
  return TRUE;
}

static void
fit_clear (Fit *f)
{
  for (int k = 0; k < 2; k++)
    {
      nn_free (f->x[k]);
      g_free (f->y[k]);
    }
  nn_free (f->dlogits);
  g_free (f->order);
  g_free (f->last_good);
  g_free (f->best);
  if (f->history)
    fclose (f->history);
  if (f->cfg->optimizer_out && f->opt)
    {
      f->opt->cfg.learning_rate = current_lr (f);
      nn_optimizer_free (*f->cfg->optimizer_out);
      *f->cfg->optimizer_out = g_steal_pointer (&f->opt);
    }
  nn_optimizer_free (f->opt);
  if (f->ws)
    nn_workspace_free (f->ws);
}

gboolean
nn_fit (NnModel *model, const NnDataset *train, const NnDataset *val,
        const NnFitConfig *cfg, NnFitResult *result, GError **error)
{
  g_return_val_if_fail (model != NULL && train != NULL && cfg != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  NnFitResult res = { 0 };
  res.best_val_accuracy = res.best_val_loss = NAN;
  if (result)
    *result = res;
  if (train->n <= 0)
    {
      g_set_error (error, NN_ERROR, NN_ERROR_NO_DATA, "There are no training images");
      return FALSE;
    }
  if (cfg->batch_size <= 0 || cfg->epochs <= 0)
    {
      g_set_error (error, NN_ERROR, NN_ERROR_INVALID,
                   "Batch size and epochs must be positive (got %d and %d)",
                   cfg->batch_size, cfg->epochs);
      return FALSE;
    }
  if (cfg->threads > 0)
    nn_model_set_threads (model, cfg->threads);

  const int bs = cfg->batch_size;
  Fit f = { .model = model, .train = train, .val = val, .cfg = cfg, .lr_scale = 1.0f };
  // A model from a file may need more memory for a training batch than it may take.
  if (!(f.ws = nn_workspace_new_checked (model, bs, NN_MODE_TRAINING, error)))
    return FALSE;
  if (cfg->history_path && !(f.history = history_open (cfg->history_path, cfg->history_append, error)))
    {
      nn_workspace_free (f.ws);
      return FALSE;
    }
  f.opt = nn_optimizer_new (&cfg->optimizer, model);
  for (int k = 0; k < 2; k++)
    {
      f.x[k] = nn_alloc_floats ((size_t) bs * NN_IMAGE_PIXELS);
      f.y[k] = g_new (guint8, bs);
    }
  f.dlogits = nn_alloc_floats ((size_t) bs * model->n_classes);
  f.order = g_new (int, train->n);
  f.last_good = g_memdup2 (model->params, model->n_params * sizeof (float));
  f.best = g_memdup2 (model->params, model->n_params * sizeof (float));
  /* a min_delta of -inf makes every epoch an improvement */
  nn_early_stop_init (&f.stop, TRUE, cfg->keep_last ? -INFINITY : 0.0f,
                      cfg->early_stopping_patience);
  nn_plateau_init (&f.plateau, FALSE, cfg->plateau_factor, cfg->plateau_patience, 1e-4f, 0,
                   cfg->plateau_min_lr);

  gint64 t_start = g_get_monotonic_time ();
  double train_seconds = 0.0;
  gint64 images = 0;
  gboolean ok = TRUE, stop = FALSE;
  NnFitProgress p = { 0 };
  p.epochs = cfg->epoch_offset + cfg->epochs;
  for (int epoch = 0; epoch < cfg->epochs && ok && !stop; epoch++)
    {
      p.epoch = cfg->epoch_offset + epoch + 1;
      ok = run_epoch (&f, epoch, &p, error);
      if (!ok)
        break;
      train_seconds += p.epoch_seconds;
      images += train->n;
      res.epochs_run = epoch + 1;
      res.last_loss = p.loss;
      res.last_accuracy = p.accuracy;
      ok = end_epoch (&f, epoch, &p, &res, &stop, error);
      // The time limit acts like early stopping: the next epoch (as long as the
      // mean so far) would end past it, so the run ends here on its best epoch.
      double spent = (g_get_monotonic_time () - t_start) / 1e6;
      if (ok && !stop && cfg->time_limit_seconds > 0
          && spent + spent / (epoch + 1) > cfg->time_limit_seconds)
        stop = res.stopped_by_time = epoch + 1 < cfg->epochs;
    }
  res.stopped_early = stop && res.epochs_run < cfg->epochs;
  // A cancelled run also ends on its best epoch; a NaN keeps the last good weights.
  gboolean numeric = !ok && error && *error && g_error_matches (*error, NN_ERROR, NN_ERROR_NUMERIC);
  if (cfg->restore_best && res.best_epoch > 0 && !numeric)
    {
      memcpy (model->params, f.best, model->n_params * sizeof (float));
      nn_model_params_changed (model);
    }
  if (f.history)
    {
      FILE *h = g_steal_pointer (&f.history);
      errno = 0;
      if (fclose (h) != 0 && ok)
        ok = history_error (cfg->history_path, errno, error);
    }
  res.steps = f.opt->iterations;
  res.seconds = (g_get_monotonic_time () - t_start) / 1e6;
  res.images_per_second = train_seconds > 0 ? images / train_seconds : 0.0;
  if (result)
    *result = res;
  fit_clear (&f);
  return ok;
}
