/* Losses, optimizers, schedules and per-epoch rules against values worked out by
 * hand from Keras 3's formulas (keras/src/optimizers, keras/src/callbacks). */
#include <math.h>
#include <string.h>
#include <glib.h>

#include "nn-loss.h"
#include "nn-optimizer.h"
#include "nn-schedule.h"
#include "nn-zoo.h"

#define assert_close(a, b, tol) g_assert_cmpfloat_with_epsilon ((double) (a), (double) (b), (tol))

static void
test_sparse_ce (void)
{
  // z = (1, 2, 3), label 2: lse = 3 + log(1 + e^-1 + e^-2) = 3.4076059644
  const float z[6] = { 1, 2, 3,   0, 0, 0 };
  const guint8 y[2] = { 2, 0 };
  float d[6];
  int hits = -1;
  float loss = nn_loss_sparse_ce (z, y, 1, 3, 0.0f, d, &hits);
  assert_close (loss, 0.4076059644, 1e-6);
  assert_close (d[0], 0.0900305732, 1e-6);
  assert_close (d[1], 0.2447284711, 1e-6);
  assert_close (d[2], 0.6652409558 - 1.0, 1e-6);
  g_assert_cmpint (hits, ==, 1);

  // Two rows: the mean loss and gradients divided by N = 2. Row 2: log 3, wrong argmax tie -> 0.
  loss = nn_loss_sparse_ce (z, y, 2, 3, 0.0f, d, &hits);
  assert_close (loss, (0.4076059644 + log (3.0)) / 2, 1e-6);
  assert_close (d[2], (0.6652409558 - 1.0) / 2, 1e-6);
  assert_close (d[3], (1.0 / 3 - 1.0) / 2, 1e-6);
  assert_close (d[4], (1.0 / 3) / 2, 1e-6);
  g_assert_cmpint (hits, ==, 2);
}

static void
test_label_smoothing (void)
{
  // ls 0.1, K 3: target (1/30, 1/30, 0.9 + 1/30); loss = lse - (0.1 + 2.8)
  const float z[3] = { 1, 2, 3 };
  const guint8 y[1] = { 2 };
  const float onehot[3] = { 0, 0, 1 };
  float d1[3], d2[3];
  float a = nn_loss_sparse_ce (z, y, 1, 3, 0.1f, d1, NULL);
  float b = nn_loss_categorical_ce (z, onehot, 1, 3, 0.1f, d2);
  assert_close (a, 0.5076059644, 1e-6);
  assert_close (b, 0.5076059644, 1e-6);
  for (int j = 0; j < 3; j++)
    assert_close (d1[j], d2[j], 1e-6);
  assert_close (d1[0], 0.0900305732 - 1.0 / 30, 1e-6);
  assert_close (d1[2], 0.6652409558 - (0.9 + 1.0 / 30), 1e-6);

  // Huge logits stay finite.
  const float big[3] = { 1000, -1000, 0 };
  g_assert_true (isfinite (nn_loss_sparse_ce (big, (guint8[]) { 1 }, 1, 3, 0.05f, d1, NULL)));
}

/* A model of one Dense-like layer with a trainable kernel and a non-trainable
 * statistic, plus a frozen layer, built by hand: the optimizers only need the
 * variable table. */
typedef struct {
  NnModel model;
  NnLayer layers[2];
  float params[3], grads[3];
} TinyModel;

static void
tiny_init (TinyModel *t)
{
  memset (t, 0, sizeof *t);
  t->layers[0] = (NnLayer) { .kind = NN_LAYER_DENSE, .trainable = TRUE, .n_vars = 2 };
  t->layers[0].vars[0] = (NnVar) { .role = "kernel", .offset = 0, .size = 1, .trainable = TRUE };
  t->layers[0].vars[1] = (NnVar) { .role = "moving_mean", .offset = 1, .size = 1, .trainable = FALSE };
  t->layers[1] = (NnLayer) { .kind = NN_LAYER_DENSE, .trainable = FALSE, .n_vars = 1 };
  t->layers[1].vars[0] = (NnVar) { .role = "kernel", .offset = 2, .size = 1, .trainable = TRUE };
  t->model.layers = t->layers;
  t->model.n_layers = 2;
  t->model.params = t->params;
  t->model.grads = t->grads;
  t->model.n_params = 3;
  t->params[0] = t->params[1] = t->params[2] = 1.0f;
}

static void
run_steps (NnOptimizerConfig cfg, float lr, const double *expect)
{
  TinyModel t;
  tiny_init (&t);
  const float g[3] = { 0.5f, -0.2f, 0.1f };
  g_autoptr (NnOptimizer) opt = nn_optimizer_new (&cfg, &t.model);
  for (int s = 0; s < 3; s++)
    {
      t.grads[0] = t.grads[1] = t.grads[2] = g[s];
      nn_optimizer_step (opt, &t.model, NULL, lr);
      assert_close (t.params[0], expect[s], 2e-6);
      // non-trainable statistic and frozen layer never move
      g_assert_cmpfloat (t.params[1], ==, 1.0f);
      g_assert_cmpfloat (t.params[2], ==, 1.0f);
    }
  g_assert_cmpint (opt->iterations, ==, 3);
}

