/* nn-test-util.h: TAP output and small models for the engine tests. */
#pragma once

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "nn-model.h"
#include "nn-error.h"

static int tap_n, tap_failed;

static G_GNUC_UNUSED void
tap_ok (gboolean ok, const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  g_autofree char *what = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  printf ("%s %d - %s\n", ok ? "ok" : "not ok", ++tap_n, what);
  if (!ok)
    tap_failed++;
  fflush (stdout);
}

static G_GNUC_UNUSED int
tap_done (void)
{
  printf ("1..%d\n", tap_n);
  return tap_failed ? 1 : 0;
}

static G_GNUC_UNUSED float
test_uniform (guint64 *s)
{
  guint64 z = (*s += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  z ^= z >> 31;
  return (float) ((z >> 40) * (1.0 / 16777216.0)) * 2.0f - 1.0f; /* [-1, 1) */
}

static G_GNUC_UNUSED void
test_fill (float *p, size_t n, guint64 seed, float scale)
{
  guint64 s = seed;
  for (size_t i = 0; i < n; i++)
    p[i] = test_uniform (&s) * scale;
}

/* Random values in every variable; BN variances kept positive. */
static G_GNUC_UNUSED void
test_randomize_params (NnModel *m, guint64 seed)
{
  guint64 s = seed;
  for (int i = 0; i < m->n_layers; i++)
    for (int v = 0; v < m->layers[i].n_vars; v++)
      {
        NnVar *var = &m->layers[i].vars[v];
        float *p = m->params + var->offset;
        for (size_t k = 0; k < var->size; k++)
          {
            float u = test_uniform (&s);
            if (strcmp (var->role, "moving_variance") == 0)
              p[k] = 0.5f + 0.5f * (u + 1.0f);
            else if (strcmp (var->role, "gamma") == 0)
              p[k] = 1.0f + 0.5f * u;
            else
              p[k] = 0.5f * u;
          }
      }
  nn_model_params_changed (m);
}

/* Largest |a - b| / (atol + rtol |b|); <= 1 passes. */
static G_GNUC_UNUSED double
test_max_err (const float *a, const double *b, size_t n, double atol, double rtol, size_t *where)
{
  double worst = 0.0;
  for (size_t i = 0; i < n; i++)
    {
      double e = fabs ((double) a[i] - b[i]) / (atol + rtol * fabs (b[i]));
      if (!(e <= worst))
        {
          worst = isnan (e) ? INFINITY : e;
          if (where)
            *where = i;
        }
    }
  return worst;
}
