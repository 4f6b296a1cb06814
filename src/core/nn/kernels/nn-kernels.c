/* nn-kernels.c: CPU dispatch and the drivers of the direct kernels. */
#include <stdlib.h>
#include <string.h>
#include "nn-kernels.h"

static int cpu_level = -1;  /* what the CPU has */
static int use_level = -1;  /* what we use */

static void
detect (void)
{
  if (cpu_level >= 0)
    return;
  __builtin_cpu_init ();
  int lvl = NN_KERNELS_GENERIC;
  if (__builtin_cpu_supports ("avx2") && __builtin_cpu_supports ("fma"))
    lvl = NN_KERNELS_AVX2;
  if (lvl == NN_KERNELS_AVX2 && __builtin_cpu_supports ("avx512f")
      && __builtin_cpu_supports ("avx512vl") && __builtin_cpu_supports ("avx512dq")
      && __builtin_cpu_supports ("avx512bw"))
    lvl = NN_KERNELS_AVX512;
  int want = lvl;
  const char *env = g_getenv ("NN_KERNELS");
  if (env != NULL)
    {
      if (g_ascii_strcasecmp (env, "generic") == 0)
        want = NN_KERNELS_GENERIC;
      else if (g_ascii_strcasecmp (env, "avx2") == 0)
        want = NN_KERNELS_AVX2;
    }
  __atomic_store_n (&use_level, MIN (want, lvl), __ATOMIC_RELAXED);
  __atomic_store_n (&cpu_level, lvl, __ATOMIC_RELAXED);
}

NnKernelLevel
nn_kernels_level (void)
{
  detect ();
  return use_level;
}

NnKernelLevel
nn_kernels_set_level (NnKernelLevel level)
{
  detect ();
  use_level = MIN ((int) level, cpu_level);
  return use_level;
}

const char *
nn_kernels_level_name (NnKernelLevel level)
{
  static const char *names[] = { "generic", "avx2", "avx512" };
  return level >= 0 && level <= NN_KERNELS_AVX512 ? names[level] : "?";
}

static float *
align16 (float *p)
{
  return (float *) (((guintptr) p + 63) & ~(guintptr) 63);
}

typedef void (*RowsFn) (const NnDirectConv *a, const float *x, const int *xoff, float *y,
                        int n);

/* The padded image a convolution reads: pads before and after in each axis. */
typedef struct {
  int pt, pb, pl, pr, hp, wp;
} Pad;

static Pad
pad_of (const NnLayer *l)
{
  const NnConvConfig *cfg = &l->cfg.conv;
  NnShape in = l->in_shape, out = l->out_shape;
  Pad p;
  p.pt = nn_conv_pad_before (in.h, out.h, cfg->kh, cfg->stride_h, cfg->padding);
  p.pl = nn_conv_pad_before (in.w, out.w, cfg->kw, cfg->stride_w, cfg->padding);
  p.pb = MAX (0, (out.h - 1) * cfg->stride_h + cfg->kh - in.h - p.pt);
  p.pr = MAX (0, (out.w - 1) * cfg->stride_w + cfg->kw - in.w - p.pl);
  p.hp = in.h + p.pt + p.pb;
  p.wp = in.w + p.pl + p.pr;
  return p;
}

static void pad_image (float *dst, const float *src, NnShape in, Pad p);
static size_t winograd_scratch (NnShape in, NnShape out);
static size_t winograd_backward_scratch (const NnLayer *l, Pad p);

static int
wino_tiles (int n)
{
  return (n + 1) / 2;
}

size_t
nn_direct_scratch_floats (const NnLayer *l)
{
  if (!nn_layer_is_convolutional (l))
    return 0;
  size_t wino = 0;
  Pad p = pad_of (l);
  if (nn_winograd_eligible (l))
    wino = MAX (winograd_scratch (l->in_shape, l->out_shape), winograd_backward_scratch (l, p));
  const NnConvConfig *cfg = &l->cfg.conv;
  NnShape in = l->in_shape, out = l->out_shape;
  /* forward: the padded image, then the window offsets of every output pixel */
  size_t fwd = (size_t) p.hp * p.wp * in.c + 16 + (size_t) out.h * out.w;
  /* backward: padded x (+ a row of slack), dz on the padded width, dz padded for
   * dx, the rotated kernel, offsets */
  size_t dzpad = (size_t) (in.h + cfg->kh - 1) * (in.w + cfg->kw - 1) * out.c;
  size_t bwd = (size_t) (p.hp + 1) * p.wp * in.c + (size_t) out.h * p.wp * out.c + dzpad
               + (size_t) cfg->kh * cfg->kw * in.c * out.c
               + MAX ((size_t) in.h * in.w, (size_t) cfg->kh * cfg->kw * in.c) + 64 + 64;
  return MAX (MAX (fwd, bwd), wino) + 5 * 16;
}