static void
test_adam (void)
{
  NnOptimizerConfig c = nn_optimizer_config_default (NN_OPTIMIZER_ADAM);
  g_assert_cmpfloat (c.learning_rate, ==, 0.001f);
  g_assert_cmpfloat (c.epsilon, ==, 1e-7f);
  // step 1: alpha = 0.1 sqrt(0.001) / 0.1, m = 0.05, v = 0.00025 -> w = 1 - 0.0999994
  const double expect[3] = { 0.9000006324515321, 0.8654402506933558, 0.8275012914503131 };
  run_steps (c, 0.1f, expect);
}

static void
test_adamw (void)
{
  NnOptimizerConfig c = nn_optimizer_config_default (NN_OPTIMIZER_ADAMW);
  g_assert_cmpfloat (c.weight_decay, ==, 0.004f);
  c.weight_decay = 0.1f;
  // decay first: w = 1 - 1 * 0.1 * 0.1 = 0.99, then the Adam step of test_adam
  const double expect[3] = { 0.890000632451532, 0.8465402443688405, 0.8001358826821093 };
  run_steps (c, 0.1f, expect);
}

/* The step shared out over a workspace's two threads, each taking a range of the
 * flat array that cuts through variables, moves every weight exactly as the step
 * on one thread: a recipe's model must not depend on how its step was split. */
static void
test_shared_step (void)
{
  NnOptimizerKind kinds[] = { NN_OPTIMIZER_ADAM, NN_OPTIMIZER_ADAMW, NN_OPTIMIZER_SGD };
  for (guint k = 0; k < G_N_ELEMENTS (kinds); k++)
    {
      g_autoptr (NnModel) shared = nn_zoo_advanced ();
      nn_model_init_weights_with (shared, 7, NN_INIT_FAN_IN_UNIFORM);
      g_autoptr (NnModel) alone = nn_model_copy (shared);
      nn_model_set_threads (shared, 2);
      // A checked workspace starts its threads now, not at its first pass.
      NnWorkspace *ws = nn_workspace_new_checked (shared, 8, NN_MODE_TRAINING, NULL);
      g_assert_nonnull (ws);
      NnOptimizerConfig c = nn_optimizer_config_default (kinds[k]);
      c.momentum = 0.9f;
      g_autoptr (NnOptimizer) o1 = nn_optimizer_new (&c, shared);
      g_autoptr (NnOptimizer) o2 = nn_optimizer_new (&c, alone);
      GRand *r = g_rand_new_with_seed (k);
      for (int step = 0; step < 3; step++)
        {
          for (size_t i = 0; i < shared->n_params; i++)
            shared->grads[i] = alone->grads[i] = (float) g_rand_double_range (r, -1, 1);
          nn_optimizer_step (o1, shared, ws, 0.01f);
          nn_optimizer_step (o2, alone, NULL, 0.01f);
        }
      g_assert_cmpmem (shared->params, shared->n_params * sizeof (float), alone->params,
                       alone->n_params * sizeof (float));
      g_rand_free (r);
      nn_workspace_free (ws);
    }
}

static void
test_sgd (void)
{
  NnOptimizerConfig c = nn_optimizer_config_default (NN_OPTIMIZER_SGD);
  g_assert_cmpfloat (c.learning_rate, ==, 0.01f);
  // plain: w -= lr g
  run_steps (c, 0.1f, (const double[]) { 0.95, 0.97, 0.96 });
  // momentum 0.9: m = -0.05, w = 0.95; m = -0.045 + 0.02 = -0.025, w = 0.925;
  // m = -0.0225 - 0.01 = -0.0325, w = 0.8925
  c.momentum = 0.9f;
  run_steps (c, 0.1f, (const double[]) { 0.95, 0.925, 0.8925 });
  // Nesterov: w += 0.9 m - lr g: 1 - 0.045 - 0.05 = 0.905; 0.905 - 0.0225 + 0.02 = 0.9025;
  // 0.9025 - 0.02925 - 0.01 = 0.86325
  c.nesterov = TRUE;
  run_steps (c, 0.1f, (const double[]) { 0.905, 0.9025, 0.86325 });
}

