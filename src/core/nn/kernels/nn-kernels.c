/* nn-kernels.c: CPU dispatch, and the drivers of the SIMD kernels of
 * nn-conv-direct.c: padding, window offsets, the Winograd algorithm, and the
 * scratch layouts (sized by the same code that carves them). */
#include <stdlib.h>
#include <string.h>
#include <cpuid.h>
#include "nn-amx.h"
#include "nn-kernels.h"
#include "nn-simd.h"

static int cpu_level = -1;  /* what the CPU has */
static int use_level = -1;  /* what we use */

/* AVX-512 BF16: VDPBF16PS and the conversions to bf16, which the tiles need too. */
static gboolean
has_avx512_bf16 (void)
{
#ifdef NN_HAVE_AMX
  unsigned a, b, c, d;
  return __get_cpuid_count (7, 1, &a, &b, &c, &d) && ((a >> 5) & 1);
#else
  return FALSE;
#endif
}

/* AMX tiles with bf16 products, and Linux's leave to use the tiles (asked
 * only where the CPU has AVX-512 BF16). */
static gboolean
has_amx_bf16 (void)
{
#ifdef NN_HAVE_AMX
  unsigned a, b, c, d;
  if (!__get_cpuid_count (7, 0, &a, &b, &c, &d))
    return FALSE;
  gboolean tiles = (d >> 24) & 1, bf16_tiles = (d >> 22) & 1;
  return tiles && bf16_tiles && nn_amx_request ();
#else
  return FALSE;
#endif
}

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
  if (lvl == NN_KERNELS_AVX512 && has_avx512_bf16 ())
    lvl = NN_KERNELS_BF16;
  if (lvl == NN_KERNELS_BF16 && has_amx_bf16 ())
    lvl = NN_KERNELS_AMX;
  /* bf16 on vectors is asked for, not taken: the advanced recipe lost accuracy
   * with it (docs/ENGINE.md, "On AVX-512 BF16 vectors"). */
  int want = lvl == NN_KERNELS_BF16 ? NN_KERNELS_AVX512 : lvl;
  const char *env = g_getenv ("NN_KERNELS");
  if (env != NULL)
    {
      if (g_ascii_strcasecmp (env, "generic") == 0)
        want = NN_KERNELS_GENERIC;
      else if (g_ascii_strcasecmp (env, "avx2") == 0)
        want = NN_KERNELS_AVX2;
      else if (g_ascii_strcasecmp (env, "avx512") == 0)
        want = NN_KERNELS_AVX512;
      else if (g_ascii_strcasecmp (env, "bf16") == 0)
        want = NN_KERNELS_BF16;
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
nn_kernels_cpu_level (void)
{
  detect ();
  return cpu_level;
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
  static const char *names[] = { "generic", "avx2", "avx512", "bf16", "amx" };
  return level >= 0 && level <= NN_KERNELS_AMX ? names[level] : "?";
}

/* ---- scratch ------------------------------------------------------------------ */

/* Scratch is handed in 64-byte aligned and cut into pieces that each start on
 * a 64-byte boundary (NN_LANES floats) too. A layout function runs once with
 * base NULL to measure (nn_conv_kernel_scratch_floats) and once to carve, so
 * the size always matches what is used. */
typedef struct {
  float *base;
  size_t used;
} Carve;

static float *
carve (Carve *k, size_t floats)
{
  size_t at = (k->used + NN_LANES - 1) / NN_LANES * NN_LANES;
  k->used = at + floats;
  return k->base ? k->base + at : NULL;
}

static int *
carve_ints (Carve *k, size_t n)
{
  G_STATIC_ASSERT (sizeof (int) == sizeof (float));
  return (int *) carve (k, n);
}

typedef void (*RowsFn) (const NnDirectConv *a, const float *x, const int *xoff, float *y,
                        int n);

/* The padded image a convolution reads: pads before and after in each axis. */
typedef struct {
  int pt, pb, pl, pr, hp, wp;
} Pad;

static Pad
pad_of (const NnConvDims *d)
{
  Pad p;
  p.pt = d->pt;
  p.pl = d->pl;
  p.pb = MAX (0, (d->oh - 1) * d->stride_h + d->kh - d->h - p.pt);
  p.pr = MAX (0, (d->ow - 1) * d->stride_w + d->kw - d->w - p.pl);
  p.hp = d->h + p.pt + p.pb;
  p.wp = d->w + p.pl + p.pr;
  return p;
}

/* Rows [r0, r1) of dst (Hp, Wp, C) = src (H, W, C) with a zero border. */
static void
pad_rows (float *dst, const float *src, int H, int W, int C_, Pad p, int r0, int r1)
{
  size_t C = C_;
  for (int r = r0; r < r1; r++)
    {
      float *row = dst + (size_t) r * p.wp * C;
      int h = r - p.pt;
      if (h < 0 || h >= H)
        {
          memset (row, 0, (size_t) p.wp * C * sizeof (float));
          continue;
        }
      memset (row, 0, p.pl * C * sizeof (float));
      memcpy (row + p.pl * C, src + (size_t) h * W * C, W * C * sizeof (float));
      memset (row + (p.pl + W) * C, 0, p.pr * C * sizeof (float));
    }
}

// dst (Hp, Wp, C) = src (H, W, C) with a zero border
static void
pad_image (float *dst, const float *src, int H, int W, int C, Pad p)
{
  pad_rows (dst, src, H, W, C, p, 0, p.hp);
}

static size_t
image_in (const NnConvDims *d)
{
  return (size_t) d->h * d->w * d->c;
}

static size_t
image_out (const NnConvDims *d)
{
  return (size_t) d->oh * d->ow * d->f;
}

/* ---- Winograd F(4x4, 3x3) tiles -------------------------------------------- */

/* Tiles of out outputs that cover n. */
static int
wino_tiles (int n, int out)
{
  return (n + out - 1) / out;
}

/* The padded image that holds th x tw tiles of out x out outputs of a 3x3
 * kernel (each tile reads two more rows and columns than it gives). */
static Pad
tile_pad (const NnConvDims *d, int out, int th, int tw)
{
  Pad q = { .pt = d->pt, .pl = d->pl, .hp = out * th + 2, .wp = out * tw + 2 };
  q.pb = q.hp - d->h - d->pt;
  q.pr = q.wp - d->w - d->pl;
  return q;
}

gboolean
nn_winograd_eligible (const NnConvDims *d)
{
  return d->kh == 3 && d->kw == 3 && d->stride_h == 1 && d->stride_w == 1
         && d->c % NN_LANES == 0 && d->f % NN_LANES == 0;
}

/* ---- Winograd F(4x4, 3x3): the kernel transform ------------------------------- */

#define WINO4_BLOCK 64

int
nn_winograd4_kernel_blocks (int C, int F)
{
  return (int) (((size_t) C * F + WINO4_BLOCK - 1) / WINO4_BLOCK);
}

void
nn_winograd4_kernel (float *u, const float *w, int C, int F)
{
  nn_winograd4_kernel_part (u, w, C, F, 0, nn_winograd4_kernel_blocks (C, F));
}

/* u (36, C, F) = G g G^T for every (c, f), G = [1/4 0 0; -1/6 -1/6 -1/6;
 * -1/6 1/6 -1/6; 1/24 1/12 1/6; 1/24 -1/12 1/6; 0 0 1], g the 3x3 kernel
 * w[ky, kx, c, f]. Blocks [b0, b1) of WINO4_BLOCK kernels alone. */
void
nn_winograd4_kernel_part (float *u, const float *w, int C, int F, int b0, int b1)
{
  size_t CF = (size_t) C * F;
  /* WINO4_BLOCK kernels at a time, each step a loop over them that the compiler
   * turns into vector instructions (the same operations in the same order as
   * one kernel at a time, so the same floats). */
  for (size_t cf0 = (size_t) b0 * WINO4_BLOCK; cf0 < MIN (CF, (size_t) b1 * WINO4_BLOCK);
       cf0 += WINO4_BLOCK)
    {
      int n = (int) MIN (WINO4_BLOCK, CF - cf0);
      double g[3][3][WINO4_BLOCK], t[NN_WINO4_IN][3][WINO4_BLOCK];
      for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++)
          for (int l = 0; l < n; l++)
            g[i][j][l] = w[(i * 3 + j) * CF + cf0 + l];
#define WINO4_G(o, a, b, c)                                       \
  (o[0] = (a) / 4,                                                \
   o[1] = -((a) + (b) + (c)) / 6,                                 \
   o[2] = -((a) - (b) + (c)) / 6,                                 \
   o[3] = (a) / 24 + (b) / 12 + (c) / 6,                          \
   o[4] = (a) / 24 - (b) / 12 + (c) / 6,                          \
   o[5] = (c))
      for (int j = 0; j < 3; j++)
        for (int l = 0; l < n; l++)
          {
            double r[NN_WINO4_IN];
            WINO4_G (r, g[0][j][l], g[1][j][l], g[2][j][l]);
            for (int i = 0; i < NN_WINO4_IN; i++)
              t[i][j][l] = r[i];
          }
      for (int i = 0; i < NN_WINO4_IN; i++)
        for (int l = 0; l < n; l++)
          {
            double r[NN_WINO4_IN];
            WINO4_G (r, t[i][0][l], t[i][1][l], t[i][2][l]);
            for (int j = 0; j < NN_WINO4_IN; j++)
              u[(i * NN_WINO4_IN + j) * CF + cf0 + l] = (float) r[j];
          }
#undef WINO4_G
    }
}

