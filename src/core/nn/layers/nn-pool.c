/* nn-pool.c: the pooling layers, MaxPooling2D, AveragePooling2D and
 * GlobalAveragePooling2D (the engine's thread pool is nn-threads.c).
 * With 'same' padding the padded cells take no part, as in TensorFlow: a max
 * ignores them and an average divides by the number of real cells. */
#include <string.h>
#include "nn-private.h"
#include "nn-kernels.h"

typedef struct {
  int pt, pl;
} PoolPad;

static PoolPad
pool_pad (const NnLayer *l)
{
  const NnPoolConfig *p = &l->cfg.pool;
  return (PoolPad){
    nn_conv_pad_before (l->in_shape.h, l->out_shape.h, p->pool_h, p->stride_h, p->padding),
    nn_conv_pad_before (l->in_shape.w, l->out_shape.w, p->pool_w, p->stride_w, p->padding),
  };
}

/* The window of output (oh, ow), clipped to the image. */
static inline void
window (const NnLayer *l, PoolPad pad, int oh, int ow, int *h0, int *h1, int *w0, int *w1)
{
  const NnPoolConfig *p = &l->cfg.pool;
  *h0 = oh * p->stride_h - pad.pt;
  *w0 = ow * p->stride_w - pad.pl;
  *h1 = MIN (*h0 + p->pool_h, l->in_shape.h);
  *w1 = MIN (*w0 + p->pool_w, l->in_shape.w);
  *h0 = MAX (*h0, 0);
  *w0 = MAX (*w0, 0);
}

static gboolean
is_pool2 (const NnPoolConfig *p)
{
  return p->pool_h == 2 && p->pool_w == 2 && p->stride_h == 2 && p->stride_w == 2
         && p->padding == NN_PAD_VALID;
}

gboolean
nn_max_pool_records_cells (const NnLayer *l)
{
  return l->kind == NN_LAYER_MAX_POOL && is_pool2 (&l->cfg.pool);
}

size_t
nn_max_pool_cell_bytes (NnShape out)
{
  return (nn_shape_size (out) + sizeof (float) - 1) / sizeof (float) * sizeof (float);
}

/* MaxPooling2D 2x2, stride 2, 'valid' in training, where the kernels cannot:
 * the maximum of each window and its cell in arg, as the SIMD kernels do it
 * (the first of equal values; NN_POOL_ARG_NOT_POSITIVE where it is not above 0). */
static void
max_pool2_forward_arg (NnCall *c, guint8 *arg)
{
  NnShape in = c->l->in_shape, out = c->l->out_shape;
  int C = in.c;
  size_t stride = nn_max_pool_cell_bytes (c->l->out_shape);
  for (int i = 0; i < c->n; i++)
    for (int oh = 0; oh < out.h; oh++)
      for (int ow = 0; ow < out.w; ow++)
        {
          size_t o = (((size_t) i * out.h + oh) * out.w + ow) * C;
          guint8 *ar = arg + i * stride + ((size_t) oh * out.w + ow) * C;
          const float *x0 = c->x[0] + (((size_t) i * in.h + 2 * oh) * in.w + 2 * ow) * C;
          const float *win[4] = { x0, x0 + C, x0 + (size_t) in.w * C, x0 + (size_t) in.w * C + C };
          for (int k = 0; k < C; k++)
            {
              float best = win[0][k];
              int cell = 0;
              for (int q = 1; q < 4; q++)
                if (win[q][k] > best)
                  {
                    best = win[q][k];
                    cell = q;
                  }
              c->y[o + k] = best;
              ar[k] = (guint8) (cell | (best > 0.0f ? 0 : NN_POOL_ARG_NOT_POSITIVE));
            }
        }
}

/* dx from dy and the recorded cells, where the kernels cannot. */
static void
max_pool2_backward_arg (NnCall *c, const guint8 *arg)
{
  NnShape in = c->l->in_shape, out = c->l->out_shape;
  int C = in.c;
  size_t stride = nn_max_pool_cell_bytes (c->l->out_shape);
  memset (c->dx[0], 0, (size_t) c->n * nn_shape_size (in) * sizeof (float));
  for (int i = 0; i < c->n; i++)
    for (int oh = 0; oh < out.h; oh++)
      for (int ow = 0; ow < out.w; ow++)
        {
          size_t o = (((size_t) i * out.h + oh) * out.w + ow) * C;
          const guint8 *ar = arg + i * stride + ((size_t) oh * out.w + ow) * C;
          float *d0 = c->dx[0] + (((size_t) i * in.h + 2 * oh) * in.w + 2 * ow) * C;
          float *at[4] = { d0, d0 + C, d0 + (size_t) in.w * C, d0 + (size_t) in.w * C + C };
          for (int k = 0; k < C; k++)
            if (!(c->dx_relu && (ar[k] & NN_POOL_ARG_NOT_POSITIVE)))
              at[ar[k] & 3][k] = c->dy[o + k];
        }
}

