/* nn-optimizer.h: SGD (momentum, Nesterov), Adam and AdamW with Keras 3 semantics.
 *
 * The update rules are Keras 3's, step for step (keras/src/optimizers/adam.py, sgd.py, base_optimizer.py):
 *   SGD      m = momentum * m - lr * g;  w += m  (Nesterov: w += momentum * m - lr * g)
 *            without momentum: w -= lr * g
 *   Adam     t = iterations + 1
 *            lr_t = lr * sqrt(1 - b2^t) / (1 - b1^t)
 *            m += (g - m) * (1 - b1);  v += (g^2 - v) * (1 - b2)
 *            w -= lr_t * m / (sqrt(v) + eps)
 *   AdamW    first w -= w * wd * lr (decoupled decay, every trainable variable),
 *            then the Adam step.
 * Only variables that are trainable (NnVar.trainable) in a trainable layer
 * (NnLayer.trainable) move; their slots (m, v) share the model's params layout.
 */
#pragma once

#include <glib.h>
#include "nn-model.h"

G_BEGIN_DECLS

typedef enum {
  NN_OPTIMIZER_SGD,
  NN_OPTIMIZER_ADAM,
  NN_OPTIMIZER_ADAMW,
} NnOptimizerKind;

typedef struct {
  NnOptimizerKind kind;
  float learning_rate; /* used when the fit loop has no schedule */
  float momentum;      /* SGD */
  gboolean nesterov;   /* SGD */
  float beta_1, beta_2, epsilon; /* Adam, AdamW */
  float weight_decay;  /* AdamW */
} NnOptimizerConfig;

/* Keras 3 defaults: SGD lr 0.01 momentum 0; Adam lr 0.001, beta_1 0.9,
 * beta_2 0.999, epsilon 1e-7; AdamW the same with weight_decay 0.004. */
NnOptimizerConfig nn_optimizer_config_default (NnOptimizerKind kind);

typedef struct {
  NnOptimizerConfig cfg;
  gint64 iterations;  /* steps taken, Keras's optimizer.iterations */
  size_t n_params;
  float *m;           /* (n_params) Adam momentum / SGD momentum, or NULL */
  float *v;           /* (n_params) Adam velocity, or NULL */
} NnOptimizer;

NnOptimizer *nn_optimizer_new (const NnOptimizerConfig *cfg, const NnModel *model);
void         nn_optimizer_free (NnOptimizer *opt);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (NnOptimizer, nn_optimizer_free)

/* One step with learning rate lr on model->grads; increments iterations. ws: a
 * workspace of the model whose threads share the step out (the same floats as
 * without), or NULL to take it on the calling thread. */
void         nn_optimizer_step (NnOptimizer *opt, NnModel *model, NnWorkspace *ws, float lr);

/* Keras's name for the optimizer ("SGD", "adam", "adamw"), and its serialized
 * config JSON for compile_config (free with g_free). */
const char  *nn_optimizer_keras_name (NnOptimizerKind kind);
char        *nn_optimizer_config_json (const NnOptimizerConfig *cfg, float lr);

G_END_DECLS
