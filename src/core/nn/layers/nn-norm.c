/* nn-norm.c: BatchNormalization over the channel axis, with Keras 3 semantics:
 * training normalises with the batch mean and the biased batch variance, and
 * moves  moving = moving * momentum + batch * (1 - momentum)  with that same
 * biased variance (keras/src/layers/normalization/batch_normalization.py).
 * A frozen layer (trainable = false) always uses its moving statistics. */
#include <math.h>
#include <string.h>
#include "nn-private.h"
#include "nn-kernels.h"

typedef struct {
  const float *gamma, *beta; /* NULL when scale / center is off */
  float *mean, *var;         /* moving statistics */
  int gamma_v, beta_v;       /* variable indices, -1 if absent */
} BnVars;

static BnVars
bn_vars (const NnCall *c)
{
  const NnLayer *l = c->l;
  BnVars b = { .gamma_v = -1, .beta_v = -1 };
  int v = 0;
  if (l->cfg.bn.scale)
    b.gamma_v = v++;
  if (l->cfg.bn.center)
    b.beta_v = v++;
  b.gamma = b.gamma_v >= 0 ? c->m->params + l->vars[b.gamma_v].offset : NULL;
  b.beta = b.beta_v >= 0 ? c->m->params + l->vars[b.beta_v].offset : NULL;
  b.mean = c->m->params + l->vars[v].offset;
  b.var = c->m->params + l->vars[v + 1].offset;
  return b;
}

/* The call's rows of channels: its images' pixels. */
static size_t
pixels (const NnCall *c)
{
  return (size_t) c->n * c->l->in_shape.h * c->l->in_shape.w;
}

/* The scratch of one call: the per-channel sums in doubles (2, C), then float
 * partial sums over a block of rows (2, C), whose place the per-channel
 * coefficients of the output pass (up to BN_COEFS of them) take once the sums
 * are done, then the forward's coefficients (2, C) for backward to tell where
 * a fused relu passed the gradient, then a block of dy's rows that a fused
 * pool's gradient is spread into (NN_BN_FLOAT_ROWS, C). */
#define BN_COEFS 3

typedef struct {
  double *sums;  /* (2, C) */
  float *part;   /* (2, C) */
  float *coef;   /* (BN_COEFS, C), over part */
  float *fwd;    /* (2, C) */
  float *dy;     /* (NN_BN_FLOAT_ROWS, C) */
} BnScratch;

static size_t
bn_scratch_floats (int C)
{
  return 2 * (size_t) C * (sizeof (double) / sizeof (float))
         + (BN_COEFS + 2 + NN_BN_FLOAT_ROWS) * (size_t) C;
}

static BnScratch
bn_scratch (const NnCall *c, int C)
{
  BnScratch sc;
  sc.sums = (double *) c->t->scratch;
  sc.part = (float *) (sc.sums + 2 * C);
  sc.coef = sc.part;
  sc.fwd = sc.coef + BN_COEFS * C;
  sc.dy = sc.fwd + 2 * C;
  return sc;
}

/* The forward's y = x * a + o per channel (before a fused relu). */
static void
forward_coefs (const BnVars *b, const float *mean, const float *invstd, float *a, float *o,
               int C)
{
  for (int k = 0; k < C; k++)
    {
      a[k] = invstd[k] * (b->gamma ? b->gamma[k] : 1.0f);
      o[k] = (b->beta ? b->beta[k] : 0.0f) - mean[k] * a[k];
    }
}

/* c->stats holds this thread's copy of (mean, invstd, m1, m2) for backward:
 * (4, C), m1 and m2 the batch means of dy and of dy * xhat (backward's sums).
 * In training the workspace may fuse the relu Activation that follows into the
 * layer (c->act): y is then relu (BN (x)), and backward gets that layer's dy.
 * Forward and backward each run in two phases (c->phase): gathering the
 * batch's sums over the thread's whole slice, where the threads meet, then
 * applying them, which a pass may do a few images at a time. */

