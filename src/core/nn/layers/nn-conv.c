/* nn-conv.c: Conv2D, DepthwiseConv2D and SeparableConv2D, NHWC with Keras's
 * kernel layouts. Each tries the SIMD kernels of kernels/ first (translating the
 * layer into their plain NnConvDims), then falls back to im2col + GEMM (Conv2D),
 * a plain loop (DepthwiseConv2D), or a depthwise loop then a 1x1 GEMM
 * (SeparableConv2D). */
#include <cblas.h>
#include <string.h>
#include "nn-private.h"
#include "nn-kernels.h"

/* im2col columns of a chunk stay around L2 size: bigger chunks only add misses. */
#define COL_BUDGET_FLOATS (1u << 19)

static gboolean
is_pointwise (const NnConvConfig *cfg)
{
  /* A 1x1 kernel with stride 1 needs no padding in either mode: x is its own im2col. */
  return cfg->kh == 1 && cfg->kw == 1 && cfg->stride_h == 1 && cfg->stride_w == 1;
}

static int
conv_chunk (const NnLayer *l, int n)
{
  const NnConvConfig *cfg = &l->cfg.conv;
  size_t pixels = (size_t) l->out_shape.h * l->out_shape.w;
  size_t k = (size_t) cfg->kh * cfg->kw * l->in_shape.c;
  size_t per = pixels * (k + (size_t) l->out_shape.c + (size_t) l->in_shape.c * cfg->depth_multiplier);
  int b = (int) (COL_BUDGET_FLOATS / MAX (per, 1));
  return CLAMP (b, 1, MAX (n, 1));
}

// col (b, OH, OW, KH * KW * C) from x (b, H, W, C); zero outside the image
static void
im2col (float *col, const float *x, int b, NnShape in, NnShape out, const NnConvConfig *cfg)
{
  int pt = nn_conv_pad_before (in.h, out.h, cfg->kh, cfg->stride_h, cfg->padding);
  int pl = nn_conv_pad_before (in.w, out.w, cfg->kw, cfg->stride_w, cfg->padding);
  int C = in.c;
  size_t csize = (size_t) C * sizeof (float);
  for (int i = 0; i < b; i++)
    for (int oh = 0; oh < out.h; oh++)
      for (int ow = 0; ow < out.w; ow++)
        {
          for (int ky = 0; ky < cfg->kh; ky++)
            {
              int ih = oh * cfg->stride_h - pt + ky;
              for (int kx = 0; kx < cfg->kw; kx++)
                {
                  int iw = ow * cfg->stride_w - pl + kx;
                  if (ih < 0 || ih >= in.h || iw < 0 || iw >= in.w)
                    memset (col, 0, csize);
                  else
                    memcpy (col, x + (((size_t) i * in.h + ih) * in.w + iw) * C, csize);
                  col += C;
                }
            }
        }
}

// dx (b, H, W, C) = sum of the columns of dcol (b, OH, OW, KH * KW * C) at their pixels
static void
col2im (float *dx, const float *dcol, int b, NnShape in, NnShape out, const NnConvConfig *cfg)
{
  int pt = nn_conv_pad_before (in.h, out.h, cfg->kh, cfg->stride_h, cfg->padding);
  int pl = nn_conv_pad_before (in.w, out.w, cfg->kw, cfg->stride_w, cfg->padding);
  int C = in.c;
  memset (dx, 0, (size_t) b * nn_shape_size (in) * sizeof (float));
  for (int i = 0; i < b; i++)
    for (int oh = 0; oh < out.h; oh++)
      for (int ow = 0; ow < out.w; ow++)
        for (int ky = 0; ky < cfg->kh; ky++)
          {
            int ih = oh * cfg->stride_h - pt + ky;
            for (int kx = 0; kx < cfg->kw; kx++, dcol += C)
              {
                int iw = ow * cfg->stride_w - pl + kx;
                if (ih < 0 || ih >= in.h || iw < 0 || iw >= in.w)
                  continue;
                float *d = dx + (((size_t) i * in.h + ih) * in.w + iw) * C;
                for (int c = 0; c < C; c++)
                  d[c] += dcol[c];
              }
          }
}