gboolean
nn_winograd_eligible (const NnLayer *l)
{
  const NnConvConfig *cfg = &l->cfg.conv;
  return l->kind == NN_LAYER_CONV2D && cfg->kh == 3 && cfg->kw == 3 && cfg->stride_h == 1
         && cfg->stride_w == 1 && l->in_shape.c % 16 == 0 && l->out_shape.c % 16 == 0;
}

/* u (16, C, F) = G g G^T for every (c, f), G = [1 0 0; .5 .5 .5; .5 -.5 .5; 0 0 1],
 * g the 3x3 kernel w[ky, kx, c, f]. */
void
nn_winograd_kernel (float *u, const float *w, int C, int F)
{
  size_t CF = (size_t) C * F;
  for (size_t cf = 0; cf < CF; cf++)
    {
      float g[3][3], t[4][3];
      for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++)
          g[i][j] = w[(i * 3 + j) * CF + cf];
      for (int j = 0; j < 3; j++)
        {
          t[0][j] = g[0][j];
          t[1][j] = 0.5f * (g[0][j] + g[1][j] + g[2][j]);
          t[2][j] = 0.5f * (g[0][j] - g[1][j] + g[2][j]);
          t[3][j] = g[2][j];
        }
      for (int i = 0; i < 4; i++)
        {
          u[(i * 4 + 0) * CF + cf] = t[i][0];
          u[(i * 4 + 1) * CF + cf] = 0.5f * (t[i][0] + t[i][1] + t[i][2]);
          u[(i * 4 + 2) * CF + cf] = 0.5f * (t[i][0] - t[i][1] + t[i][2]);
          u[(i * 4 + 3) * CF + cf] = t[i][2];
        }
    }
}

/* Winograd 3x3 stride 1 of n images x (n, H, W, C) padded by (pt, pl) before,
 * giving y (n, OH, OW, F) = epilogue; u (16, C, F); scratch from the thread. */
static void
winograd_images (const float *x, int n, NnShape in, int pt, int pl, NnShape out, const float *u,
                 float *y, const float *scale, const float *shift, gboolean relu, float *scratch)
{
  NnKernelLevel level = nn_kernels_level ();
  int C = in.c, F = out.c;
  int th = wino_tiles (out.h), tw = wino_tiles (out.w), T = th * tw;
  /* the padded image must hold every 4x4 tile */
  Pad q = { .pt = pt, .pl = pl, .hp = 2 * th + 2, .wp = 2 * tw + 2 };
  q.pb = q.hp - in.h - pt;
  q.pr = q.wp - in.w - pl;
  gboolean a512 = level == NN_KERNELS_AVX512;
  float *V = align16 (scratch);                               // (16, T, C)
  float *M = align16 (V + (size_t) 16 * T * C);               // (16, T, F)
  float *xpad = align16 (M + (size_t) 16 * T * F);            // (Hp, Wp, C)
  int *off = (int *) align16 (xpad + (size_t) q.hp * q.wp * C); // (T,)
  for (int t = 0; t < T; t++)
    off[t] = t * C;
  NnDirectConv a = { .kh = 1, .kw = 1, .c = C, .f = F, .x_row = 0, .x_red_stride = 1,
                     .y_pixel_stride = F };
  for (int i = 0; i < n; i++)
    {
      pad_image (xpad, x + (size_t) i * nn_shape_size (in), in, q);
      (a512 ? nn_winograd_input_avx512 : nn_winograd_input_avx2) (V, xpad, q.wp, C, th, tw, T);
      for (int xi = 0; xi < 16; xi++)
        {
          a.w = u + (size_t) xi * C * F;
          (a512 ? nn_direct_conv_rows_avx512 : nn_direct_conv_rows_avx2) (
            &a, V + (size_t) xi * T * C, off, M + (size_t) xi * T * F, T);
        }
      (a512 ? nn_winograd_output_avx512 : nn_winograd_output_avx2) (
        y + (size_t) i * nn_shape_size (out), M, out.h, out.w, F, th, tw, scale, shift, relu);
    }
}

