/* nn-optimizer.c: Keras 3 optimizer steps on the model's flat parameter array, and
 * each optimizer's Keras name and serialized config for a saved compile_config. */
#include "nn-optimizer.h"

#include <math.h>
#include <string.h>

NnOptimizerConfig
nn_optimizer_config_default (NnOptimizerKind kind)
{
  NnOptimizerConfig c = {
    .kind = kind, .learning_rate = 0.001f, .momentum = 0.0f, .nesterov = FALSE,
    .beta_1 = 0.9f, .beta_2 = 0.999f, .epsilon = 1e-7f, .weight_decay = 0.0f,
  };
  if (kind == NN_OPTIMIZER_SGD)
    c.learning_rate = 0.01f;
  if (kind == NN_OPTIMIZER_ADAMW)
    c.weight_decay = 0.004f;
  return c;
}

NnOptimizer *
nn_optimizer_new (const NnOptimizerConfig *cfg, const NnModel *model)
{
  g_return_val_if_fail (cfg != NULL && model != NULL, NULL);

  NnOptimizer *opt = g_new0 (NnOptimizer, 1);
  opt->cfg = *cfg;
  opt->n_params = model->n_params;
  gboolean want_m = cfg->kind != NN_OPTIMIZER_SGD || cfg->momentum != 0.0f;
  gboolean want_v = cfg->kind != NN_OPTIMIZER_SGD;
  if (want_m)
    opt->m = g_new0 (float, MAX (opt->n_params, 1));
  if (want_v)
    opt->v = g_new0 (float, MAX (opt->n_params, 1));
  return opt;
}

void
nn_optimizer_free (NnOptimizer *opt)
{
  if (!opt)
    return;
  g_free (opt->m);
  g_free (opt->v);
  g_free (opt);
}

static void
sgd_update (const NnOptimizerConfig *c, float *w, const float *g, float *m, size_t n, float lr)
{
  if (!m)
    {
      for (size_t i = 0; i < n; i++)
        w[i] -= lr * g[i];
      return;
    }
  const float mu = c->momentum;
  for (size_t i = 0; i < n; i++)
    {
      m[i] = m[i] * mu - g[i] * lr;
      w[i] += c->nesterov ? m[i] * mu - g[i] * lr : m[i];
    }
}

static void
adam_update (const NnOptimizerConfig *c, float *w, const float *g, float *m, float *v,
             size_t n, float alpha)
{
  const float one_b1 = 1.0f - c->beta_1, one_b2 = 1.0f - c->beta_2, eps = c->epsilon;
  for (size_t i = 0; i < n; i++)
    {
      m[i] += (g[i] - m[i]) * one_b1;
      v[i] += (g[i] * g[i] - v[i]) * one_b2;
      w[i] -= m[i] * alpha / (sqrtf (v[i]) + eps);
    }
}

typedef struct {
  NnOptimizer *opt;
  NnModel *model;
  float lr, alpha;
} Step;

/* The step on the parameters [lo, hi) of the flat array: each variable's part of
 * that range. Every update is elementwise, so a range gives the floats the whole
 * array would. */
static void
step_range (const Step *s, size_t lo, size_t hi)
{
  const NnOptimizerConfig *c = &s->opt->cfg;
  const NnModel *model = s->model;
  for (int l = 0; l < model->n_layers; l++)
    {
      const NnLayer *layer = &model->layers[l];
      if (!layer->trainable)
        continue;
      for (int k = 0; k < layer->n_vars; k++)
        {
          const NnVar *var = &layer->vars[k];
          size_t a = MAX (var->offset, lo), b = MIN (var->offset + var->size, hi);
          if (!var->trainable || a >= b)
            continue;
          float *w = model->params + a;
          const float *g = model->grads + a;
          float *m = s->opt->m ? s->opt->m + a : NULL;
          float *v = s->opt->v ? s->opt->v + a : NULL;
          switch (c->kind)
            {
            case NN_OPTIMIZER_SGD:
              sgd_update (c, w, g, m, b - a, s->lr);
              break;
            case NN_OPTIMIZER_ADAMW:
              for (size_t i = 0; i < b - a; i++)
                w[i] -= w[i] * c->weight_decay * s->lr;
              adam_update (c, w, g, m, v, b - a, s->alpha);
              break;
            case NN_OPTIMIZER_ADAM:
              adam_update (c, w, g, m, v, b - a, s->alpha);
              break;
            }
        }
    }
}

