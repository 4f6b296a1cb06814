/* nn-schedule.h: learning-rate schedules and the plateau and early-stopping rules.
 *
 * Keras semantics throughout:
 *   CosineDecayRestarts (keras.optimizers.schedules): the multiplier decays from 1
 *   to alpha over first_decay_steps steps, then restarts; period i lasts
 *   first_decay_steps * t_mul^i steps and starts at m_mul^i. The step is the
 *   optimizer's iteration count before the update.
 *   CosineDecay with warm-up (keras.optimizers.schedules.CosineDecay with
 *   warmup_target and warmup_steps): linear from initial_learning_rate to
 *   warmup_target over warmup_steps, then a cosine from warmup_target down to
 *   alpha * warmup_target over decay_steps, then alpha * warmup_target.
 *   ReduceLROnPlateau and EarlyStopping (keras.callbacks), once per epoch.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef enum {
  NN_SCHEDULE_CONSTANT,
  NN_SCHEDULE_COSINE_RESTARTS,
  NN_SCHEDULE_WARMUP_COSINE,
} NnScheduleKind;

typedef struct {
  NnScheduleKind kind;
  float initial_learning_rate;
  gint64 first_decay_steps; /* cosine */
  float t_mul, m_mul, alpha; /* cosine; Keras defaults 2, 1, 0 */
  float warmup_target;       /* warm-up cosine: the peak */
  gint64 warmup_steps;       /* warm-up cosine; decay_steps is first_decay_steps */
} NnSchedule;

NnSchedule nn_schedule_constant (float lr);
NnSchedule nn_schedule_cosine_restarts (float initial_lr, gint64 first_decay_steps,
                                        float t_mul, float m_mul, float alpha);
NnSchedule nn_schedule_warmup_cosine (float initial_lr, float warmup_target, gint64 warmup_steps,
                                     gint64 decay_steps, float alpha);
float      nn_schedule_lr (const NnSchedule *s, gint64 step);

/* ReduceLROnPlateau. Keras defaults: factor 0.1, patience 10, min_delta 1e-4,
 * cooldown 0, min_lr 0; "max" mode for an accuracy, "min" for a loss. */
typedef struct {
  gboolean maximize;
  float factor;
  int patience;
  float min_delta;
  int cooldown;
  float min_lr;
  /* state */
  double best;
  int wait;
  int cooldown_counter;
} NnPlateau;

void     nn_plateau_init (NnPlateau *p, gboolean maximize, float factor, int patience,
                          float min_delta, int cooldown, float min_lr);
/* Feeds the epoch's monitored value. When the plateau rule fires, *lr is reduced
 * (to max(lr * factor, min_lr)) and TRUE is returned. */
gboolean nn_plateau_update (NnPlateau *p, double current, float *lr);

/* EarlyStopping(monitor, min_delta, patience, restore_best_weights). */
typedef struct {
  gboolean maximize;
  float min_delta;
  int patience;
  /* state */
  double best;
  int best_epoch; /* 0-based, -1 before the first epoch */
  int wait;
} NnEarlyStop;

void     nn_early_stop_init (NnEarlyStop *e, gboolean maximize, float min_delta, int patience);
/* Feeds epoch (0-based) and its value; *improved tells whether it is a new best.
 * Returns TRUE when training should stop. */
gboolean nn_early_stop_update (NnEarlyStop *e, int epoch, double current, gboolean *improved);

G_END_DECLS