static size_t
winograd_scratch (NnShape in, NnShape out)
{
  size_t th = wino_tiles (out.h), tw = wino_tiles (out.w), T = th * tw;
  return 16 * T * (in.c + out.c) + (2 * th + 2) * (2 * tw + 2) * in.c + T + 4 * 16;
}

static gboolean
run_winograd (NnCall *c, const float *u, float *y, const float *scale, const float *shift,
              gboolean relu)
{
  const NnLayer *l = c->l;
  Pad p = pad_of (l);
  winograd_images (c->x[0], c->n, l->in_shape, p.pt, p.pl, l->out_shape, u, y, scale, shift,
                   relu, c->t->scratch);
  return TRUE;
}

// dst (Hp, Wp, C) = src (H, W, C) with a zero border
static void
pad_image (float *dst, const float *src, NnShape in, Pad p)
{
  size_t C = in.c;
  memset (dst, 0, (size_t) p.pt * p.wp * C * sizeof (float));
  for (int h = 0; h < in.h; h++)
    {
      float *row = dst + (size_t) (h + p.pt) * p.wp * C;
      memset (row, 0, p.pl * C * sizeof (float));
      memcpy (row + p.pl * C, src + (size_t) h * in.w * C, in.w * C * sizeof (float));
      memset (row + (p.pl + in.w) * C, 0, p.pr * C * sizeof (float));
    }
  memset (dst + (size_t) (p.pt + in.h) * p.wp * C, 0, (size_t) p.pb * p.wp * C * sizeof (float));
}

static gboolean
run_direct (NnCall *c, RowsFn rows, NnDirectConv *a, float *y)
{
  const NnLayer *l = c->l;
  const NnConvConfig *cfg = &l->cfg.conv;
  NnShape in = l->in_shape, out = l->out_shape;
  Pad p = pad_of (l);
  a->kh = cfg->kh;
  a->kw = cfg->kw;
  a->c = in.c;
  a->y_pixel_stride = out.c;
  a->x_red_stride = 1;
  gboolean padded = p.pt || p.pb || p.pl || p.pr;
  size_t pixels = (size_t) out.h * out.w;
  float *xpad = c->t->scratch;                                // (Hp, Wp, C)
  int *xoff = (int *) (xpad + (padded ? (size_t) p.hp * p.wp * in.c : 0)); // (OH * OW,)
  a->x_row = p.wp;
  /* Window offsets are the same for every image: one run per image covers all
   * its rows, so tiles are full even on a 7 x 7 map. */
  for (int oh = 0, k = 0; oh < out.h; oh++)
    for (int ow = 0; ow < out.w; ow++, k++)
      xoff[k] = ((oh * cfg->stride_h) * p.wp + ow * cfg->stride_w) * in.c;
  for (int i = 0; i < c->n; i++)
    {
      const float *src = c->x[0] + (size_t) i * nn_shape_size (in);
      if (padded)
        {
          pad_image (xpad, src, in, p);
          src = xpad;
        }
      rows (a, src, xoff, y + i * pixels * out.c, pixels);
    }
  return TRUE;
}

gboolean
nn_conv_direct (NnCall *c, float *y, const float *scale, const float *shift, gboolean relu)
{
  NnKernelLevel level = nn_kernels_level ();
  const NnLayer *l = c->l;
  if (level == NN_KERNELS_GENERIC || l->out_shape.c % 16 != 0 || c->n == 0)
    return FALSE;
  const float *u = nn_workspace_winograd_u (c->ws, c->index);
  if (u != NULL)
    return run_winograd (c, u, y, scale, shift, relu);
  NnDirectConv a = { .w = c->m->params + l->vars[0].offset, .f = l->out_shape.c,
                     .scale = scale, .shift = shift, .relu = relu };
  return run_direct (c, level == NN_KERNELS_AVX512 ? nn_direct_conv_rows_avx512
                                                   : nn_direct_conv_rows_avx2, &a, y);
}