/* ---- running F(4x4, 3x3) ---------------------------------------------------------- */

/* Each point's GEMM runs over the tiles of a group of images, at least this many
 * rows, so that a 7 x 7 map (4 tiles) still reuses the weights it loads; at most
 * WINO_MAX_GROUP images. */
#define WINO_ROWS 32
#define WINO_MAX_GROUP 8

/* The scratch of winograd_images: the transformed tiles V and products M of a
 * group of images, one image padded to whole tiles, the tile offsets. */
typedef struct {
  float *V, *M, *xpad;
  int *off;
  Pad q;
  int th, tw, T, group;
} WinoFwd;

static WinoFwd
wino_fwd_layout (Carve *k, const NnConvDims *d)
{
  WinoFwd s;
  s.th = wino_tiles (d->oh, NN_WINO4_OUT);
  s.tw = wino_tiles (d->ow, NN_WINO4_OUT);
  s.T = s.th * s.tw;
  s.group = CLAMP ((WINO_ROWS + s.T - 1) / s.T, 1, WINO_MAX_GROUP);
  size_t gT = (size_t) s.group * s.T;
  s.q = tile_pad (d, NN_WINO4_OUT, s.th, s.tw);
  s.V = carve (k, (size_t) NN_WINO4_POINTS * gT * d->c); // (36, group T, C)
  s.M = carve (k, (size_t) NN_WINO4_POINTS * gT * d->f); // (group T, 36, F)
  s.xpad = carve (k, (size_t) s.q.hp * s.q.wp * d->c); // (Hp, Wp, C)
  s.off = carve_ints (k, gT);                          // (group T,)
  return s;
}

/* F(4x4, 3x3) of n images x (n, H, W, C) giving y (n, OH, OW, F) = epilogue;
 * u (36, C, F). part: a share of each image's rows of tiles, one image at a
 * time; the whole of each image goes in groups of images. */