/* z (rows, F) += bias, then y = act(z). y and z may be the same buffer. */
static void
bias_act_forward (float *y, float *z, const float *bias, size_t rows, int F, NnActivation act)
{
  if (bias)
    for (size_t r = 0; r < rows; r++)
      for (int f = 0; f < F; f++)
        z[r * F + f] += bias[f];
  if (y != z)
    memcpy (y, z, rows * F * sizeof (float));
  nn_act_forward (y, rows, F, act);
}

static void
bias_grad (float *db, const float *dz, size_t rows, int F)
{
  for (size_t r = 0; r < rows; r++)
    for (int f = 0; f < F; f++)
      db[f] += dz[r * F + f];
}

static inline const float *
param (const NnCall *c, int v)
{
  return c->m->params + c->l->vars[v].offset;
}

static inline float *
grad (const NnCall *c, int v)
{
  return c->dw ? c->dw + c->l->vars[v].offset : NULL;
}

/* ---- the SIMD kernels ------------------------------------------------------------ */

NnConvDims
nn_conv_dims (const NnLayer *l)
{
  const NnConvConfig *cfg = &l->cfg.conv;
  NnShape in = l->in_shape, out = l->out_shape;
  return (NnConvDims){
    .h = in.h, .w = in.w, .c = in.c, .oh = out.h, .ow = out.w, .f = out.c,
    .kh = cfg->kh, .kw = cfg->kw, .stride_h = cfg->stride_h, .stride_w = cfg->stride_w,
    .pt = nn_conv_pad_before (in.h, out.h, cfg->kh, cfg->stride_h, cfg->padding),
    .pl = nn_conv_pad_before (in.w, out.w, cfg->kw, cfg->stride_w, cfg->padding),
  };
}

gboolean
nn_conv_winograd_eligible (const NnLayer *l)
{
  NnConvDims d = nn_conv_dims (l);
  return l->kind == NN_LAYER_CONV2D && nn_winograd_eligible (&d);
}

size_t
nn_conv_kernel_scratch (const NnLayer *l)
{
  if (l->kind != NN_LAYER_CONV2D && l->kind != NN_LAYER_DEPTHWISE_CONV2D)
    return 0;
  NnConvDims d = nn_conv_dims (l);
  return nn_conv_kernel_scratch_floats (&d, l->kind == NN_LAYER_DEPTHWISE_CONV2D);
}

gboolean
nn_conv_direct (NnCall *c, float *y, const float *scale, const float *shift, gboolean relu)
{
  NnConvDims d = nn_conv_dims (c->l);
  return nn_conv_kernel_forward (&d, c->n, c->x[0], param (c, 0), c->wino_u, y, scale, shift,
                                 relu, c->training, c->t->scratch, c->part);
}

gboolean
nn_depthwise_direct (NnCall *c, float *y, const float *scale, const float *shift, gboolean relu)
{
  if (c->l->cfg.conv.depth_multiplier != 1)
    return FALSE;
  NnConvDims d = nn_conv_dims (c->l);
  return nn_depthwise_kernel_forward (&d, c->n, c->x[0], param (c, 0), y, scale, shift, relu,
                                      c->t->scratch, c->part);
}

/* The kernels' backward asks for dz image by image (NnConvDzFn): the gradient
 * through the fused activation, with the bias gradient added as it goes. */
typedef struct {
  const NnCall *c;
  float *db;
} DzSource;