gboolean
nn_depthwise_direct (NnCall *c, float *y, const float *scale, const float *shift, gboolean relu)
{
  NnKernelLevel level = nn_kernels_level ();
  const NnLayer *l = c->l;
  if (level == NN_KERNELS_GENERIC || l->in_shape.c % 16 != 0 || l->cfg.conv.depth_multiplier != 1
      || l->cfg.conv.kh * l->cfg.conv.kw > 25 || c->n == 0)
    return FALSE;
  NnDirectConv a = { .w = c->m->params + l->vars[0].offset, .f = l->out_shape.c,
                     .scale = scale, .shift = shift, .relu = relu };
  return run_direct (c, level == NN_KERNELS_AVX512 ? nn_direct_depthwise_rows_avx512
                                                   : nn_direct_depthwise_rows_avx2, &a, y);
}

/* ---- backward ---------------------------------------------------------------- */


/* dz (OH, Wp, F) on the padded width, zero past OW, from dy through the
 * activation; also adds the bias gradient. */
static void
dz_extended (NnCall *c, int i, float *dz, int wp, float *db)
{
  NnShape out = c->l->out_shape;
  int F = out.c;
  size_t o = (size_t) i * nn_shape_size (out);
  for (int oh = 0; oh < out.h; oh++)
    {
      size_t r = o + (size_t) oh * out.w * F;
      float *d = dz + (size_t) oh * wp * F;
      nn_act_backward (d, c->dy + r, c->y + r, c->z ? c->z + r : NULL, out.w, F, c->act);
      memset (d + (size_t) out.w * F, 0, (size_t) (wp - out.w) * F * sizeof (float));
      if (db)
        for (int x = 0; x < out.w; x++)
          for (int f = 0; f < F; f++)
            db[f] += d[x * F + f];
    }
}

static void
add_bias_grad (float *db, const float *d, size_t rows, int F)
{
  for (size_t r = 0; r < rows; r++)
    for (int f = 0; f < F; f++)
      db[f] += d[r * F + f];
}

/* dz (OH, OW, F) of image i from dy through the activation, and the bias
 * gradient added; without an activation dz is dy itself and nothing is copied. */
static const float *
dz_dense (NnCall *c, int i, float *dz, float *db)
{
  NnShape out = c->l->out_shape;
  size_t o = (size_t) i * nn_shape_size (out), rows = (size_t) out.h * out.w;
  const float *d = c->dy + o;
  if (c->act != NN_ACT_LINEAR)
    {
      nn_act_backward (dz, d, c->y + o, c->z ? c->z + o : NULL, rows, out.c, c->act);
      d = dz;
    }
  if (db)
    add_bias_grad (db, d, rows, out.c);
  return d;
}

/* dst (OH + pads, OW + pads, F) = dz (OH, Wp, F) (first OW columns) with a zero
 * border: top/left pt, pl; bottom/right so that the result is (hh, ww). */
static void
pad_dz (float *dst, const float *dz, int oh, int ow, int wp, int F, int pt, int pl, int hh, int ww)
{
  memset (dst, 0, (size_t) hh * ww * F * sizeof (float));
  for (int h = 0; h < oh; h++)
    memcpy (dst + ((size_t) (h + pt) * ww + pl) * F, dz + (size_t) h * wp * F,
            (size_t) ow * F * sizeof (float));
}

/* wr (KH, KW, F, C) = w (KH, KW, C, F) turned by 180 degrees and transposed: the
 * kernel of dx as a forward correlation of dz. */
static void
turn_kernel (float *wr, const float *w, int KH, int KW, int C, int F)
{
  for (int ky = 0; ky < KH; ky++)
    for (int kx = 0; kx < KW; kx++)
      for (int ci = 0; ci < C; ci++)
        for (int f = 0; f < F; f++)
          wr[(((size_t) (KH - 1 - ky) * KW + (KW - 1 - kx)) * F + f) * C + ci]
            = w[(((size_t) ky * KW + kx) * C + ci) * F + f];
}

/* The kernel gradient's GEMMs reduce over the tiles of a group of images: at
 * least this many tiles, so that a 7 x 7 map (16 tiles) still runs long loops. */
#define WINO_DW_TILES 128

static int
wino_dw_group (NnShape out)
{
  int T = wino_tiles (out.h) * wino_tiles (out.w);
  return CLAMP ((WINO_DW_TILES + T - 1) / T, 1, 16);
}