/* The batch mean and invstd into c->stats, and the moving statistics. */
static void
gather_forward (NnCall *c, const BnVars *b)
{
  const NnLayer *l = c->l;
  int C = l->in_shape.c;
  size_t rows = pixels (c);
  float eps = l->cfg.bn.epsilon, mom = l->cfg.bn.momentum;
  float *mean = c->stats, *invstd = c->stats + C;
  const float *x = c->x[0];
  BnScratch sc = bn_scratch (c, C);
  double *s = sc.sums; // (2, C): sum, sum of squares
  float *f1 = sc.part, *f2 = f1 + C; // (C,) float partial sums
  memset (s, 0, 2 * C * sizeof (double));
  /* Float sums over blocks of 32 rows (vectorised), folded into doubles. */
  for (size_t r0 = nn_bn_sums (s, s + C, x, x, NULL, NULL, NULL, NULL, rows, C) ? rows : 0;
       r0 < rows;
       r0 += 32)
    {
      memset (f1, 0, 2 * C * sizeof (float));
      size_t r1 = MIN (rows, r0 + 32);
      for (size_t r = r0; r < r1; r++)
        for (int k = 0; k < C; k++)
          {
            float v = x[r * C + k];
            f1[k] += v;
            f2[k] += v * v;
          }
      for (int k = 0; k < C; k++)
        {
          s[k] += f1[k];
          s[C + k] += f2[k];
        }
    }
  nn_sync_sum (c, s, 2 * C, 0);
  double total = (double) c->n_total * l->in_shape.h * l->in_shape.w;
  for (int k = 0; k < C; k++)
    {
      double mu = s[k] / total;
      double var = MAX (s[C + k] / total - mu * mu, 0.0);
      mean[k] = (float) mu;
      invstd[k] = (float) (1.0 / sqrt (var + eps));
      if (c->t->tid == 0)
        {
          b->mean[k] = b->mean[k] * mom + (float) mu * (1.0f - mom);
          b->var[k] = b->var[k] * mom + (float) var * (1.0f - mom);
        }
    }
}

/* y = x * a + o per channel, then the fused relu if any. */
static void
apply_forward (NnCall *c, const BnVars *b)
{
  const NnLayer *l = c->l;
  int C = l->in_shape.c;
  size_t rows = pixels (c);
  const float *x = c->x[0];
  BnScratch sc = bn_scratch (c, C);
  float *a = sc.coef, *o = a + C;
  forward_coefs (b, c->stats, c->stats + C, a, o, C);
  gboolean relu = c->act == NN_ACT_RELU;
  if (nn_bn_apply (c->y, x, a, NULL, NULL, o, NULL, NULL, relu, rows, C))
    return;
  for (size_t r = 0; r < rows; r++)
    for (int k = 0; k < C; k++)
      {
        float v = x[r * C + k] * a[k] + o[k];
        c->y[r * C + k] = relu && !(v > 0.0f) ? 0.0f : v;
      }
}

static void
nn_batch_norm_forward (NnCall *c)
{
  const NnLayer *l = c->l;
  int C = l->in_shape.c;
  BnVars b = bn_vars (c);
  if (c->phase != NN_PHASE_APPLY)
    {
      if (c->training)
        gather_forward (c, &b);
      else
        for (int k = 0; k < C; k++)
          {
            c->stats[k] = b.mean[k];
            c->stats[C + k] = 1.0f / sqrtf (b.var[k] + l->cfg.bn.epsilon);
          }
    }
  if (c->phase != NN_PHASE_GATHER)
    apply_forward (c, &b);
}

/* A fused relu: dy counts where its output was positive, where x * ra + ro > 0
 * as the forward computed it (its output y is not read again: one stream fewer
 * in each of backward's two passes). ra, ro into sc.fwd; *ro NULL without a
 * relu. */
static float *
relu_coefs (const NnCall *c, const BnVars *b, const BnScratch *sc, int C, const float **ro)
{
  float *ra = sc->fwd;
  *ro = NULL;
  if (c->act == NN_ACT_RELU)
    {
      *ro = ra + C;
      forward_coefs (b, c->stats, c->stats + C, ra, ra + C, C);
    }
  return ra;
}

/* What backward's two passes need besides dy and x: the forward's statistics,
 * the fused relu's coefficients (ro NULL: none), the float partial sums. */
typedef struct {
  int C;
  const float *mean, *invstd, *ra, *ro;
  float *f1, *f2; /* (C,) each */
} BnBackward;

/* Backward's dy for rows r0 .. r1 of the slice: c->dy's own, or, when the layer
 * does a 2 x 2 pool's backward (c->pool_arg), the pool's output gradient at the
 * cell each window took it from and 0 elsewhere, into buf, as the pool's own
 * backward would have written them. */