static const float *
call_dz (void *user, int i, float *dz, size_t ld)
{
  const DzSource *src = user;
  const NnCall *c = src->c;
  NnShape out = c->l->out_shape;
  int F = out.c;
  size_t o = (size_t) i * nn_shape_size (out), row = (size_t) out.w * F;
  if (ld == row)
    {
      /* dense rows: without an activation dz is dy itself and nothing is copied */
      size_t rows = (size_t) out.h * out.w;
      const float *d = c->dy + o;
      if (c->act == NN_ACT_RELU && src->db
          && nn_relu_bias_kernel_backward (dz, d, c->y + o, src->db, rows, F))
        return dz;
      if (c->act != NN_ACT_LINEAR)
        {
          nn_act_backward (dz, d, c->y + o, c->z ? c->z + o : NULL, rows, F, c->act);
          d = dz;
        }
      if (src->db)
        bias_grad (src->db, d, rows, F);
      return d;
    }
  for (int oh = 0; oh < out.h; oh++)
    {
      size_t r = o + (size_t) oh * row;
      float *d = dz + (size_t) oh * ld;
      if (c->act == NN_ACT_RELU && src->db
          && nn_relu_bias_kernel_backward (d, c->dy + r, c->y + r, src->db, out.w, F))
        continue;
      nn_act_backward (d, c->dy + r, c->y + r, c->z ? c->z + r : NULL, out.w, F, c->act);
      if (src->db)
        bias_grad (src->db, d, out.w, F);
    }
  return dz;
}

static gboolean
conv_direct_backward (NnCall *c)
{
  NnConvDims d = nn_conv_dims (c->l);
  DzSource src = { c, c->l->cfg.conv.use_bias ? grad (c, 1) : NULL };
  return nn_conv_kernel_backward (&d, c->n, c->x[0], param (c, 0), call_dz, &src, c->dx[0],
                                  grad (c, 0), c->training, c->t->scratch);
}

static gboolean
depthwise_direct_backward (NnCall *c)
{
  if (c->l->cfg.conv.depth_multiplier != 1)
    return FALSE;
  NnConvDims d = nn_conv_dims (c->l);
  DzSource src = { c, c->l->cfg.conv.use_bias ? grad (c, 1) : NULL };
  return nn_depthwise_kernel_backward (&d, c->n, c->x[0], param (c, 0), call_dz, &src, c->dx[0],
                                       grad (c, 0), c->t->scratch);
}

/* ---- Conv2D ----------------------------------------------------------------- */

static void
nn_conv2d_forward (NnCall *c)
{
  const NnLayer *l = c->l;
  const NnConvConfig *cfg = &l->cfg.conv;
  NnShape in = l->in_shape, out = l->out_shape;
  int K = cfg->kh * cfg->kw * in.c, F = out.c;
  size_t M = (size_t) out.h * out.w;
  const float *w = param (c, 0);                           // (K, F)
  const float *bias = cfg->use_bias ? param (c, 1) : NULL; // (F,)
  float *z = c->z ? c->z : c->y;                           // (n, OH, OW, F)
  if (c->n == 0)
    return;
  /* The direct kernel applies bias and relu as it stores. */
  gboolean simple_act = c->act == NN_ACT_LINEAR || c->act == NN_ACT_RELU;
  if (c->z == NULL && simple_act && nn_conv_direct (c, c->y, NULL, bias, c->act == NN_ACT_RELU))
    return;
  if (c->part.index > 0) /* BLAS does it whole, on the first part's thread */
    return;
  if (is_pointwise (cfg))
    cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasNoTrans, c->n * M, F, K, 1.0f, c->x[0], K, w,
                 F, 0.0f, z, F);
  else
    {
      int chunk = conv_chunk (l, c->n);
      float *col = c->t->scratch; // (chunk, OH, OW, K)
      for (int i0 = 0; i0 < c->n; i0 += chunk)
        {
          int b = MIN (chunk, c->n - i0);
          im2col (col, c->x[0] + i0 * nn_shape_size (in), b, in, out, cfg);
          cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasNoTrans, b * M, F, K, 1.0f, col, K, w,
                       F, 0.0f, z + i0 * M * F, F);
        }
    }
  bias_act_forward (c->y, z, bias, c->n * M, F, c->act);
}