static size_t
winograd_backward_scratch (const NnLayer *l, Pad p)
{
  NnShape in = l->in_shape, out = l->out_shape;
  size_t C = in.c, F = out.c;
  size_t th = wino_tiles (out.h), tw = wino_tiles (out.w), T = th * tw;
  size_t g = wino_dw_group (out);
  return 16 * F * C + 9 * F * C + (size_t) out.h * p.wp * F + winograd_scratch (out, in)
         + 16 * C * F + 16 * g * T * (C + F) + (2 * th + 2) * (2 * tw + 2) * C + 8 * 16;
}

/* dW (3, 3, C, F) += G^T M G per (c, f), M (16, C, F), G as in nn_winograd_kernel. */
static void
winograd_dw_output (float *dw, const float *M, int C, int F)
{
  size_t CF = (size_t) C * F;
  for (size_t cf = 0; cf < CF; cf++)
    {
      float m[4][4], t[3][4];
      for (int i = 0; i < 4; i++)
        for (int j = 0; j < 4; j++)
          m[i][j] = M[(i * 4 + j) * CF + cf];
      for (int j = 0; j < 4; j++)
        {
          t[0][j] = m[0][j] + 0.5f * (m[1][j] + m[2][j]);
          t[1][j] = 0.5f * (m[1][j] - m[2][j]);
          t[2][j] = 0.5f * (m[1][j] + m[2][j]) + m[3][j];
        }
      for (int i = 0; i < 3; i++)
        {
          dw[(i * 3 + 0) * CF + cf] += t[i][0] + 0.5f * (t[i][1] + t[i][2]);
          dw[(i * 3 + 1) * CF + cf] += 0.5f * (t[i][1] - t[i][2]);
          dw[(i * 3 + 2) * CF + cf] += 0.5f * (t[i][1] + t[i][2]) + t[i][3];
        }
    }
}

/* Backward of a Winograd-eligible 3x3 stride-1 Conv2D on the call's slice.
 * dx: the forward algorithm on dz with the turned kernel. dW: the transposed
 * algorithm, dW = G^T (sum over tiles of (A dz A^T) * (B^T x B)) G, whose sum
 * over tiles is one GEMM per xi reducing over the tiles of a group of images
 * (2.25 times fewer multiplications than the direct dW). */
static void
winograd_backward (NnCall *c, Pad p)
{
  const NnLayer *l = c->l;
  NnShape in = l->in_shape, out = l->out_shape;
  int C = in.c, F = out.c;
  gboolean a512 = nn_kernels_level () == NN_KERNELS_AVX512;
  RowsFn rows = a512 ? nn_direct_conv_rows_avx512 : nn_direct_conv_rows_avx2;
  const float *w = c->m->params + l->vars[0].offset;
  float *dw = c->dw ? c->dw + l->vars[0].offset : NULL;
  float *db = c->dw && l->cfg.conv.use_bias ? c->dw + l->vars[1].offset : NULL;
  float *dx = c->dx[0];
  int th = wino_tiles (out.h), tw = wino_tiles (out.w), T = th * tw;
  int group = wino_dw_group (out);
  size_t gT = (size_t) group * T;
  Pad q = { .pt = p.pt, .pl = p.pl, .hp = 2 * th + 2, .wp = 2 * tw + 2 };
  q.pb = q.hp - in.h - p.pt;
  q.pr = q.wp - in.w - p.pl;

  float *ur = align16 (c->t->scratch);                        // (16, F, C)
  float *wr = align16 (ur + (size_t) 16 * F * C);             // (3, 3, F, C)
  float *dz = align16 (wr + (size_t) 9 * F * C);              // (OH, Wp, F)
  float *wscratch = align16 (dz + (size_t) out.h * out.w * F); // dx's Winograd
  float *M = align16 (wscratch + winograd_scratch (out, in)); // (16, C, F)
  float *V = align16 (M + (size_t) 16 * C * F);               // (16, group T, C)
  float *U = align16 (V + 16 * gT * C);                       // (16, group T, F)
  float *xq = align16 (U + 16 * gT * F);                      // (Hq, Wq, C)
  int *off = (int *) wscratch;                                // (C,), while dx is idle
  if (dx)
    {
      turn_kernel (wr, w, 3, 3, C, F);
      nn_winograd_kernel (ur, wr, F, C);
    }
  if (dw)
    memset (M, 0, (size_t) 16 * C * F * sizeof (float));
  for (int i0 = 0; i0 < c->n; i0 += group)
    {
      int g = MIN (group, c->n - i0);
      for (int k = 0; k < g; k++)
        {
          int i = i0 + k;
          const float *dzi = dz_dense (c, i, dz, db); // (OH, OW, F)
          if (dx)
            winograd_images (dzi, 1, out, 2 - p.pt, 2 - p.pl, in, ur,
                             dx + (size_t) i * nn_shape_size (in), NULL, NULL, FALSE, wscratch);
          if (!dw)
            continue;
          (a512 ? nn_winograd_dz_avx512 : nn_winograd_dz_avx2) (U + (size_t) k * T * F, dzi, out.h,
                                                                out.w, F, th, tw, gT);
          pad_image (xq, c->x[0] + (size_t) i * nn_shape_size (in), in, q);
          (a512 ? nn_winograd_input_avx512 : nn_winograd_input_avx2) (V + (size_t) k * T * C, xq,
                                                                      q.wp, C, th, tw, gT);
        }
      if (!dw)
        continue;
      /* M[xi] (C, F) += V[xi]^T U[xi]: rows are input channels, the reduction
       * runs over the group's tiles. */
      for (int ci = 0; ci < C; ci++)
        off[ci] = ci;
      NnDirectConv a = { .kh = 1, .kw = 1, .c = g * T, .f = F, .x_row = 0, .x_red_stride = C,
                         .y_pixel_stride = F, .accumulate = TRUE };
      for (int xi = 0; xi < 16; xi++)
        {
          a.w = U + xi * gT * F;
          rows (&a, V + xi * gT * C, off, M + (size_t) xi * C * F, C);
        }
    }
  if (dw)
    winograd_dw_output (dw, M, C, F);
}

