/* nn-rng.h: the engine's random numbers (weight initialisation, dropout
 * masks): splitmix64, tiny and seedable with any value. Header-only. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

static inline guint64
nn_rng_next (guint64 *state)
{
  guint64 z = (*state += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

/* Uniform in [0, 1). */
static inline float
nn_rng_uniform (guint64 *state)
{
  return (float) ((nn_rng_next (state) >> 40) * (1.0 / 16777216.0));
}

G_END_DECLS