static const float *
dy_rows (const NnCall *c, size_t r0, size_t r1, float *buf)
{
  NnShape in = c->l->in_shape;
  int C = in.c;
  if (c->pool_arg == NULL)
    return c->dy + r0 * C;
  NnShape out = { in.h / 2, in.w / 2, C };
  size_t per = (size_t) in.h * in.w, cells = nn_max_pool_cell_bytes (out);
  if (nn_max_pool2_kernel_backward_rows (buf, c->pool_arg, c->dy, r0, r1, in.h, in.w, C, cells))
    return buf;
  for (size_t r = r0; r < r1; r++)
    {
      float *d = buf + (r - r0) * C;
      size_t i = r / per, pix = r % per;
      int h = (int) (pix / in.w), w = (int) (pix % in.w);
      if (h >= 2 * out.h || w >= 2 * out.w)
        {
          memset (d, 0, C * sizeof (float));
          continue;
        }
      size_t o = ((size_t) (h / 2) * out.w + w / 2) * C;
      const guint8 *arg = c->pool_arg + i * cells + o;
      const float *g = c->dy + i * nn_shape_size (out) + o;
      guint8 cell = (guint8) ((h & 1) * 2 + (w & 1));
      for (int k = 0; k < C; k++)
        d[k] = (arg[k] & 3) == cell ? g[k] : 0.0f;
    }
  return buf;
}

/* s += (sum dy, sum dy * xhat) over rows of dy and x. */
static void
add_backward_sums (const BnBackward *k, double *s, const float *dy, const float *x, size_t rows)
{
  int C = k->C;
  const float *mean = k->mean, *invstd = k->invstd, *ra = k->ra, *ro = k->ro;
  for (size_t r0 = nn_bn_sums (s, s + C, dy, x, mean, invstd, ra, ro, rows, C) ? rows : 0;
       r0 < rows; r0 += 32)
    {
      memset (k->f1, 0, C * sizeof (float));
      memset (k->f2, 0, C * sizeof (float));
      size_t r1 = MIN (rows, r0 + 32);
      for (size_t r = r0; r < r1; r++)
        for (int j = 0; j < C; j++)
          {
            float xhat = (x[r * C + j] - mean[j]) * invstd[j];
            float d = ro && !(x[r * C + j] * ra[j] + ro[j] > 0.0f) ? 0.0f : dy[r * C + j];
            k->f1[j] += d;
            k->f2[j] += d * xhat;
          }
      for (int j = 0; j < C; j++)
        {
          s[j] += k->f1[j];
          s[C + j] += k->f2[j];
        }
    }
}

static BnBackward
backward_of (const NnCall *c, const BnVars *b, const BnScratch *sc)
{
  int C = c->l->in_shape.c;
  BnBackward k = { C, c->stats, c->stats + C, NULL, NULL, sc->part, sc->part + C };
  k.ra = relu_coefs (c, b, sc, C, &k.ro);
  return k;
}

/* The rows backward's passes take at a time: all of the call's, or with a fused
 * pool the kernel's blocks, which dy_rows spreads the pool's gradient into. */
static size_t
rows_at_a_time (const NnCall *c)
{
  return c->pool_arg ? NN_BN_FLOAT_ROWS : MAX (pixels (c), 1);
}

/* sum dy and sum dy * xhat over the slice: the gamma and beta gradients, then
 * over the batch (training), whose means go to c->stats + 2C as (m1, m2). A
 * fused pool's dy goes a block of rows at a time, the kernel's blocks: the
 * same sums to the bit as over the map its backward would have written. */
static void
gather_backward (NnCall *c, const BnVars *b)
{
  const NnLayer *l = c->l;
  int C = l->in_shape.c;
  BnScratch sc = bn_scratch (c, C);
  BnBackward k = backward_of (c, b, &sc);
  double *s = sc.sums; // (2, C): sum dy, sum dy * xhat
  memset (s, 0, 2 * C * sizeof (double));
  size_t rows = pixels (c), block = rows_at_a_time (c);
  for (size_t r0 = 0; r0 < rows; r0 += block)
    {
      size_t r1 = MIN (rows, r0 + block);
      add_backward_sums (&k, s, dy_rows (c, r0, r1, sc.dy), c->x[0] + r0 * C, r1 - r0);
    }
  if (c->dw)
    {
      /* Each thread adds its own slice; the per-thread gradients are summed later. */
      for (int j = 0; j < C; j++)
        {
          if (b->gamma_v >= 0)
            c->dw[l->vars[b->gamma_v].offset + j] += (float) s[C + j];
          if (b->beta_v >= 0)
            c->dw[l->vars[b->beta_v].offset + j] += (float) s[j];
        }
    }
  if (!c->training)
    return;
  nn_sync_sum (c, s, 2 * C, 1);
  double total = (double) c->n_total * l->in_shape.h * l->in_shape.w;
  float *m1 = c->stats + 2 * C, *m2 = m1 + C;
  for (int j = 0; j < C; j++)
    {
      m1[j] = (float) (s[j] / total);
      m2[j] = (float) (s[C + j] / total);
    }
}