gboolean
nn_conv_direct_backward (NnCall *c)
{
  NnKernelLevel level = nn_kernels_level ();
  const NnLayer *l = c->l;
  const NnConvConfig *cfg = &l->cfg.conv;
  NnShape in = l->in_shape, out = l->out_shape;
  int C = in.c, F = out.c, KH = cfg->kh, KW = cfg->kw;
  gboolean want_dx = c->dx[0] != NULL;
  if (level == NN_KERNELS_GENERIC || F % 16 != 0 || cfg->stride_h != 1 || cfg->stride_w != 1
      || (want_dx && C % 16 != 0) || c->n == 0)
    return FALSE;
  RowsFn rows = level == NN_KERNELS_AVX512 ? nn_direct_conv_rows_avx512 : nn_direct_conv_rows_avx2;
  Pad p = pad_of (l);
  const float *w = c->m->params + l->vars[0].offset;
  float *dw = c->dw ? c->dw + l->vars[0].offset : NULL;
  float *db = c->dw && cfg->use_bias ? c->dw + l->vars[1].offset : NULL;
  /* dx is the 'full' correlation of dz with the kernel turned by 180 degrees and
   * transposed (KH, KW, F, C), on dz padded by K - 1 - pad. */
  int dpt = KH - 1 - p.pt, dpl = KW - 1 - p.pl;
  int hh = in.h + KH - 1, ww = in.w + KW - 1;

  /* Winograd for dx and dW when the layer's forward takes it. */
  if (nn_winograd_eligible (l))
    {
      winograd_backward (c, p);
      return TRUE;
    }
  float *xpad = align16 (c->t->scratch);                          // (Hp + 1, Wp, C)
  float *dz = align16 (xpad + (size_t) (p.hp + 1) * p.wp * C);    // (OH, Wp, F)
  float *dzp = align16 (dz + (size_t) out.h * p.wp * F);          // (hh, ww, F)
  float *wr = align16 (dzp + (size_t) hh * ww * F);               // (KH, KW, F, C)
  int *off = (int *) align16 (wr + (size_t) KH * KW * F * C);     // (max (KH KW C, H W),)
  if (want_dx)
    turn_kernel (wr, w, KH, KW, C, F);
  /* A 1x1 kernel without padding (a pointwise GEMM) reads x and dz where they
   * lie: no padded copies. */
  gboolean pointwise = KH == 1 && KW == 1 && !(p.pt || p.pb || p.pl || p.pr);
  for (int i = 0; i < c->n; i++)
    {
      const float *dzi = dz;
      if (pointwise)
        dzi = dz_dense (c, i, dz, db);
      else
        dz_extended (c, i, dz, p.wp, db);
      if (dw)
        {
          /* dW[tap] (C, F) += sum over the extended grid of x_pad[p + tap]^T dz[p]:
           * rows are input channels, the reduction runs over pixels. */
          const float *xs = c->x[0] + (size_t) i * nn_shape_size (in);
          if (!pointwise)
            {
              pad_image (xpad, xs, in, p);
              memset (xpad + (size_t) p.hp * p.wp * C, 0, (size_t) p.wp * C * sizeof (float));
              xs = xpad;
            }
          /* One run over all (tap, channel) rows, HWIO order: full tiles. */
          for (int ky = 0, k = 0; ky < KH; ky++)
            for (int kx = 0; kx < KW; kx++)
              for (int ci = 0; ci < C; ci++, k++)
                off[k] = (ky * p.wp + kx) * C + ci;
          NnDirectConv a = { .w = dzi, .kh = 1, .kw = 1, .c = out.h * p.wp, .f = F,
                             .x_row = 0, .x_red_stride = C, .y_pixel_stride = F,
                             .accumulate = TRUE };
          rows (&a, xs, off, dw, KH * KW * C);
        }
      if (want_dx)
        {
          const float *src = dzi; // (hh, ww, F) == (OH, OW, F) for a pointwise kernel
          if (!pointwise)
            {
              pad_dz (dzp, dz, out.h, out.w, p.wp, F, dpt, dpl, hh, ww);
              src = dzp;
            }
          for (int h = 0, k = 0; h < in.h; h++)
            for (int x = 0; x < in.w; x++, k++)
              off[k] = (h * ww + x) * F;
          NnDirectConv a = { .w = wr, .kh = KH, .kw = KW, .c = F, .f = C, .x_row = ww,
                             .x_red_stride = 1, .y_pixel_stride = C };
          rows (&a, src, off, c->dx[0] + (size_t) i * nn_shape_size (in), in.h * in.w);
        }
    }
  return TRUE;
}