static void
step_job (void *data, int tid, int nt)
{
  const Step *s = data;
  size_t lo, hi;
  nn_workspace_share_range (s->model->n_params, tid, nt, &lo, &hi);
  step_range (s, lo, hi);
}

void
nn_optimizer_step (NnOptimizer *opt, NnModel *model, NnWorkspace *ws, float lr)
{
  g_return_if_fail (opt != NULL && model != NULL && model->n_params == opt->n_params);

  const NnOptimizerConfig *c = &opt->cfg;
  // Keras computes the bias correction in the variable dtype (float32).
  float t = (float) (opt->iterations + 1);
  Step s = { .opt = opt, .model = model, .lr = lr,
             .alpha = lr * sqrtf (1.0f - powf (c->beta_2, t)) / (1.0f - powf (c->beta_1, t)) };
  if (ws)
    nn_workspace_share_out (ws, step_job, &s);
  else
    step_range (&s, 0, model->n_params);
  nn_model_params_changed (model);
  opt->iterations++;
}

const char *
nn_optimizer_keras_name (NnOptimizerKind kind)
{
  switch (kind)
    {
    case NN_OPTIMIZER_SGD: return "SGD";
    case NN_OPTIMIZER_ADAM: return "adam";
    case NN_OPTIMIZER_ADAMW: return "adamw";
    }
  return "adam";
}

char *
nn_optimizer_config_json (const NnOptimizerConfig *c, float lr)
{
  const char *class_name = c->kind == NN_OPTIMIZER_SGD ? "SGD"
                           : c->kind == NN_OPTIMIZER_ADAM ? "Adam" : "AdamW";
  GString *s = g_string_new (NULL);
  char buf[G_ASCII_DTOSTR_BUF_SIZE];
  g_string_append_printf (s, "{\"module\": \"keras.optimizers\", \"class_name\": \"%s\", "
                          "\"config\": {\"name\": \"%s\", \"learning_rate\": %s",
                          class_name, nn_optimizer_keras_name (c->kind),
                          g_ascii_formatd (buf, sizeof buf, "%.7g", lr));
  if (c->kind == NN_OPTIMIZER_ADAMW)
    g_string_append_printf (s, ", \"weight_decay\": %s",
                            g_ascii_formatd (buf, sizeof buf, "%.7g", c->weight_decay));
  else
    g_string_append (s, ", \"weight_decay\": null");
  g_string_append (s, ", \"clipnorm\": null, \"global_clipnorm\": null, \"clipvalue\": null, "
                   "\"use_ema\": false, \"ema_momentum\": 0.99, \"ema_overwrite_frequency\": null, "
                   "\"loss_scale_factor\": null, \"gradient_accumulation_steps\": null");
  if (c->kind == NN_OPTIMIZER_SGD)
    g_string_append_printf (s, ", \"momentum\": %s, \"nesterov\": %s",
                            g_ascii_formatd (buf, sizeof buf, "%.7g", c->momentum),
                            c->nesterov ? "true" : "false");
  else
    {
      g_string_append_printf (s, ", \"beta_1\": %s", g_ascii_formatd (buf, sizeof buf, "%.7g", c->beta_1));
      g_string_append_printf (s, ", \"beta_2\": %s", g_ascii_formatd (buf, sizeof buf, "%.7g", c->beta_2));
      g_string_append_printf (s, ", \"epsilon\": %s, \"amsgrad\": false",
                              g_ascii_formatd (buf, sizeof buf, "%.7g", c->epsilon));
    }
  g_string_append (s, "}, \"registered_name\": null}");
  return g_string_free (s, FALSE);
}