static void
nn_conv2d_backward (NnCall *c)
{
  const NnLayer *l = c->l;
  const NnConvConfig *cfg = &l->cfg.conv;
  NnShape in = l->in_shape, out = l->out_shape;
  int K = cfg->kh * cfg->kw * in.c, F = out.c;
  size_t M = (size_t) out.h * out.w;
  if (conv_direct_backward (c))
    return;
  const float *w = param (c, 0);
  float *dw = grad (c, 0), *db = cfg->use_bias ? grad (c, 1) : NULL;
  gboolean pw = is_pointwise (cfg);
  int chunk = conv_chunk (l, c->n);
  float *dz = c->t->scratch;               // (chunk, OH, OW, F)
  float *col = dz + (size_t) chunk * M * F; // (chunk, OH, OW, K)
  for (int i0 = 0; i0 < c->n; i0 += chunk)
    {
      int b = MIN (chunk, c->n - i0);
      size_t o = i0 * M * F, rows = b * M;
      nn_act_backward (dz, c->dy + o, c->y + o, c->z ? c->z + o : NULL, rows, F, c->act);
      const float *x = c->x[0] + i0 * nn_shape_size (in);
      if (dw)
        {
          if (db)
            bias_grad (db, dz, rows, F);
          if (!pw)
            im2col (col, x, b, in, out, cfg);
          // dw (K, F) += col^T (K, rows) dz (rows, F)
          cblas_sgemm (CblasRowMajor, CblasTrans, CblasNoTrans, K, F, rows, 1.0f, pw ? x : col,
                       K, dz, F, 1.0f, dw, F);
        }
      if (c->dx[0])
        {
          float *dx = c->dx[0] + i0 * nn_shape_size (in);
          // dcol (rows, K) = dz (rows, F) w^T (F, K)
          cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasTrans, rows, K, F, 1.0f, dz, F, w, F,
                       0.0f, pw ? dx : col, K);
          if (!pw)
            col2im (dx, col, b, in, out, cfg);
        }
    }
}

/* ---- DepthwiseConv2D ---------------------------------------------------------- */

/* Output channel j = c * M + m reads input channel c with kernel (ky, kx, c, m):
 * the kernel's flat (C, M) index is the output channel, as in TensorFlow. */
// y (n, OH, OW, C * M) from x (n, H, W, C), k (KH, KW, C, M)
static void
depthwise_forward (float *y, const float *x, const float *k, int n, NnShape in, NnShape out,
                   const NnConvConfig *cfg)
{
  int C = in.c, Mu = cfg->depth_multiplier, CM = C * Mu;
  int pt = nn_conv_pad_before (in.h, out.h, cfg->kh, cfg->stride_h, cfg->padding);
  int pl = nn_conv_pad_before (in.w, out.w, cfg->kw, cfg->stride_w, cfg->padding);
  for (int i = 0; i < n; i++)
    for (int oh = 0; oh < out.h; oh++)
      for (int ow = 0; ow < out.w; ow++)
        {
          float *yr = y + (((size_t) i * out.h + oh) * out.w + ow) * CM;
          memset (yr, 0, CM * sizeof (float));
          for (int ky = 0; ky < cfg->kh; ky++)
            {
              int ih = oh * cfg->stride_h - pt + ky;
              if (ih < 0 || ih >= in.h)
                continue;
              for (int kx = 0; kx < cfg->kw; kx++)
                {
                  int iw = ow * cfg->stride_w - pl + kx;
                  if (iw < 0 || iw >= in.w)
                    continue;
                  const float *xr = x + (((size_t) i * in.h + ih) * in.w + iw) * C;
                  const float *kr = k + (ky * cfg->kw + kx) * CM;
                  if (Mu == 1)
                    for (int j = 0; j < C; j++)
                      yr[j] += xr[j] * kr[j];
                  else
                    for (int j = 0; j < CM; j++)
                      yr[j] += xr[j / Mu] * kr[j];
                }
            }
        }
}