gboolean
nn_depthwise_direct_backward (NnCall *c)
{
  NnKernelLevel level = nn_kernels_level ();
  const NnLayer *l = c->l;
  const NnConvConfig *cfg = &l->cfg.conv;
  NnShape in = l->in_shape, out = l->out_shape;
  int C = in.c, KH = cfg->kh, KW = cfg->kw, taps = KH * KW;
  if (level == NN_KERNELS_GENERIC || C % 16 != 0 || cfg->depth_multiplier != 1
      || cfg->stride_h != 1 || cfg->stride_w != 1 || taps > 25 || c->n == 0)
    return FALSE;
  Pad p = pad_of (l);
  const float *k = c->m->params + l->vars[0].offset;
  float *dk = c->dw ? c->dw + l->vars[0].offset : NULL;
  float *db = c->dw && cfg->use_bias ? c->dw + l->vars[1].offset : NULL;
  int dpt = KH - 1 - p.pt, dpl = KW - 1 - p.pl;
  int hh = in.h + KH - 1, ww = in.w + KW - 1;
  float *xpad = align16 (c->t->scratch);
  float *dz = align16 (xpad + (size_t) (p.hp + 1) * p.wp * C);
  float *dzp = align16 (dz + (size_t) out.h * p.wp * C);
  float *kr = align16 (dzp + (size_t) hh * ww * C);
  int *off = (int *) align16 (kr + (size_t) taps * C);
  for (int t = 0; t < taps; t++)
    memcpy (kr + (size_t) (taps - 1 - t) * C, k + (size_t) t * C, C * sizeof (float));
  for (int i = 0; i < c->n; i++)
    {
      dz_extended (c, i, dz, p.wp, db);
      if (dk)
        {
          pad_image (xpad, c->x[0] + (size_t) i * nn_shape_size (in), in, p);
          memset (xpad + (size_t) p.hp * p.wp * C, 0, (size_t) p.wp * C * sizeof (float));
          for (int ky = 0, t = 0; ky < KH; ky++)
            for (int kx = 0; kx < KW; kx++, t++)
              off[t] = (ky * p.wp + kx) * C;
          (level == NN_KERNELS_AVX512 ? nn_direct_depthwise_dk_avx512
                                      : nn_direct_depthwise_dk_avx2) (dk, xpad, dz, off, taps, C,
                                                                      out.h * p.wp);
        }
      if (c->dx[0])
        {
          pad_dz (dzp, dz, out.h, out.w, p.wp, C, dpt, dpl, hh, ww);
          for (int h = 0, j = 0; h < in.h; h++)
            for (int x = 0; x < in.w; x++, j++)
              off[j] = (h * ww + x) * C;
          NnDirectConv a = { .w = kr, .kh = KH, .kw = KW, .c = C, .f = C, .x_row = ww,
                             .x_red_stride = 1, .y_pixel_stride = C };
          (level == NN_KERNELS_AVX512 ? nn_direct_depthwise_rows_avx512
                                      : nn_direct_depthwise_rows_avx2) (&a, dzp, off,
                                                                        c->dx[0] + (size_t) i * nn_shape_size (in),
                                                                        in.h * in.w);
        }
    }
  return TRUE;
}

