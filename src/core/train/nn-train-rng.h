/* nn-train-rng.h: the small deterministic random generator of training.
 *
 * splitmix64 to derive independent streams from (seed, epoch, index), and
 * xoshiro128+-free simplicity: every draw is one splitmix64 step. Streams are
 * derived per image and per batch, so results do not depend on how many threads
 * share the work.
 */
#pragma once

#include <glib.h>
#include <math.h>

G_BEGIN_DECLS

typedef struct {
  guint64 state;
} NnTrainRng;

static inline guint64
nn_train_rng_mix (guint64 z)
{
  z = (z ^ (z >> 30)) * G_GUINT64_CONSTANT (0xbf58476d1ce4e5b9);
  z = (z ^ (z >> 27)) * G_GUINT64_CONSTANT (0x94d049bb133111eb);
  return z ^ (z >> 31);
}

/* A stream for (seed, a, b): e.g. (seed, epoch, image index). */
static inline NnTrainRng
nn_train_rng_derive (guint64 seed, guint64 a, guint64 b)
{
  NnTrainRng r;
  r.state = nn_train_rng_mix (seed + G_GUINT64_CONSTANT (0x9e3779b97f4a7c15) * (a + 1));
  r.state = nn_train_rng_mix (r.state ^ (b * G_GUINT64_CONSTANT (0xd1b54a32d192ed03) + 0x632be59bd9b4e019));
  return r;
}

static inline guint64
nn_train_rng_next (NnTrainRng *r)
{
  r->state += G_GUINT64_CONSTANT (0x9e3779b97f4a7c15);
  return nn_train_rng_mix (r->state);
}

/* Uniform in [0, 1). */
static inline double
nn_train_rng_uniform (NnTrainRng *r)
{
  return (double) (nn_train_rng_next (r) >> 11) * (1.0 / 9007199254740992.0);
}

/* Uniform in [lo, hi). */
static inline double
nn_train_rng_range (NnTrainRng *r, double lo, double hi)
{
  return lo + (hi - lo) * nn_train_rng_uniform (r);
}

/* Uniform integer in [0, n). */
static inline guint32
nn_train_rng_below (NnTrainRng *r, guint32 n)
{
  return (guint32) (((nn_train_rng_next (r) >> 32) * (guint64) n) >> 32);
}

/* Standard normal (Box-Muller, one value per call). */
static inline double
nn_train_rng_normal (NnTrainRng *r)
{
  double u1 = nn_train_rng_uniform (r), u2 = nn_train_rng_uniform (r);
  if (u1 < 1e-300)
    u1 = 1e-300;
  return sqrt (-2.0 * log (u1)) * cos (2.0 * G_PI * u2);
}

/* Fisher-Yates shuffle of idx[0..n). */
static inline void
nn_train_rng_shuffle (NnTrainRng *r, int *idx, int n)
{
  for (int i = n - 1; i > 0; i--)
    {
      int j = (int) nn_train_rng_below (r, (guint32) (i + 1));
      int t = idx[i];
      idx[i] = idx[j];
      idx[j] = t;
    }
}

G_END_DECLS