/* MaxPooling2D 2x2, stride 2, 'valid' (the usual one) by the SIMD kernels. In
 * training, c->aux holds each output's window cell (a byte), which the forward
 * writes and the backward reads in place of x and y, at every kernel level: the
 * pool's input is the largest map of its block, and backward had to read it all
 * to find the maxima; now no backward reads either map (nn-plan.c keeps them
 * within a chunk). */
static gboolean
max_pool2_kernel (NnCall *c, gboolean backward)
{
  NnShape in = c->l->in_shape;
  if (!is_pool2 (&c->l->cfg.pool))
    return FALSE;
  guint8 *arg = c->training ? (guint8 *) c->aux : NULL;
  if (backward && arg)
    {
      if (!nn_max_pool2_kernel_backward_arg (c->dx[0], arg, c->dy, c->n, in.h, in.w, in.c,
                                             c->dx_relu))
        max_pool2_backward_arg (c, arg);
      return TRUE;
    }
  if (backward)
    return nn_max_pool2_kernel_backward (c->dx[0], c->x[0], c->y, c->dy, c->n, in.h, in.w, in.c,
                                         c->dx_relu);
  if (nn_max_pool2_kernel_forward (c->y, arg, c->x[0], c->n, in.h, in.w, in.c))
    return TRUE;
  if (arg)
    max_pool2_forward_arg (c, arg);
  return arg != NULL;
}

// y (n, OH, OW, C) from x (n, H, W, C)
static void
nn_max_pool_forward (NnCall *c)
{
  if (max_pool2_kernel (c, FALSE))
    return;
  const NnLayer *l = c->l;
  NnShape in = l->in_shape, out = l->out_shape;
  int C = in.c;
  PoolPad pad = pool_pad (l);
  for (int i = 0; i < c->n; i++)
    for (int oh = 0; oh < out.h; oh++)
      for (int ow = 0; ow < out.w; ow++)
        {
          int h0, h1, w0, w1;
          window (l, pad, oh, ow, &h0, &h1, &w0, &w1);
          float *yr = c->y + (((size_t) i * out.h + oh) * out.w + ow) * C;
          const float *x0 = c->x[0] + (((size_t) i * in.h + h0) * in.w + w0) * C;
          memcpy (yr, x0, C * sizeof (float));
          for (int h = h0; h < h1; h++)
            for (int w = w0; w < w1; w++)
              {
                const float *xr = c->x[0] + (((size_t) i * in.h + h) * in.w + w) * C;
                for (int k = 0; k < C; k++)
                  yr[k] = xr[k] > yr[k] ? xr[k] : yr[k];
              }
        }
}

/* Windows that tile the input without overlap (stride = pool, 'valid', the usual
 * MaxPool 2): every input cell belongs to at most one window, so dx is written
 * once, branch-free and vectorised over channels. */
static gboolean
max_pool_backward_tiled (NnCall *c)
{
  const NnLayer *l = c->l;
  const NnPoolConfig *p = &l->cfg.pool;
  NnShape in = l->in_shape, out = l->out_shape;
  int C = in.c;
  if (p->stride_h != p->pool_h || p->stride_w != p->pool_w || p->padding != NN_PAD_VALID
      || C > 1024)
    return FALSE;
  float *dx = c->dx[0];
  const float *x = c->x[0];
  int taken[1024];
  memset (dx, 0, (size_t) c->n * nn_shape_size (in) * sizeof (float)); /* uncovered edges */
  for (int i = 0; i < c->n; i++)
    for (int oh = 0; oh < out.h; oh++)
      for (int ow = 0; ow < out.w; ow++)
        {
          size_t yo = (((size_t) i * out.h + oh) * out.w + ow) * C;
          const float *ym = c->y + yo, *dy = c->dy + yo;
          memset (taken, 0, C * sizeof (int));
          for (int h = oh * p->pool_h; h < (oh + 1) * p->pool_h; h++)
            for (int w = ow * p->pool_w; w < (ow + 1) * p->pool_w; w++)
              {
                size_t xo = (((size_t) i * in.h + h) * in.w + w) * C;
                for (int k = 0; k < C; k++)
                  {
                    int hit = (x[xo + k] == ym[k]) & !taken[k];
                    float d = !c->dx_relu || ym[k] > 0.0f ? dy[k] : 0.0f;
                    dx[xo + k] = hit ? d : 0.0f;
                    taken[k] |= hit;
                  }
              }
        }
  return TRUE;
}

/* The gradient goes to the first cell holding the maximum, as TensorFlow does
 * (with dx_relu, only where that maximum is positive). */
static void
nn_max_pool_backward (NnCall *c)
{
  if (c->dx[0] == NULL)
    return;
  if (max_pool2_kernel (c, TRUE) || max_pool_backward_tiled (c))
    return;
  const NnLayer *l = c->l;
  NnShape in = l->in_shape, out = l->out_shape;
  int C = in.c;
  PoolPad pad = pool_pad (l);
  memset (c->dx[0], 0, (size_t) c->n * nn_shape_size (in) * sizeof (float));
  for (int i = 0; i < c->n; i++)
    for (int oh = 0; oh < out.h; oh++)
      for (int ow = 0; ow < out.w; ow++)
        {
          int h0, h1, w0, w1;
          window (l, pad, oh, ow, &h0, &h1, &w0, &w1);
          size_t yo = (((size_t) i * out.h + oh) * out.w + ow) * C;
          for (int k = 0; k < C; k++)
            {
              float best = c->y[yo + k];
              gboolean done = c->dx_relu && !(best > 0.0f); /* the relu's part: nothing */
              for (int h = h0; h < h1 && !done; h++)
                for (int w = w0; w < w1; w++)
                  {
                    size_t xo = (((size_t) i * in.h + h) * in.w + w) * C + k;
                    if (c->x[0][xo] == best)
                      {
                        c->dx[0][xo] += c->dy[yo + k];
                        done = TRUE;
                        break;
                      }
                  }
            }
        }
}