// dx (n, H, W, C) (overwritten, may be NULL), dk (KH, KW, C, M) (+=, may be NULL)
static void
depthwise_backward (float *dx, float *dk, const float *dz, const float *x, const float *k, int n,
                    NnShape in, NnShape out, const NnConvConfig *cfg)
{
  int C = in.c, Mu = cfg->depth_multiplier, CM = C * Mu;
  int pt = nn_conv_pad_before (in.h, out.h, cfg->kh, cfg->stride_h, cfg->padding);
  int pl = nn_conv_pad_before (in.w, out.w, cfg->kw, cfg->stride_w, cfg->padding);
  if (dx)
    memset (dx, 0, (size_t) n * nn_shape_size (in) * sizeof (float));
  for (int i = 0; i < n; i++)
    for (int oh = 0; oh < out.h; oh++)
      for (int ow = 0; ow < out.w; ow++)
        {
          const float *dzr = dz + (((size_t) i * out.h + oh) * out.w + ow) * CM;
          for (int ky = 0; ky < cfg->kh; ky++)
            {
              int ih = oh * cfg->stride_h - pt + ky;
              if (ih < 0 || ih >= in.h)
                continue;
              for (int kx = 0; kx < cfg->kw; kx++)
                {
                  int iw = ow * cfg->stride_w - pl + kx;
                  if (iw < 0 || iw >= in.w)
                    continue;
                  size_t xo = (((size_t) i * in.h + ih) * in.w + iw) * C;
                  size_t ko = (size_t) (ky * cfg->kw + kx) * CM;
                  for (int j = 0; j < CM; j++)
                    {
                      if (dk)
                        dk[ko + j] += dzr[j] * x[xo + j / Mu];
                      if (dx)
                        dx[xo + j / Mu] += dzr[j] * k[ko + j];
                    }
                }
            }
        }
}

static void
nn_depthwise_forward (NnCall *c)
{
  const NnLayer *l = c->l;
  const NnConvConfig *cfg = &l->cfg.conv;
  float *z = c->z ? c->z : c->y;
  const float *bias = cfg->use_bias ? param (c, 1) : NULL;
  gboolean simple_act = c->act == NN_ACT_LINEAR || c->act == NN_ACT_RELU;
  if (c->z == NULL && simple_act
      && nn_depthwise_direct (c, c->y, NULL, bias, c->act == NN_ACT_RELU))
    return;
  if (c->part.index > 0) /* the plain loop does it whole, on the first part's thread */
    return;
  depthwise_forward (z, c->x[0], param (c, 0), c->n, l->in_shape, l->out_shape, cfg);
  bias_act_forward (c->y, z, bias, (size_t) c->n * l->out_shape.h * l->out_shape.w,
                    l->out_shape.c, c->act);
}

static void
nn_depthwise_backward (NnCall *c)
{
  const NnLayer *l = c->l;
  const NnConvConfig *cfg = &l->cfg.conv;
  if (depthwise_direct_backward (c))
    return;
  size_t per_out = nn_shape_size (l->out_shape), per_in = nn_shape_size (l->in_shape);
  float *dk = grad (c, 0), *db = cfg->use_bias ? grad (c, 1) : NULL;
  int chunk = conv_chunk (l, c->n);
  float *dz = c->t->scratch; // (chunk, OH, OW, C * M)
  for (int i0 = 0; i0 < c->n; i0 += chunk)
    {
      int b = MIN (chunk, c->n - i0);
      size_t o = i0 * per_out, rows = (size_t) b * l->out_shape.h * l->out_shape.w;
      nn_act_backward (dz, c->dy + o, c->y + o, c->z ? c->z + o : NULL, rows, l->out_shape.c,
                       c->act);
      if (db)
        bias_grad (db, dz, rows, l->out_shape.c);
      depthwise_backward (c->dx[0] ? c->dx[0] + i0 * per_in : NULL, dk, dz,
                          c->x[0] + i0 * per_in, param (c, 0), b, l->in_shape, l->out_shape, cfg);
    }
}

/* ---- SeparableConv2D ------------------------------------------------------- */

/* The depthwise stage's output (n, OH, OW, C * M) is kept in aux for backward. */
static void
nn_separable_forward (NnCall *c)
{
  const NnLayer *l = c->l;
  const NnConvConfig *cfg = &l->cfg.conv;
  int CM = l->in_shape.c * cfg->depth_multiplier, F = l->out_shape.c;
  size_t rows = (size_t) c->n * l->out_shape.h * l->out_shape.w;
  float *z = c->z ? c->z : c->y;
  float *mid = c->aux;
  if (c->n == 0)
    return;
  depthwise_forward (mid, c->x[0], param (c, 0), c->n, l->in_shape, l->out_shape, cfg);
  cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasNoTrans, rows, F, CM, 1.0f, mid, CM, param (c, 1),
               F, 0.0f, z, F);
  bias_act_forward (c->y, z, cfg->use_bias ? param (c, 2) : NULL, rows, F, c->act);
}