static void
winograd_images (const NnConvDims *d, int n, const float *x, const float *u, float *y,
                 const float *scale, const float *shift, gboolean relu, float *scratch,
                 NnPart part)
{
  gboolean a512 = nn_kernels_level () >= NN_KERNELS_AVX512;
  RowsFn rows = a512 ? nn_direct_conv_rows_avx512 : nn_direct_conv_rows_avx2;
  int C = d->c, F = d->f, P = NN_WINO4_POINTS, ty0, ty1;
  Carve k = { scratch, 0 };
  WinoFwd s = wino_fwd_layout (&k, d);
  nn_part_range (part, s.th, &ty0, &ty1);
  int th = ty1 - ty0, T = th * s.tw, row0 = NN_WINO4_OUT * ty0;
  int group = th == s.th ? s.group : 1;
  size_t gT = (size_t) group * T;
  if (th == 0)
    return;
  for (size_t t = 0; t < gT; t++)
    s.off[t] = (int) t * C;
  NnDirectConv a = { .kh = 1, .kw = 1, .c = C, .f = F, .x_row = 0, .x_red_stride = 1,
                     .y_pixel_stride = P * F, .x_pixel_stride = C };
  for (int i0 = 0; i0 < n; i0 += group)
    {
      int g = MIN (group, n - i0);
      for (int j = 0; j < g; j++)
        {
          /* the tiles' rows of the padded image, and one tile's overlap below */
          pad_rows (s.xpad, x + (size_t) (i0 + j) * image_in (d), d->h, d->w, C, s.q, row0,
                    NN_WINO4_OUT * ty1 + 2);
          (a512 ? nn_winograd4_input_avx512 : nn_winograd4_input_avx2) (
            s.V + (size_t) j * T * C, s.xpad + (size_t) row0 * s.q.wp * C, s.q.wp, C, th, s.tw,
            gT);
        }
      /* Each tile's products together, for the output transform to read them
       * from one place (predict per image: cnn 125.5 -> 123.5 µs, advanced
       * 127 -> 124.5 µs, against each point's tiles together). */
      for (int xi = 0; xi < P; xi++)
        {
          a.w = u + (size_t) xi * C * F;
          rows (&a, s.V + (size_t) xi * gT * C, s.off, s.M + (size_t) xi * F, g * (int) T);
        }
      for (int j = 0; j < g; j++)
        (a512 ? nn_winograd4_output_avx512 : nn_winograd4_output_avx2) (
          y + (size_t) (i0 + j) * image_out (d) + (size_t) row0 * d->ow * F,
          s.M + (size_t) j * T * P * F, MIN (d->oh - row0, NN_WINO4_OUT * th), d->ow, F, th,
          s.tw, scale, shift, relu);
    }
}

/* The kernel gradient's GEMMs reduce over the tiles of a group of images: at
 * least this many tiles, so that a 7 x 7 map (4 tiles of F(4x4, 3x3)) still runs
 * long loops; at most WINO_DW_MAX_GROUP images. 64 and 128 tiles measured alike. */
#define WINO_DW_TILES 64
#define WINO_DW_MAX_GROUP 16

/* dx is the forward algorithm run on dz with the turned kernel: the dims of
 * that convolution. */
static NnConvDims
wino_dx_dims (const NnConvDims *d)
{
  return (NnConvDims){ .h = d->oh, .w = d->ow, .c = d->f, .oh = d->h, .ow = d->w, .f = d->c,
                       .kh = 3, .kw = 3, .stride_h = 1, .stride_w = 1,
                       .pt = 2 - d->pt, .pl = 2 - d->pl };
}

typedef struct {
  float *ur, *wr, *dz, *wscratch, *M, *V, *U, *xq;
  int th, tw, T, group;
  Pad q;
} WinoBwd;