/* dx over rows of dy and x. Training:  dx = gamma * invstd / M * (M dy - sum dy
 * - xhat * sum (dy xhat)), with the sums over the whole batch (all threads), as
 * dx = dy P + x Q + R with P = g, Q = -g m2 invstd, R = g (m2 invstd mean - m1)
 * (coef: P, Q, R). Inference: dx = dy invstd gamma (coef: P, gamma). */
static void
apply_rows (const NnCall *c, const BnBackward *k, const float *coef, float *dx, const float *dy,
            const float *x, size_t rows)
{
  int C = k->C;
  const float *mean = k->mean, *invstd = k->invstd, *ra = k->ra, *ro = k->ro;
  const float *g = coef, *Q = g + C, *R = Q + C;
  if (c->training && nn_bn_apply (dx, dy, g, x, Q, R, ra, ro, FALSE, rows, C))
    return;
  const float *m1 = c->stats + 2 * C, *m2 = m1 + C;
  for (size_t r = 0; r < rows; r++)
    for (int j = 0; j < C; j++)
      {
        float d = ro && !(x[r * C + j] * ra[j] + ro[j] > 0.0f) ? 0.0f : dy[r * C + j];
        if (!c->training)
          {
            dx[r * C + j] = d * invstd[j] * Q[j];
            continue;
          }
        float xhat = (x[r * C + j] - mean[j]) * invstd[j];
        dx[r * C + j] = g[j] * (d - m1[j] - xhat * m2[j]);
      }
}

/* apply_rows's coefficients into coef: (P, Q, R) in training, (P, gamma) else. */
static void
backward_coefs (const NnCall *c, const BnVars *b, const BnBackward *k, float *coef)
{
  int C = k->C;
  const float *invstd = k->invstd, *m1 = c->stats + 2 * C, *m2 = m1 + C;
  float *g = coef, *Q = g + C, *R = Q + C;
  for (int j = 0; j < C; j++)
    {
      g[j] = invstd[j] * (b->gamma ? b->gamma[j] : 1.0f);
      Q[j] = c->training ? -g[j] * m2[j] * invstd[j] : (b->gamma ? b->gamma[j] : 1.0f);
      R[j] = c->training ? g[j] * (m2[j] * invstd[j] * k->mean[j] - m1[j]) : 0.0f;
    }
}

static void
apply_backward (NnCall *c, const BnVars *b)
{
  int C = c->l->in_shape.c;
  BnScratch sc = bn_scratch (c, C);
  BnBackward k = backward_of (c, b, &sc);
  backward_coefs (c, b, &k, sc.coef);
  size_t rows = pixels (c), block = rows_at_a_time (c);
  for (size_t r0 = 0; r0 < rows; r0 += block)
    {
      size_t r1 = MIN (rows, r0 + block);
      apply_rows (c, &k, sc.coef, c->dx[0] + r0 * C, dy_rows (c, r0, r1, sc.dy),
                  c->x[0] + r0 * C, r1 - r0);
    }
}

static void
nn_batch_norm_backward (NnCall *c)
{
  BnVars b = bn_vars (c);
  if (c->phase != NN_PHASE_APPLY)
    gather_backward (c, &b);
  if (c->phase != NN_PHASE_GATHER && c->dx[0] != NULL)
    apply_backward (c, &b);
}

/* Scratch as laid out above; this thread's (mean, invstd, m1, m2) kept from
 * one phase to the next (stats); the cross-thread sums of training, (2, C) at
 * a time. */
static void
batch_norm_sizes (const NnLayer *l, int n, NnMode mode, NnLayerSizes *s)
{
  int C = l->in_shape.c;
  s->scratch = bn_scratch_floats (C);
  s->stats = 4 * (size_t) C;
  s->sum = 2 * C;
  (void) n, (void) mode;
}

const NnLayerOps nn_batch_norm_ops = { nn_batch_norm_forward, nn_batch_norm_backward,
                                       batch_norm_sizes, FALSE, TRUE };
