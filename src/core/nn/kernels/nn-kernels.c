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

size_t
nn_direct_scratch_floats (const NnLayer *l)
{
  if (!nn_layer_is_convolutional (l))
    return 0;
  Pad p = pad_of (l);
  /* the padded image, then the window offsets of every output pixel */
  return (size_t) p.hp * p.wp * l->in_shape.c + 16 + nn_shape_size (l->out_shape) / l->out_shape.c;
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