static void
test_cosine_restarts (void)
{
  NnSchedule s = nn_schedule_cosine_restarts (1.0f, 10, 2.0f, 0.5f, 0.1f);
  assert_close (nn_schedule_lr (&s, 0), 1.0, 1e-6);
  assert_close (nn_schedule_lr (&s, 5), 0.55, 1e-6);        // cos(pi/2) = 0: 0.9 * 0.5 + 0.1
  assert_close (nn_schedule_lr (&s, 10), 0.55, 1e-6);       // restart at m_mul 0.5
  assert_close (nn_schedule_lr (&s, 15), 0.48409903, 1e-6); // 0.9 * 0.25 (1 + cos(pi/4)) + 0.1
  assert_close (nn_schedule_lr (&s, 20), 0.325, 1e-6);      // half of a 20-step period
  assert_close (nn_schedule_lr (&s, 35), 0.31643644, 1e-6); // third period, 5 of 40 steps
  g_assert_cmpfloat (nn_schedule_lr (&s, 9), >, 0.1f);

  NnSchedule flat = nn_schedule_cosine_restarts (2.0f, 10, 1.0f, 1.0f, 0.0f);
  assert_close (nn_schedule_lr (&flat, 15), 1.0, 1e-6);
  assert_close (nn_schedule_lr (&flat, 20), 2.0, 1e-6);

  NnSchedule c = nn_schedule_constant (0.003f);
  assert_close (nn_schedule_lr (&c, 12345), 0.003, 1e-9);
}

/* Keras's CosineDecay(0.1, decay_steps=20, alpha=0.1, warmup_target=1.0,
 * warmup_steps=10): linear up, then the cosine from the target, then flat. */
static void
test_warmup_cosine (void)
{
  NnSchedule s = nn_schedule_warmup_cosine (0.1f, 1.0f, 10, 20, 0.1f);
  assert_close (nn_schedule_lr (&s, 0), 0.1, 1e-6);
  assert_close (nn_schedule_lr (&s, 5), 0.55, 1e-6);   // half-way up
  assert_close (nn_schedule_lr (&s, 10), 1.0, 1e-6);   // the peak
  assert_close (nn_schedule_lr (&s, 20), 0.55, 1e-6);  // cos(pi/2) = 0: 0.9 * 0.5 + 0.1
  assert_close (nn_schedule_lr (&s, 30), 0.1, 1e-6);   // alpha * target
  assert_close (nn_schedule_lr (&s, 1000), 0.1, 1e-6); // and there it stays
  NnSchedule none = nn_schedule_warmup_cosine (0.0f, 2.0f, 0, 4, 0.0f);
  assert_close (nn_schedule_lr (&none, 0), 2.0, 1e-6); // no warm-up: starts at the peak
  assert_close (nn_schedule_lr (&none, 2), 1.0, 1e-6);
}

static void
test_plateau (void)
{
  NnPlateau p;
  nn_plateau_init (&p, FALSE, 0.5f, 2, 0.0f, 1, 0.01f);
  float lr = 0.1f;
  const double vals[] = { 1.0, 0.9, 0.95, 0.95, 0.96, 0.97, 0.99, 0.99, 0.99, 0.99, 0.99, 0.99 };
  const float lrs[] =  { 0.1f, 0.1f, 0.1f, 0.05f, 0.05f, 0.025f, 0.025f, 0.0125f, 0.0125f, 0.01f, 0.01f, 0.01f };
  for (guint i = 0; i < G_N_ELEMENTS (vals); i++)
    {
      nn_plateau_update (&p, vals[i], &lr);
      assert_close (lr, lrs[i], 1e-7);
    }

  // max mode with min_delta: +0.0005 is no improvement when min_delta is 0.001
  nn_plateau_init (&p, TRUE, 0.1f, 1, 0.001f, 0, 0.0f);
  lr = 1.0f;
  g_assert_false (nn_plateau_update (&p, 0.9, &lr));
  g_assert_true (nn_plateau_update (&p, 0.9005, &lr));
  assert_close (lr, 0.1, 1e-7);
}

static void
test_early_stop (void)
{
  NnEarlyStop e;
  gboolean improved;
  nn_early_stop_init (&e, TRUE, 0.0f, 2);
  g_assert_false (nn_early_stop_update (&e, 0, 0.5, &improved));
  g_assert_true (improved);
  g_assert_false (nn_early_stop_update (&e, 1, 0.6, &improved));
  g_assert_true (improved);
  g_assert_false (nn_early_stop_update (&e, 2, 0.6, &improved)); // equal is no improvement
  g_assert_false (improved);
  g_assert_true (nn_early_stop_update (&e, 3, 0.55, &improved));
  g_assert_cmpint (e.best_epoch, ==, 1);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/train/loss/sparse-ce", test_sparse_ce);
  g_test_add_func ("/train/loss/label-smoothing", test_label_smoothing);
  g_test_add_func ("/train/optimizer/adam", test_adam);
  g_test_add_func ("/train/optimizer/adamw", test_adamw);
  g_test_add_func ("/train/optimizer/sgd", test_sgd);
  g_test_add_func ("/train/optimizer/shared-step", test_shared_step);
  g_test_add_func ("/train/schedule/cosine-restarts", test_cosine_restarts);
  g_test_add_func ("/train/schedule/warmup-cosine", test_warmup_cosine);
  g_test_add_func ("/train/callbacks/plateau", test_plateau);
  g_test_add_func ("/train/callbacks/early-stop", test_early_stop);
  return g_test_run ();
}