static WinoBwd
wino_bwd_layout (Carve *k, const NnConvDims *d)
{
  WinoBwd s;
  size_t C = d->c, F = d->f;
  s.th = wino_tiles (d->oh, NN_WINO4_OUT);
  s.tw = wino_tiles (d->ow, NN_WINO4_OUT);
  s.T = s.th * s.tw;
  s.group = CLAMP ((WINO_DW_TILES + s.T - 1) / s.T, 1, WINO_DW_MAX_GROUP);
  size_t gT = (size_t) s.group * s.T;
  s.q = tile_pad (d, NN_WINO4_OUT, s.th, s.tw);
  NnConvDims dd = wino_dx_dims (d);
  Carve inner = { NULL, 0 };
  wino_fwd_layout (&inner, &dd);
  s.ur = carve (k, NN_WINO4_POINTS * F * C);           // (36, F, C)
  s.wr = carve (k, 9 * F * C);                         // (3, 3, F, C)
  s.dz = carve (k, s.group * image_out (d));           // (group, OH, OW, F)
  s.wscratch = carve (k, MAX (inner.used, C));         // dx's Winograd; (C,) ints for dW
  s.M = carve (k, NN_WINO4_POINTS * C * F);            // (36, C, F)
  s.V = carve (k, NN_WINO4_POINTS * gT * C);           // (36, group T, C)
  s.U = carve (k, NN_WINO4_POINTS * gT * F);           // (36, group T, F)
  s.xq = carve (k, (size_t) s.q.hp * s.q.wp * C);      // (Hq, Wq, C)
  return s;
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

/* dW (3, 3, C, F) += G^T M G per (c, f), M (36, C, F), G as in
 * nn_winograd4_kernel. */
static void
winograd4_dw_output (float *dw, const float *M, int C, int F)
{
  size_t CF = (size_t) C * F;
#define WINO4_GT(o, m)                                                          \
  (o[0] = (m)[0] / 4 - ((m)[1] + (m)[2]) / 6 + ((m)[3] + (m)[4]) / 24,           \
   o[1] = ((m)[2] - (m)[1]) / 6 + ((m)[3] - (m)[4]) / 12,                       \
   o[2] = ((m)[3] + (m)[4] - (m)[1] - (m)[2]) / 6 + (m)[5])
  /* WINO4_BLOCK (c, f) at a time, as in nn_winograd4_kernel. */
  for (size_t cf0 = 0; cf0 < CF; cf0 += WINO4_BLOCK)
    {
      int n = (int) MIN (WINO4_BLOCK, CF - cf0);
      double t[NN_WINO4_IN][3][WINO4_BLOCK];
      for (int i = 0; i < NN_WINO4_IN; i++)
        for (int l = 0; l < n; l++)
          {
            double m[NN_WINO4_IN], o[3];
            for (int j = 0; j < NN_WINO4_IN; j++)
              m[j] = M[(i * NN_WINO4_IN + j) * CF + cf0 + l];
            WINO4_GT (o, m);
            for (int j = 0; j < 3; j++)
              t[i][j][l] = o[j];
          }
      for (int j = 0; j < 3; j++)
        for (int l = 0; l < n; l++)
          {
            double col[NN_WINO4_IN], o[3];
            for (int i = 0; i < NN_WINO4_IN; i++)
              col[i] = t[i][j][l];
            WINO4_GT (o, col);
            for (int i = 0; i < 3; i++)
              dw[(i * 3 + j) * CF + cf0 + l] += (float) o[i];
          }
    }
#undef WINO4_GT
}

/* The g images' dz (g, OH, OW, F) as one array: where dz_fn left them when they
 * follow each other (dy itself, without an activation), else in the slots. */
static const float *
group_dz (const NnConvDims *d, int g, const float **dzs, float *slots)
{
  size_t size = image_out (d);
  gboolean follow = TRUE;
  for (int j = 1; j < g; j++)
    follow = follow && dzs[j] == dzs[0] + j * size;
  if (follow)
    return dzs[0];
  for (int j = 0; j < g; j++)
    if (dzs[j] != slots + j * size)
      memcpy (slots + j * size, dzs[j], size * sizeof (float));
  return slots;
}

/* Backward of a Winograd-eligible 3x3 stride-1 Conv2D on n images.
 * dx: the forward's F(4x4, 3x3) on the dz of a group of images with the turned
 * kernel; the group gives a small map's GEMMs enough rows (nn-layer-bench,
 * backward per image, against F(2x2, 3x3) one image at a time: cnn's conv2d_3
 * 117 -> 110 µs, advanced's conv2d_4 71 -> 63 µs, conv2d_2 83 -> 81.5 µs). dW: the
 * transposed F(4x4, 3x3), dW = G^T (sum over tiles of (A dz A^T) * (B^T x B)) G,
 * whose sum over tiles is one GEMM per point reducing over the tiles of a group
 * of images: 4 times fewer multiplications than the direct dW (2.25 with
 * F(2x2, 3x3)). nn-layer-bench, backward per image, dW by F(2x2) -> F(4x4):
 * cnn's conv2d_1 (26 x 26) 166 -> 151 µs, conv2d_3 (11 x 11) 138 -> 122 µs,
 * advanced's conv2d_4 (7 x 7) 80 -> 77 µs; the 13 x 13 and 14 x 14 maps, whose
 * tiles reach past them, alike (86 -> 88 µs, 83 -> 85 µs). */
static void
winograd_backward (const NnConvDims *d, int n, const float *x, const float *w, NnConvDzFn dz_fn,
                   void *user, float *dx, float *dw, float *scratch)
{
  int C = d->c, F = d->f;
  gboolean a512 = nn_kernels_level () >= NN_KERNELS_AVX512;
  RowsFn rows = a512 ? nn_direct_conv_rows_avx512 : nn_direct_conv_rows_avx2;
  Carve k = { scratch, 0 };
  WinoBwd s = wino_bwd_layout (&k, d);
  NnConvDims dd = wino_dx_dims (d);
  size_t gT = (size_t) s.group * s.T;
  int *off = (int *) s.wscratch; // (C,), while dx is idle
  if (dx)
    {
      turn_kernel (s.wr, w, 3, 3, C, F);
      nn_winograd4_kernel (s.ur, s.wr, F, C);
    }
  if (dw)
    memset (s.M, 0, (size_t) NN_WINO4_POINTS * C * F * sizeof (float));
  for (int i0 = 0; i0 < n; i0 += s.group)
    {
      int g = MIN (s.group, n - i0);
      const float *dzs[WINO_DW_MAX_GROUP]; // (OH, OW, F) each
      for (int j = 0; j < g; j++)
        dzs[j] = dz_fn (user, i0 + j, s.dz + (size_t) j * image_out (d), (size_t) d->ow * F);
      if (dx)
        winograd_images (&dd, g, group_dz (d, g, dzs, s.dz), s.ur, dx + (size_t) i0 * image_in (d),
                         NULL, NULL, FALSE, s.wscratch, NN_WHOLE);
      for (int j = 0; dw && j < g; j++)
        {
          int i = i0 + j;
          (a512 ? nn_winograd4_dz_avx512 : nn_winograd4_dz_avx2) (s.U + (size_t) j * s.T * F,
                                                                  dzs[j], d->oh, d->ow, F, s.th,
                                                                  s.tw, gT);
          pad_image (s.xq, x + (size_t) i * image_in (d), d->h, d->w, C, s.q);
          (a512 ? nn_winograd4_input_avx512 : nn_winograd4_input_avx2) (
            s.V + (size_t) j * s.T * C, s.xq, s.q.wp, C, s.th, s.tw, gT);
        }
      if (!dw)
        continue;
      /* M[xi] (C, F) += V[xi]^T U[xi]: rows are input channels, the reduction
       * runs over the group's tiles. */
      for (int ci = 0; ci < C; ci++)
        off[ci] = ci;
      NnDirectConv a = { .kh = 1, .kw = 1, .c = g * s.T, .f = F, .x_row = 0, .x_red_stride = C,
                         .y_pixel_stride = F, .accumulate = TRUE };
      for (int xi = 0; xi < NN_WINO4_POINTS; xi++)
        {
          a.w = s.U + xi * gT * F;
          rows (&a, s.V + xi * gT * C, off, s.M + (size_t) xi * C * F, C);
        }
    }
  if (dw)
    winograd4_dw_output (dw, s.M, C, F);
}

/* ---- direct convolution ------------------------------------------------------- */

/* Forward: the padded image (when there is padding), then the window offsets of
 * every output pixel. */
typedef struct {
  float *xpad;
  int *xoff;
} DirectFwd;

static DirectFwd
direct_fwd_layout (Carve *k, const NnConvDims *d, Pad p)
{
  DirectFwd s;
  gboolean padded = p.pt || p.pb || p.pl || p.pr;
  s.xpad = padded ? carve (k, (size_t) p.hp * p.wp * d->c) : NULL; // (Hp, Wp, C)
  s.xoff = carve_ints (k, (size_t) d->oh * d->ow);                 // (OH * OW,)
  return s;
}

/* Backward: padded x (and a row of slack: the dW run reads past the last row on
 * the extended grid), dz on the padded width, dz padded for dx, the turned
 * kernel, offsets. depthwise: the kernel is (KH, KW, C) and F = C. */
typedef struct {
  float *xpad, *dz, *dzp, *wr;
  int *off;
} DirectBwd;

static DirectBwd
direct_bwd_layout (Carve *k, const NnConvDims *d, Pad p, gboolean depthwise)
{
  DirectBwd s;
  size_t C = d->c, F = d->f, taps = (size_t) d->kh * d->kw;
  size_t hh = d->h + d->kh - 1, ww = d->w + d->kw - 1;
  s.xpad = carve (k, (size_t) (p.hp + d->stride_h) * p.wp * C); // (Hp + stride, Wp, C)
  s.dz = carve (k, (size_t) d->oh * p.wp * F);                  // (OH, Wp, F)
  s.dzp = carve (k, hh * ww * F);                               // (hh, ww, F)
  s.wr = carve (k, depthwise ? taps * C : taps * F * C);        // (KH, KW, F, C) or (KH, KW, C)
  s.off = carve_ints (k, MAX ((size_t) d->h * d->w, taps * C)); // (max (H W, KH KW C),)
  return s;
}

size_t
nn_conv_kernel_scratch_floats (const NnConvDims *d, gboolean depthwise)
{
  Pad p = pad_of (d);
  Carve f = { NULL, 0 }, b = { NULL, 0 }, w = { NULL, 0 };
  direct_fwd_layout (&f, d, p);
  direct_bwd_layout (&b, d, p, depthwise);
  if (!depthwise && nn_winograd_eligible (d))
    {
      Carve wf = { NULL, 0 };
      wino_fwd_layout (&wf, d);
      wino_bwd_layout (&w, d);
      w.used = MAX (w.used, wf.used);
    }
  size_t amx = 0;
#ifdef NN_HAVE_AMX
  /* at every level: a workspace sized at one level may run at another */
  if (!depthwise && nn_amx_conv_eligible (d))
    amx = nn_amx_conv_scratch_floats (d);
#endif
  return MAX (MAX (MAX (f.used, b.used), w.used), amx);
}

/* Training's Conv2D in bf16 products (nn-amx.c): on AMX tiles every one that
 * fits, on AVX-512 BF16 vectors the 1 x 1 ones (nn-kernels.h says why). */
static gboolean
amx_training (const NnConvDims *d)
{
#ifdef NN_HAVE_AMX
  NnKernelLevel level = nn_kernels_level ();
  return (level == NN_KERNELS_AMX
          || (level == NN_KERNELS_BF16 && d->kh == 1 && d->kw == 1))
         && nn_amx_conv_eligible (d);
#else
  return FALSE;
#endif
}

/* The direct kernel over part's share of each image's output pixels. */
static gboolean
run_direct (const NnConvDims *d, int n, const float *x, RowsFn rows, NnDirectConv *a, float *y,
            float *scratch, NnPart part)
{
  Pad p = pad_of (d);
  Carve k = { scratch, 0 };
  DirectFwd s = direct_fwd_layout (&k, d, p);
  int p0, p1;
  nn_part_range (part, d->oh * d->ow, &p0, &p1);
  if (p0 == p1)
    return TRUE;
  a->kh = d->kh;
  a->kw = d->kw;
  a->c = d->c;
  a->y_pixel_stride = d->f;
  a->x_red_stride = 1;
  a->x_row = p.wp;
  /* A 1 x 1 kernel at stride 1 on an unpadded row reads the pixels in order. */
  a->x_pixel_stride = d->kh == 1 && d->kw == 1 && d->stride_h == 1 && d->stride_w == 1
                      && p.wp == d->ow ? d->c : 0;
  /* Window offsets are the same for every image: one run per image covers all
   * its rows, so tiles are full even on a 7 x 7 map. */
  for (int j = p0, oh = p0 / d->ow, ow = p0 % d->ow; j < p1; j++)
    {
      s.xoff[j] = ((oh * d->stride_h) * p.wp + ow * d->stride_w) * d->c;
      if (++ow == d->ow)
        ow = 0, oh++;
    }
  /* the padded rows the share's windows read */
  int r0 = (p0 / d->ow) * d->stride_h, r1 = ((p1 - 1) / d->ow) * d->stride_h + d->kh;
  for (int i = 0; i < n; i++)
    {
      const float *src = x + (size_t) i * image_in (d);
      if (s.xpad)
        {
          pad_rows (s.xpad, src, d->h, d->w, d->c, p, r0, r1);
          src = s.xpad;
        }
      rows (a, src, s.xoff + p0, y + (i * (size_t) d->oh * d->ow + p0) * d->f, p1 - p0);
    }
  return TRUE;
}

gboolean
nn_conv_kernel_forward (const NnConvDims *d, int n, const float *x, const float *w,
                        const float *wino_u, float *y, const float *scale, const float *shift,
                        gboolean relu, gboolean training, float *scratch, NnPart part)
{
  NnKernelLevel level = nn_kernels_level ();
  if (level == NN_KERNELS_GENERIC || d->f % NN_LANES != 0 || n == 0)
    return FALSE;
#ifdef NN_HAVE_AMX
  if (training && scale == NULL && part.count == 1 && amx_training (d))
    {
      nn_amx_conv_forward (d, n, x, w, y, shift, relu, scratch);
      return TRUE;
    }
#endif
  if (wino_u != NULL && nn_winograd_eligible (d))
    {
      winograd_images (d, n, x, wino_u, y, scale, shift, relu, scratch, part);
      return TRUE;
    }
  NnDirectConv a = { .w = w, .f = d->f, .scale = scale, .shift = shift, .relu = relu };
  return run_direct (d, n, x, level >= NN_KERNELS_AVX512 ? nn_direct_conv_rows_avx512
                                                         : nn_direct_conv_rows_avx2, &a, y,
                     scratch, part);
}

/* The depthwise kernel holds its taps in registers: at most 5 x 5. */
#define DEPTHWISE_MAX_TAPS 25

gboolean
nn_depthwise_kernel_forward (const NnConvDims *d, int n, const float *x, const float *w,
                             float *y, const float *scale, const float *shift, gboolean relu,
                             float *scratch, NnPart part)
{
  NnKernelLevel level = nn_kernels_level ();
  if (level == NN_KERNELS_GENERIC || d->c % NN_LANES != 0 || d->f != d->c
      || d->kh * d->kw > DEPTHWISE_MAX_TAPS || n == 0)
    return FALSE;
  NnDirectConv a = { .w = w, .f = d->f, .scale = scale, .shift = shift, .relu = relu };
  return run_direct (d, n, x, level >= NN_KERNELS_AVX512 ? nn_direct_depthwise_rows_avx512
                                                         : nn_direct_depthwise_rows_avx2, &a,
                     y, scratch, part);
}

/* dz (OH, Wp, F) of image i on the padded width, zero past OW. */
static void
dz_extended (const NnConvDims *d, NnConvDzFn dz_fn, void *user, int i, float *dz, int wp)
{
  size_t F = d->f, ld = (size_t) wp * F;
  const float *got = dz_fn (user, i, dz, ld);
  if (got != dz) /* only when wp == OW: the rows are dense */
    memcpy (dz, got, (size_t) d->oh * ld * sizeof (float));
  if (wp > d->ow)
    for (int oh = 0; oh < d->oh; oh++)
      memset (dz + oh * ld + (size_t) d->ow * F, 0, (size_t) (wp - d->ow) * F * sizeof (float));
}

/* dst (hh, ww, F) = dz (OH, Wp, F) (first OW columns) with a zero border: top/left
 * pt, pl; bottom/right whatever is left. */
static void
pad_dz (float *dst, const float *dz, int oh, int ow, int wp, int F, int pt, int pl, int hh, int ww)
{
  memset (dst, 0, (size_t) hh * ww * F * sizeof (float));
  for (int h = 0; h < oh; h++)
    memcpy (dst + ((size_t) (h + pt) * ww + pl) * F, dz + (size_t) h * wp * F,
            (size_t) ow * F * sizeof (float));
}

/* Where dz (OH, Wp, F), its columns past OW zero, can live inside the padded
 * gradient dzp (hh, ww, F) that dx's convolution reads, so that dzp needs no
 * copy of it; NULL where it cannot. It can when ww is Wp (a stride of 1 and pads
 * adding up to KW - 1, as 'same' gives): dzp's pixel (r, c) is then dz's pixel
 * (r - dpt, c - dpl) counted along the rows, the left border being the zero
 * columns that end the row above. The parts of dzp before and after dz are
 * zeroed here, once. */
static float *
dz_inside_padded (float *dzp, const NnConvDims *d, Pad p, int dpt, int dpl)
{
  size_t F = d->f, hh = d->h + d->kh - 1, ww = d->w + d->kw - 1;
  size_t lead = (size_t) dpt * p.wp + dpl, end = lead + (size_t) d->oh * p.wp;
  if (ww != (size_t) p.wp || end > hh * ww)
    return NULL;
  memset (dzp, 0, lead * F * sizeof (float));
  memset (dzp + end * F, 0, (hh * ww - end) * F * sizeof (float));
  return dzp + lead * F;
}

gboolean
nn_conv_kernel_backward (const NnConvDims *d, int n, const float *x, const float *w,
                         NnConvDzFn dz_fn, void *user, float *dx, float *dw, gboolean training,
                         float *scratch)
{
  NnKernelLevel level = nn_kernels_level ();
  int C = d->c, F = d->f, KH = d->kh, KW = d->kw, S = d->stride_w;
  gboolean strided = d->stride_h != 1 || d->stride_w != 1;
  /* A strided convolution gets dW only (a first layer, whose dx nobody needs),
   * with the same stride both ways. */
  if (level == NN_KERNELS_GENERIC || F % NN_LANES != 0 || (strided && (dx || d->stride_h != S))
      || (dx && C % NN_LANES != 0) || n == 0)
    return FALSE;
#ifdef NN_HAVE_AMX
  if (training && !strided && amx_training (d))
    {
      nn_amx_conv_backward (d, n, x, w, dz_fn, user, dx, dw, scratch);
      return TRUE;
    }
#endif
  /* Winograd for dx and dW when the layer's forward takes it. */
  if (nn_winograd_eligible (d))
    {
      winograd_backward (d, n, x, w, dz_fn, user, dx, dw, scratch);
      return TRUE;
    }
  RowsFn rows = level >= NN_KERNELS_AVX512 ? nn_direct_conv_rows_avx512 : nn_direct_conv_rows_avx2;
  Pad p = pad_of (d);
  Carve k = { scratch, 0 };
  DirectBwd s = direct_bwd_layout (&k, d, p, FALSE);
  /* dx is the 'full' correlation of dz with the kernel turned by 180 degrees and
   * transposed (KH, KW, F, C), on dz padded by K - 1 - pad. */
  int dpt = KH - 1 - p.pt, dpl = KW - 1 - p.pl;
  int hh = d->h + KH - 1, ww = d->w + KW - 1;
  if (dx)
    turn_kernel (s.wr, w, KH, KW, C, F);
  /* A 1x1 kernel without padding (a pointwise GEMM) reads x and dz where they
   * lie: no padded copies. */
  gboolean pointwise = KH == 1 && KW == 1 && !(p.pt || p.pb || p.pl || p.pr) && !strided;
  for (int i = 0; i < n; i++)
    {
      const float *dzi = s.dz;
      if (pointwise)
        dzi = dz_fn (user, i, s.dz, (size_t) d->ow * F);
      else
        dz_extended (d, dz_fn, user, i, s.dz, p.wp);
      if (dw)
        {
          /* dW[tap] (C, F) += sum over the extended grid of x_pad[S p + tap]^T dz[p]:
           * rows are input channels, the reduction runs over pixels. The grid is
           * OH rows of Wp pixels, so that pixel q = (oh, ow) reads x_pad at S q:
           * row S oh, column S ow. Its pixels past OW have dz = 0 and read up to
           * S - 1 rows past the image, which are zeros too: never a NaN. */
          const float *xs = x + (size_t) i * image_in (d);
          if (!pointwise)
            {
              pad_image (s.xpad, xs, d->h, d->w, C, p);
              memset (s.xpad + (size_t) p.hp * p.wp * C, 0,
                      (size_t) d->stride_h * p.wp * C * sizeof (float));
              xs = s.xpad;
            }
          /* One run over all (tap, channel) rows, HWIO order: full tiles. */
          for (int ky = 0, j = 0; ky < KH; ky++)
            for (int kx = 0; kx < KW; kx++)
              for (int ci = 0; ci < C; ci++, j++)
                s.off[j] = (ky * p.wp + kx) * C + ci;
          NnDirectConv a = { .w = dzi, .kh = 1, .kw = 1, .c = d->oh * p.wp, .f = F,
                             .x_row = 0, .x_red_stride = S * C, .y_pixel_stride = F,
                             .accumulate = TRUE };
          rows (&a, xs, s.off, dw, KH * KW * C);
        }
      if (dx)
        {
          const float *src = dzi; // (hh, ww, F) == (OH, OW, F) for a pointwise kernel
          if (!pointwise)
            {
              pad_dz (s.dzp, s.dz, d->oh, d->ow, p.wp, F, dpt, dpl, hh, ww);
              src = s.dzp;
            }
          for (int h = 0, j = 0; h < d->h; h++)
            for (int xx = 0; xx < d->w; xx++, j++)
              s.off[j] = (h * ww + xx) * F;
          NnDirectConv a = { .w = s.wr, .kh = KH, .kw = KW, .c = F, .f = C, .x_row = ww,
                             .x_red_stride = 1, .y_pixel_stride = C };
          rows (&a, src, s.off, dx + (size_t) i * image_in (d), d->h * d->w);
        }
    }
  return TRUE;
}

gboolean
nn_depthwise_kernel_backward (const NnConvDims *d, int n, const float *x, const float *w,
                              NnConvDzFn dz_fn, void *user, float *dx, float *dw, float *scratch)
{
  NnKernelLevel level = nn_kernels_level ();
  int C = d->c, KH = d->kh, KW = d->kw, taps = KH * KW;
  if (level == NN_KERNELS_GENERIC || C % NN_LANES != 0 || d->f != C || d->stride_h != 1
      || d->stride_w != 1 || taps > DEPTHWISE_MAX_TAPS || n == 0)
    return FALSE;
  gboolean a512 = level >= NN_KERNELS_AVX512;
  Pad p = pad_of (d);
  Carve k = { scratch, 0 };
  DirectBwd s = direct_bwd_layout (&k, d, p, TRUE);
  int dpt = KH - 1 - p.pt, dpl = KW - 1 - p.pl;
  int hh = d->h + KH - 1, ww = d->w + KW - 1;
  float *inside = dz_inside_padded (s.dzp, d, p, dpt, dpl), *dz = inside ? inside : s.dz;
  for (int t = 0; t < taps; t++)
    memcpy (s.wr + (size_t) (taps - 1 - t) * C, w + (size_t) t * C, C * sizeof (float));
  for (int i = 0; i < n; i++)
    {
      dz_extended (d, dz_fn, user, i, dz, p.wp);
      if (dw)
        {
          pad_image (s.xpad, x + (size_t) i * image_in (d), d->h, d->w, C, p);
          memset (s.xpad + (size_t) p.hp * p.wp * C, 0, (size_t) p.wp * C * sizeof (float));
          for (int ky = 0, t = 0; ky < KH; ky++)
            for (int kx = 0; kx < KW; kx++, t++)
              s.off[t] = (ky * p.wp + kx) * C;
          (a512 ? nn_direct_depthwise_dk_avx512 : nn_direct_depthwise_dk_avx2) (
            dw, s.xpad, dz, s.off, taps, C, d->oh * p.wp);
        }
      if (dx)
        {
          if (!inside)
            pad_dz (s.dzp, s.dz, d->oh, d->ow, p.wp, C, dpt, dpl, hh, ww);
          for (int h = 0, j = 0; h < d->h; h++)
            for (int xx = 0; xx < d->w; xx++, j++)
              s.off[j] = (h * ww + xx) * C;
          NnDirectConv a = { .w = s.wr, .kh = KH, .kw = KW, .c = C, .f = C, .x_row = ww,
                             .x_red_stride = 1, .y_pixel_stride = C };
          (a512 ? nn_direct_depthwise_rows_avx512 : nn_direct_depthwise_rows_avx2) (
            &a, s.dzp, s.off, dx + (size_t) i * image_in (d), d->h * d->w);
        }
    }
  return TRUE;
}

/* ---- dense and pooling -------------------------------------------------------- */

/* Up to this many rows, reading W once and skipping the zeros that relu leaves
 * (dense_rows) wins; above, the convolution's register tile does (a 1 x 1 window
 * is a matrix product). Both beat a BLAS whose kernels do not know the CPU:
 * OpenBLAS 0.3.21 runs its SSE3 kernels on a 5th-generation Xeon, and took 24 µs
 * per image for cnn's Dense 1600 -> 128 forward and 45 backward in training. */
#define DENSE_DIRECT_MAX_ROWS 8

/* Rows handed to the tile at once: their window offsets live on the stack. */
#define DENSE_CHUNK 256

static RowsFn
rows_fn (void)
{
  return nn_kernels_level () >= NN_KERNELS_AVX512 ? nn_direct_conv_rows_avx512
                                                   : nn_direct_conv_rows_avx2;
}

/* y (pixels, a->f) [+]= for each pixel p, sum over c of x[p * x_pixel + c * x_red] *
 * a->w (c, f): a matrix product as a 1 x 1 convolution over `pixels` outputs. */
static void
tile_product (NnDirectConv *a, const float *x, int pixels, int x_pixel, float *y)
{
  int xoff[DENSE_CHUNK];
  a->kh = a->kw = 1;
  a->x_row = 1;
  a->y_pixel_stride = a->f;
  for (int p0 = 0; p0 < pixels; p0 += DENSE_CHUNK)
    {
      int np = MIN (DENSE_CHUNK, pixels - p0);
      for (int p = 0; p < np; p++)
        xoff[p] = p * x_pixel;
      rows_fn () (a, x + (size_t) p0 * x_pixel, xoff, y + (size_t) p0 * a->f, np);
    }
}

gboolean
nn_dense_kernel (float *y, const float *x, const float *w, const float *bias, int rows, int K,
                 int F, NnPart part)
{
  NnKernelLevel level = nn_kernels_level ();
  int lo, hi;
  if (level == NN_KERNELS_GENERIC || F % NN_LANES != 0 || rows == 0
      || (size_t) DENSE_CHUNK * K > G_MAXINT)
    return FALSE;
  if (rows <= DENSE_DIRECT_MAX_ROWS)
    {
      /* a few rows: the parts share the columns, each reading its own weights */
      nn_part_range (part, F / NN_LANES, &lo, &hi);
      (level >= NN_KERNELS_AVX512 ? nn_dense_rows_avx512 : nn_dense_rows_avx2) (
        y, x, w, bias, rows, K, F, lo * NN_LANES, hi * NN_LANES);
      return TRUE;
    }
  if (part.count > 1)
    return FALSE;
  tile_product (&(NnDirectConv){ .w = w, .c = K, .f = F, .x_red_stride = 1, .shift = bias },
                x, rows, K, y);
  return TRUE;
}

size_t
nn_dense_kernel_scratch_floats (int K, int F)
{
  return (size_t) K * F; /* W turned to (F, K) for dx */
}

gboolean
nn_dense_kernel_backward (const float *x, const float *w, const float *dz, int rows, int K, int F,
                          float *dw, float *dx, float *scratch)
{
  if (nn_kernels_level () == NN_KERNELS_GENERIC || F % NN_LANES != 0 || K % NN_LANES != 0
      || rows == 0 || (size_t) rows * MAX (K, F) > G_MAXINT)
    return FALSE;
  /* dW (K, F) += x^T dz: output "pixel" k sums x[r, k] dz[r, :] over the rows. */
  if (dw)
    {
      NnDirectConv a = { .w = dz, .c = rows, .f = F, .x_red_stride = K, .accumulate = TRUE };
      tile_product (&a, x, K, 1, dw);
    }
  /* dx (rows, K) = dz W^T, with W turned once into scratch. */
  if (dx)
    {
      for (int k = 0; k < K; k++)
        for (int f = 0; f < F; f++)
          scratch[(size_t) f * K + k] = w[(size_t) k * F + f];
      NnDirectConv a = { .w = scratch, .c = F, .f = K, .x_red_stride = 1 };
      tile_product (&a, dz, rows, F, dx);
    }
  return TRUE;
}

gboolean
nn_relu_kernel_backward (float *dz, const float *dy, const float *y, size_t n)
{
  NnKernelLevel level = nn_kernels_level ();
  if (level == NN_KERNELS_GENERIC || n % NN_LANES != 0)
    return FALSE;
  (level >= NN_KERNELS_AVX512 ? nn_relu_backward_avx512 : nn_relu_backward_avx2) (dz, dy, y, n);
  return TRUE;
}

gboolean
nn_relu_bias_kernel_backward (float *dz, const float *dy, const float *y, float *db, size_t rows,
                              int F)
{
  NnKernelLevel level = nn_kernels_level ();
  if (level == NN_KERNELS_GENERIC || F % NN_LANES != 0)
    return FALSE;
  (level >= NN_KERNELS_AVX512 ? nn_relu_backward_bias_avx512 : nn_relu_backward_bias_avx2) (
    dz, dy, y, db, rows, F);
  return TRUE;
}

gboolean
nn_max_pool2_kernel_forward (float *y, guint8 *arg, const float *x, int n, int H, int W, int C)
{
  NnKernelLevel level = nn_kernels_level ();
  if (level == NN_KERNELS_GENERIC || C % NN_LANES != 0)
    return FALSE;
  size_t si = (size_t) H * W * C, so = (size_t) (H / 2) * (W / 2) * C;
  for (int i = 0; i < n; i++)
    (level >= NN_KERNELS_AVX512 ? nn_max_pool2_forward_avx512 : nn_max_pool2_forward_avx2) (
      y + i * so, arg ? arg + i * so : NULL, x + i * si, H, W, C);
  return TRUE;
}

gboolean
nn_max_pool2_kernel_backward (float *dx, const float *x, const float *y, const float *dy, int n,
                              int H, int W, int C, gboolean relu)
{
  NnKernelLevel level = nn_kernels_level ();
  if (level == NN_KERNELS_GENERIC || C % NN_LANES != 0)
    return FALSE;
  size_t si = (size_t) H * W * C, so = (size_t) (H / 2) * (W / 2) * C;
  for (int i = 0; i < n; i++)
    (level >= NN_KERNELS_AVX512 ? nn_max_pool2_backward_avx512 : nn_max_pool2_backward_avx2) (
      dx + i * si, x + i * si, y + i * so, dy + i * so, H, W, C, relu);
  return TRUE;
}

gboolean
nn_max_pool2_kernel_backward_arg (float *dx, const guint8 *arg, const float *dy, int n, int H,
                                  int W, int C, gboolean relu)
{
  NnKernelLevel level = nn_kernels_level ();
  if (level == NN_KERNELS_GENERIC || C % NN_LANES != 0)
    return FALSE;
  size_t si = (size_t) H * W * C, so = (size_t) (H / 2) * (W / 2) * C;
  for (int i = 0; i < n; i++)
    (level >= NN_KERNELS_AVX512 ? nn_max_pool2_backward_arg_avx512
                                : nn_max_pool2_backward_arg_avx2) (
      dx + i * si, arg + i * so, dy + i * so, H, W, C, relu);
  return TRUE;
}

gboolean
nn_max_pool2_kernel_backward_rows (float *dx, const guint8 *arg, const float *dy, size_t r0,
                                   size_t r1, int H, int W, int C, size_t cells)
{
  NnKernelLevel level = nn_kernels_level ();
  if (level == NN_KERNELS_GENERIC || C % NN_LANES != 0)
    return FALSE;
  (level >= NN_KERNELS_AVX512 ? nn_max_pool2_backward_rows_avx512
                              : nn_max_pool2_backward_rows_avx2) (dx, arg, dy, r0, r1, H, W, C,
                                                                  cells);
  return TRUE;
}

/* ---- BatchNormalization ------------------------------------------------------- */

gboolean
nn_bn_sums (double *s1, double *s2, const float *a, const float *b, const float *mb,
            const float *sb, const float *ra, const float *ro, size_t rows, int C)
{
  NnKernelLevel level = nn_kernels_level ();
  if (level == NN_KERNELS_GENERIC || C % NN_LANES != 0)
    return FALSE;
  (level >= NN_KERNELS_AVX512 ? nn_bn_sums_avx512 : nn_bn_sums_avx2) (s1, s2, a, b, mb, sb, ra,
                                                                       ro, rows, C);
  return TRUE;
}

gboolean
nn_bn_apply (float *y, const float *a, const float *P, const float *b, const float *Q,
             const float *R, const float *ra, const float *ro, gboolean relu, size_t rows,
             int C)
{
  NnKernelLevel level = nn_kernels_level ();
  if (level == NN_KERNELS_GENERIC || C % NN_LANES != 0)
    return FALSE;
  (level >= NN_KERNELS_AVX512 ? nn_bn_apply_avx512 : nn_bn_apply_avx2) (y, a, P, b, Q, R, ra, ro,
                                                                         relu, rows, C);
  return TRUE;
}
