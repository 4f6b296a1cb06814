/* nn-schedule.c: Keras learning-rate schedules and per-epoch callbacks. */
#include "nn-schedule.h"

#include <math.h>

NnSchedule
nn_schedule_constant (float lr)
{
  return (NnSchedule) { .kind = NN_SCHEDULE_CONSTANT, .initial_learning_rate = lr,
                        .first_decay_steps = 1, .t_mul = 2.0f, .m_mul = 1.0f };
}

NnSchedule
nn_schedule_cosine_restarts (float initial_lr, gint64 first_decay_steps,
                             float t_mul, float m_mul, float alpha)
{
  return (NnSchedule) { .kind = NN_SCHEDULE_COSINE_RESTARTS, .initial_learning_rate = initial_lr,
                        .first_decay_steps = MAX (first_decay_steps, 1),
                        .t_mul = t_mul, .m_mul = m_mul, .alpha = alpha };
}

NnSchedule
nn_schedule_warmup_cosine (float initial_lr, float warmup_target, gint64 warmup_steps,
                           gint64 decay_steps, float alpha)
{
  return (NnSchedule) { .kind = NN_SCHEDULE_WARMUP_COSINE, .initial_learning_rate = initial_lr,
                        .warmup_target = warmup_target, .warmup_steps = MAX (warmup_steps, 0),
                        .first_decay_steps = MAX (decay_steps, 1), .alpha = alpha,
                        .t_mul = 1.0f, .m_mul = 1.0f };
}

static float
warmup_cosine_lr (const NnSchedule *s, gint64 step)
{
  if (step < s->warmup_steps)
    return (float) (s->initial_learning_rate + (s->warmup_target - s->initial_learning_rate)
                                                   * (double) step / (double) s->warmup_steps);
  double fraction = MIN ((double) (step - s->warmup_steps) / (double) s->first_decay_steps, 1.0);
  double cosine = 0.5 * (1.0 + cos (G_PI * fraction));
  return (float) (s->warmup_target * ((1.0 - s->alpha) * cosine + s->alpha));
}

float
nn_schedule_lr (const NnSchedule *s, gint64 step)
{
  g_return_val_if_fail (s != NULL, 0.0f);
  if (s->kind == NN_SCHEDULE_CONSTANT)
    return s->initial_learning_rate;
  if (s->kind == NN_SCHEDULE_WARMUP_COSINE)
    return warmup_cosine_lr (s, step);

  double fraction = (double) step / (double) s->first_decay_steps;
  double t_mul = s->t_mul, i_restart;
  if (t_mul == 1.0)
    {
      i_restart = floor (fraction);
      fraction -= i_restart;
    }
  else
    {
      // Period i starts after (1 - t_mul^i) / (1 - t_mul) first periods.
      i_restart = floor (log (1.0 - fraction * (1.0 - t_mul)) / log (t_mul));
      double sum_r = (1.0 - pow (t_mul, i_restart)) / (1.0 - t_mul);
      fraction = (fraction - sum_r) / pow (t_mul, i_restart);
    }
  double cosine = 0.5 * pow (s->m_mul, i_restart) * (1.0 + cos (G_PI * fraction));
  double decayed = (1.0 - s->alpha) * cosine + s->alpha;
  return (float) (s->initial_learning_rate * decayed);
}

void
nn_plateau_init (NnPlateau *p, gboolean maximize, float factor, int patience,
                 float min_delta, int cooldown, float min_lr)
{
  g_return_if_fail (p != NULL);
  *p = (NnPlateau) { .maximize = maximize, .factor = factor, .patience = patience,
                     .min_delta = min_delta, .cooldown = cooldown, .min_lr = min_lr,
                     .best = maximize ? -INFINITY : INFINITY };
}

static gboolean
plateau_better (const NnPlateau *p, double a, double b)
{
  return p->maximize ? a > b + p->min_delta : a < b - p->min_delta;
}

gboolean
nn_plateau_update (NnPlateau *p, double current, float *lr)
{
  g_return_val_if_fail (p != NULL && lr != NULL, FALSE);

  if (p->cooldown_counter > 0)
    {
      p->cooldown_counter--;
      p->wait = 0;
    }
  if (plateau_better (p, current, p->best))
    {
      p->best = current;
      p->wait = 0;
      return FALSE;
    }
  if (p->cooldown_counter > 0)
    return FALSE;
  if (++p->wait < p->patience)
    return FALSE;
  if (!(*lr > p->min_lr))
    return FALSE;
  *lr = MAX (*lr * p->factor, p->min_lr);
  p->cooldown_counter = p->cooldown;
  p->wait = 0;
  return TRUE;
}

void
nn_early_stop_init (NnEarlyStop *e, gboolean maximize, float min_delta, int patience)
{
  g_return_if_fail (e != NULL);
  *e = (NnEarlyStop) { .maximize = maximize, .min_delta = min_delta, .patience = patience,
                       .best = maximize ? -INFINITY : INFINITY, .best_epoch = -1 };
}

gboolean
nn_early_stop_update (NnEarlyStop *e, int epoch, double current, gboolean *improved)
{
  g_return_val_if_fail (e != NULL, FALSE);

  // Keras: wait counts up first, and an improvement (beyond min_delta) resets it.
  e->wait++;
  gboolean better = e->maximize ? current - e->min_delta > e->best
                                : current + e->min_delta < e->best;
  if (improved)
    *improved = better;
  if (better)
    {
      e->best = current;
      e->best_epoch = epoch;
      e->wait = 0;
      return FALSE;
    }
  return e->patience > 0 && e->wait >= e->patience && epoch > 0;
}