static void
nn_separable_backward (NnCall *c)
{
  const NnLayer *l = c->l;
  const NnConvConfig *cfg = &l->cfg.conv;
  int CM = l->in_shape.c * cfg->depth_multiplier, F = l->out_shape.c;
  size_t M = (size_t) l->out_shape.h * l->out_shape.w;
  size_t per_in = nn_shape_size (l->in_shape);
  float *dk = grad (c, 0), *dpw = grad (c, 1), *db = cfg->use_bias ? grad (c, 2) : NULL;
  int chunk = conv_chunk (l, c->n);
  float *dz = c->t->scratch;                  // (chunk, OH, OW, F)
  float *dmid = dz + (size_t) chunk * M * F;  // (chunk, OH, OW, C * M)
  for (int i0 = 0; i0 < c->n; i0 += chunk)
    {
      int b = MIN (chunk, c->n - i0);
      size_t rows = b * M;
      const float *mid = c->aux + i0 * M * CM;
      size_t o = i0 * M * F;
      nn_act_backward (dz, c->dy + o, c->y + o, c->z ? c->z + o : NULL, rows, F, c->act);
      if (db)
        bias_grad (db, dz, rows, F);
      if (dpw)
        cblas_sgemm (CblasRowMajor, CblasTrans, CblasNoTrans, CM, F, rows, 1.0f, mid, CM, dz, F,
                     1.0f, dpw, F);
      if (!dk && !c->dx[0])
        continue;
      // dmid (rows, CM) = dz (rows, F) pw^T (F, CM)
      cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasTrans, rows, CM, F, 1.0f, dz, F, param (c, 1),
                   F, 0.0f, dmid, CM);
      depthwise_backward (c->dx[0] ? c->dx[0] + i0 * per_in : NULL, dk, dmid,
                          c->x[0] + i0 * per_in, param (c, 0), b, l->in_shape, l->out_shape, cfg);
    }
}

/* ---- sizes ------------------------------------------------------------------ */

/* Conv2D's generic path: dz of a chunk, then its im2col columns (forward: the
 * columns alone); the SIMD kernels' own layouts are in kernels/. */
static void
conv2d_sizes (const NnLayer *l, int n, NnMode mode, NnLayerSizes *s)
{
  const NnConvConfig *cfg = &l->cfg.conv;
  size_t pixels = (size_t) l->out_shape.h * l->out_shape.w;
  size_t generic = conv_chunk (l, n) * pixels
                   * ((size_t) cfg->kh * cfg->kw * l->in_shape.c + l->out_shape.c);
  s->scratch = MAX (generic, nn_conv_kernel_scratch (l));
  (void) mode;
}

/* DepthwiseConv2D's generic backward: dz of a chunk. */
static void
depthwise_sizes (const NnLayer *l, int n, NnMode mode, NnLayerSizes *s)
{
  size_t pixels = (size_t) l->out_shape.h * l->out_shape.w;
  size_t generic = conv_chunk (l, n) * pixels * l->out_shape.c;
  s->scratch = MAX (generic, nn_conv_kernel_scratch (l));
  (void) mode;
}

/* SeparableConv2D: backward's dz and dmid of a chunk; the depthwise stage's
 * output is kept per image for backward (aux). */
static void
separable_sizes (const NnLayer *l, int n, NnMode mode, NnLayerSizes *s)
{
  size_t pixels = (size_t) l->out_shape.h * l->out_shape.w;
  size_t mid = (size_t) l->in_shape.c * l->cfg.conv.depth_multiplier;
  s->scratch = conv_chunk (l, n) * pixels * ((size_t) l->out_shape.c + mid);
  s->aux = pixels * mid;
  (void) mode;
}

const NnLayerOps nn_conv2d_ops = { nn_conv2d_forward, nn_conv2d_backward, conv2d_sizes, TRUE };
const NnLayerOps nn_depthwise_ops = { nn_depthwise_forward, nn_depthwise_backward,
                                      depthwise_sizes, TRUE };
const NnLayerOps nn_separable_ops = { nn_separable_forward, nn_separable_backward,
                                      separable_sizes };