static void
nn_avg_pool_forward (NnCall *c)
{
  const NnLayer *l = c->l;
  NnShape in = l->in_shape, out = l->out_shape;
  int C = in.c;
  PoolPad pad = pool_pad (l);
  for (int i = 0; i < c->n; i++)
    for (int oh = 0; oh < out.h; oh++)
      for (int ow = 0; ow < out.w; ow++)
        {
          int h0, h1, w0, w1;
          window (l, pad, oh, ow, &h0, &h1, &w0, &w1);
          float *yr = c->y + (((size_t) i * out.h + oh) * out.w + ow) * C;
          memset (yr, 0, C * sizeof (float));
          for (int h = h0; h < h1; h++)
            for (int w = w0; w < w1; w++)
              {
                const float *xr = c->x[0] + (((size_t) i * in.h + h) * in.w + w) * C;
                for (int k = 0; k < C; k++)
                  yr[k] += xr[k];
              }
          float inv = 1.0f / (float) ((h1 - h0) * (w1 - w0));
          for (int k = 0; k < C; k++)
            yr[k] *= inv;
        }
}

static void
nn_avg_pool_backward (NnCall *c)
{
  if (c->dx[0] == NULL)
    return;
  const NnLayer *l = c->l;
  NnShape in = l->in_shape, out = l->out_shape;
  int C = in.c;
  PoolPad pad = pool_pad (l);
  memset (c->dx[0], 0, (size_t) c->n * nn_shape_size (in) * sizeof (float));
  for (int i = 0; i < c->n; i++)
    for (int oh = 0; oh < out.h; oh++)
      for (int ow = 0; ow < out.w; ow++)
        {
          int h0, h1, w0, w1;
          window (l, pad, oh, ow, &h0, &h1, &w0, &w1);
          const float *dyr = c->dy + (((size_t) i * out.h + oh) * out.w + ow) * C;
          float inv = 1.0f / (float) ((h1 - h0) * (w1 - w0));
          for (int h = h0; h < h1; h++)
            for (int w = w0; w < w1; w++)
              {
                float *d = c->dx[0] + (((size_t) i * in.h + h) * in.w + w) * C;
                for (int k = 0; k < C; k++)
                  d[k] += dyr[k] * inv;
              }
        }
}

// y (n, 1, 1, C) = mean over (H, W) of x (n, H, W, C)
static void
nn_gap_forward (NnCall *c)
{
  const NnLayer *l = c->l;
  int C = l->in_shape.c, P = l->in_shape.h * l->in_shape.w;
  for (int i = 0; i < c->n; i++)
    {
      float *yr = c->y + (size_t) i * C;
      const float *x = c->x[0] + (size_t) i * P * C;
      memset (yr, 0, C * sizeof (float));
      for (int p = 0; p < P; p++)
        for (int k = 0; k < C; k++)
          yr[k] += x[p * C + k];
      for (int k = 0; k < C; k++)
        yr[k] /= (float) P;
    }
}

static void
nn_gap_backward (NnCall *c)
{
  if (c->dx[0] == NULL)
    return;
  const NnLayer *l = c->l;
  int C = l->in_shape.c, P = l->in_shape.h * l->in_shape.w;
  for (int i = 0; i < c->n; i++)
    for (int p = 0; p < P; p++)
      for (int k = 0; k < C; k++)
        c->dx[0][((size_t) i * P + p) * C + k] = c->dy[(size_t) i * C + k] / (float) P;
}

/* The pooling layers need nothing but their output, except MaxPooling2D 2x2 in
 * training: a byte per output (max_pool2_kernel). */
static void
no_sizes (const NnLayer *l, int n, NnMode mode, NnLayerSizes *s)
{
  (void) l, (void) n, (void) mode, (void) s;
}

static void
max_pool_sizes (const NnLayer *l, int n, NnMode mode, NnLayerSizes *s)
{
  if (mode == NN_MODE_TRAINING && is_pool2 (&l->cfg.pool))
    s->aux = nn_max_pool_cell_bytes (l->out_shape) / sizeof (float);
  (void) n;
}

const NnLayerOps nn_max_pool_ops = { nn_max_pool_forward, nn_max_pool_backward, max_pool_sizes };
const NnLayerOps nn_avg_pool_ops = { nn_avg_pool_forward, nn_avg_pool_backward, no_sizes };
const NnLayerOps nn_gap_ops = { nn_gap_forward, nn_gap_backward, no_sizes };