/* ---- dense and pooling -------------------------------------------------------- */

/* BLAS wins from a few rows up; below, reading W once and skipping zeros wins. */
#define DENSE_DIRECT_MAX_ROWS 8

gboolean
nn_dense_direct (NnCall *c, float *z)
{
  NnKernelLevel level = nn_kernels_level ();
  const NnLayer *l = c->l;
  int K = l->in_shape.c, F = l->out_shape.c;
  int rows = c->n * l->in_shape.h * l->in_shape.w;
  if (level == NN_KERNELS_GENERIC || F % 16 != 0 || rows > DENSE_DIRECT_MAX_ROWS || rows == 0)
    return FALSE;
  const float *w = c->m->params + l->vars[0].offset;
  const float *b = l->cfg.dense.use_bias ? c->m->params + l->vars[1].offset : NULL;
  (level == NN_KERNELS_AVX512 ? nn_dense_rows_avx512 : nn_dense_rows_avx2) (z, c->x[0], w, b,
                                                                              rows, K, F);
  return TRUE;
}

gboolean
nn_max_pool2_direct (NnCall *c, gboolean backward)
{
  NnKernelLevel level = nn_kernels_level ();
  const NnLayer *l = c->l;
  const NnPoolConfig *p = &l->cfg.pool;
  NnShape in = l->in_shape;
  if (level == NN_KERNELS_GENERIC || in.c % 16 != 0 || p->pool_h != 2 || p->pool_w != 2
      || p->stride_h != 2 || p->stride_w != 2 || p->padding != NN_PAD_VALID)
    return FALSE;
  size_t si = nn_shape_size (in), so = nn_shape_size (l->out_shape);
  gboolean a512 = level == NN_KERNELS_AVX512;
  for (int i = 0; i < c->n; i++)
    if (backward)
      (a512 ? nn_max_pool2_backward_avx512 : nn_max_pool2_backward_avx2) (
        c->dx[0] + i * si, c->x[0] + i * si, c->y + i * so, c->dy + i * so, in.h, in.w, in.c);
    else
      (a512 ? nn_max_pool2_forward_avx512 : nn_max_pool2_forward_avx2) (c->y + i * so,
                                                                        c->x[0] + i * si, in.h,
                                                                        in.w, in.c);
  return TRUE;
}

/* ---- BatchNormalization ------------------------------------------------------- */

gboolean
nn_bn_sums (double *s1, double *s2, const float *a, const float *b, const float *mb,
            const float *sb, const float *mask, size_t rows, int C)
{
  NnKernelLevel level = nn_kernels_level ();
  if (level == NN_KERNELS_GENERIC || C % 16 != 0)
    return FALSE;
  (level == NN_KERNELS_AVX512 ? nn_bn_sums_avx512 : nn_bn_sums_avx2) (s1, s2, a, b, mb, sb, mask,
                                                                       rows, C);
  return TRUE;
}

gboolean
nn_bn_apply (float *y, const float *a, const float *P, const float *b, const float *Q,
             const float *R, const float *mask, gboolean relu, size_t rows, int C)
{
  NnKernelLevel level = nn_kernels_level ();
  if (level == NN_KERNELS_GENERIC || C % 16 != 0)
    return FALSE;
  (level == NN_KERNELS_AVX512 ? nn_bn_apply_avx512 : nn_bn_apply_avx2) (y, a, P, b, Q, R, mask,
                                                                         relu, rows, C);
  return TRUE;
}
