/* nn-amx.c: training's stride-1 convolutions on AMX tiles, bf16 multiplies
 * with fp32 sums (docs/ENGINE.md, "Mixed precision on AMX tiles"), and the same
 * products on AVX-512 BF16 vectors where a CPU has no tiles.
 *
 * Compiled with the AMX and AVX-512 BF16 instructions (meson.build); called
 * only at level NN_KERNELS_AMX, which nn-kernels.c sets when the CPU has them
 * and Linux grants the tile state, and at NN_KERNELS_BF16, where only the
 * vector products and the conversions run. An A tile holds 16 rows of 32 bf16 and a B
 * tile 16 pairs of rows of 16 columns, so one TDPBF16PS does 16 x 16 x 32
 * multiply-adds, and a core does about 15 times the multiply-adds of its
 * AVX-512 FMA units. */
#include <immintrin.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "nn-amx.h"

/* Linux keeps the tile data out of a thread's saved state until the process
 * asks for it (arch/x86/include/uapi/asm/prctl.h). */
#define ARCH_REQ_XCOMP_PERM 0x1023
#define XFEATURE_XTILEDATA 18

#define TILE_ROWS 16
#define TILE_BYTES 64 /* per row: 16 floats or 32 bf16 */

gboolean
nn_amx_request (void)
{
  return syscall (SYS_arch_prctl, ARCH_REQ_XCOMP_PERM, XFEATURE_XTILEDATA) == 0;
}

/* The palette-1 tile configuration: every tile 16 rows of 64 bytes. */
typedef struct {
  guint8 palette, start_row;
  guint8 reserved[14];
  guint16 colsb[16];
  guint8 rows[16];
} TileConfig;

/* A constant in memory: GCC 12 drops stores into a local configuration,
 * not seeing that LDTILECFG reads them. */
static const TileConfig tile_config = {
  .palette = 1,
  .colsb = { TILE_BYTES, TILE_BYTES, TILE_BYTES, TILE_BYTES, TILE_BYTES, TILE_BYTES, TILE_BYTES,
             TILE_BYTES },
  .rows = { TILE_ROWS, TILE_ROWS, TILE_ROWS, TILE_ROWS, TILE_ROWS, TILE_ROWS, TILE_ROWS,
            TILE_ROWS },
};

/* Around a thread's products: configure its tiles, then free them. */
/* Whether the products run on the tiles (level amx) or on vectors (bf16). */
static gboolean
on_tiles (void)
{
  return nn_kernels_level () == NN_KERNELS_AMX;
}

static void
amx_begin (void)
{
  if (on_tiles ())
    _tile_loadconfig (&tile_config);
}

static void
amx_end (void)
{
  if (on_tiles ())
    _tile_release ();
}

static int
k_padded (int K)
{
  return (K + NN_AMX_K - 1) / NN_AMX_K * NN_AMX_K;
}

/* 32 floats from two vectors, rounded to the nearest bf16, in order. */
static inline __m512i
to_bf16 (__m512 lo, __m512 hi)
{
  return (__m512i) _mm512_cvtne2ps_pbh (hi, lo);
}

/* bp (K32 / 2, N, 2) bf16, pairs of b's rows side by side, from b (K, N) fp32
 * with ldb floats between rows; zero rows past K (K32: K rounded up to
 * NN_AMX_K). K and N multiples of 16. */
static void
pack_b (guint16 *bp, const float *b, size_t ldb, int K, int N)
{
  /* Pairs of rows k, k + 1 go side by side: (k / 2, n, k % 2). */
  __m512i pairs = _mm512_set_epi16 (31, 15, 30, 14, 29, 13, 28, 12, 27, 11, 26, 10, 25, 9, 24, 8,
                                    23, 7, 22, 6, 21, 5, 20, 4, 19, 3, 18, 2, 17, 1, 16, 0);
  int K32 = k_padded (K);
  __m512 zero = _mm512_setzero_ps ();
  for (int k = 0; k < K32; k += 2)
    for (int n = 0; n < N; n += 16)
      {
        __m512 r0 = k < K ? _mm512_loadu_ps (b + k * ldb + n) : zero;
        __m512 r1 = k + 1 < K ? _mm512_loadu_ps (b + (k + 1) * ldb + n) : zero;
        __m512i both = to_bf16 (r0, r1);
        _mm512_storeu_si512 (bp + ((size_t) k / 2 * N + n) * 2,
                             _mm512_permutexvar_epi16 (pairs, both));
      }
}

/* ---- direct convolution --------------------------------------------------------- */

/* A stride-1 convolution on the flat padded image: output pixel (oh, ow) is
 * grid row q = oh Wp + ow, and tap (ky, kx) reads the padded image's pixel
 * q + ky Wp + kx. So every A tile is 16 pixels that follow each other in memory,
 * loaded in place with no im2col; the grid's columns past OW are computed and
 * dropped (2 of 26 for a 3 x 3 kernel on 24 x 24). A tile row is 32 channels:
 * with C = 80, the last one reads 16 channels of the next pixel, which meet the
 * zero rows that pad the packed kernel to 96. */
typedef struct {
  int wp;     /* padded width: OW + KW - 1 */
  int rows;   /* grid rows OH Wp, rounded up to two tiles */
  int pixels; /* of the padded image, with the zeros the last tiles read past it */
} Grid;

static Grid
grid_of (const NnConvDims *d)
{
  Grid g;
  g.wp = d->ow + d->kw - 1;
  int rows = d->oh * g.wp;
  g.rows = (rows + 2 * TILE_ROWS - 1) / (2 * TILE_ROWS) * (2 * TILE_ROWS);
  g.pixels = g.rows + (d->kh - 1) * g.wp + d->kw + 2;
  return g;
}

gboolean
nn_amx_conv_eligible (const NnConvDims *d)
{
  /* the image fits in the padded grid: Keras's 'same' and 'valid' */
  return d->stride_h == 1 && d->stride_w == 1 && d->c % 16 == 0 && d->f % 16 == 0
         && d->pt < d->kh && d->pl < d->kw && d->h + d->pt <= d->oh + d->kh - 1
         && d->w + d->pl <= d->ow + d->kw - 1;
}

/* Scratch is cut into 64-byte aligned pieces, measured with base NULL. */
typedef struct {
  float *base;
  size_t used;
} Carve;

static void *
carve (Carve *k, size_t bytes)
{
  void *p = k->base ? (char *) k->base + k->used * sizeof (float) : NULL;
  k->used += (bytes + 63) / 64 * 16;
  return p;
}

typedef struct {
  guint16 *wb;   /* (KH KW, K32 / 2, F, 2): the kernel packed for B tiles */
  guint16 *xb;   /* (pixels, C): one padded image, and a tile row's overreach */
  float *yext;   /* (grid rows, F): its products on the grid */
} ConvScratch;

static ConvScratch
conv_layout (Carve *k, const NnConvDims *d)
{
  Grid g = grid_of (d);
  ConvScratch s;
  s.wb = carve (k, (size_t) d->kh * d->kw * k_padded (d->c) * d->f * sizeof (guint16));
  s.xb = carve (k, ((size_t) g.pixels * d->c + NN_AMX_K) * sizeof (guint16));
  s.yext = carve (k, (size_t) g.rows * d->f * sizeof (float));
  return s;
}

/* The kernel w (KH, KW, C, F) packed tap by tap. */
static void
pack_kernel (guint16 *wb, const float *w, const NnConvDims *d)
{
  size_t CF = (size_t) d->c * d->f, tap = (size_t) k_padded (d->c) * d->f;
  for (int t = 0; t < d->kh * d->kw; t++)
    pack_b (wb + t * tap, w + t * CF, d->f, d->c, d->f);
}

/* xb = x (H, W, C) in bf16 at (pt, pl) of the grid's padded image, zeros
 * elsewhere: only the border is cleared, not the whole image first. */
static void
pad_image_bf16 (guint16 *xb, const float *x, const NnConvDims *d, Grid g)
{
  size_t C = d->c, run = (size_t) d->w * C, end = (size_t) g.pixels * C + NN_AMX_K;
  size_t at = 0; /* in bf16: everything before it is written */
  for (int h = 0; h < d->h; h++)
    {
      const float *src = x + h * run;
      size_t row = ((size_t) (h + d->pt) * g.wp + d->pl) * C;
      guint16 *dst = xb + row;
      memset (xb + at, 0, (row - at) * sizeof (guint16));
      size_t k = 0;
      for (; k + 32 <= run; k += 32)
        _mm512_storeu_si512 (dst + k, to_bf16 (_mm512_loadu_ps (src + k),
                                               _mm512_loadu_ps (src + k + 16)));
      if (k < run) /* run is a multiple of 16 */
        _mm256_storeu_si256 ((__m256i *) (dst + k),
                             (__m256i) _mm512_cvtneps_pbh (_mm512_loadu_ps (src + k)));
      at = row + run;
    }
  memset (xb + at, 0, (end - at) * sizeof (guint16));
}

/* The products of the padded image xb with the packed kernel on the grid, 32
 * grid rows by 32 output channels at a time (16 for the last ones when F is an
 * odd multiple of 16): rows [0, direct) into y, the rest into yext. */
static void
conv_products_tiles (float *y, float *yext, int direct, const guint16 *xb, const guint16 *wb,
                     const NnConvDims *d, Grid g)
{
  int C = d->c, F = d->f, K32 = k_padded (C);
  size_t a_stride = (size_t) C * sizeof (guint16), b_stride = (size_t) F * 2 * sizeof (guint16);
  size_t y_stride = (size_t) F * sizeof (float);
  for (int r0 = 0; r0 < g.rows; r0 += 2 * TILE_ROWS)
    for (int n = 0; n < F; n += 32)
      {
        gboolean two = n + 16 < F;
        _tile_zero (0);
        _tile_zero (1);
        _tile_zero (2);
        _tile_zero (3);
        for (int ky = 0; ky < d->kh; ky++)
          for (int kx = 0; kx < d->kw; kx++)
            {
              const guint16 *a = xb + (size_t) (r0 + ky * g.wp + kx) * C;
              const guint16 *b = wb + (size_t) (ky * d->kw + kx) * K32 * F + (size_t) n * 2;
              for (int c = 0; c < K32; c += NN_AMX_K)
                {
                  _tile_loadd (4, a + c, a_stride);
                  _tile_loadd (5, a + (size_t) TILE_ROWS * C + c, a_stride);
                  _tile_loadd (6, b + (size_t) c / 2 * F * 2, b_stride);
                  _tile_dpbf16ps (0, 4, 6);
                  _tile_dpbf16ps (2, 5, 6);
                  if (two)
                    {
                      _tile_loadd (7, b + (size_t) c / 2 * F * 2 + 32, b_stride);
                      _tile_dpbf16ps (1, 4, 7);
                      _tile_dpbf16ps (3, 5, 7);
                    }
                }
            }
        float *o = (r0 < direct ? y : yext) + (size_t) r0 * F + n;
        _tile_stored (0, o, y_stride);
        _tile_stored (2, o + (size_t) TILE_ROWS * F, y_stride);
        if (two)
          {
            _tile_stored (1, o + 16, y_stride);
            _tile_stored (3, o + (size_t) TILE_ROWS * F + 16, y_stride);
          }
      }
}

/* The same products on AVX-512 BF16 vectors, where a CPU has no tiles: one
 * VDPBF16PS multiplies a pair of bf16 broadcast from A into 16 pairs of B's row
 * (a tile row's worth of columns) and adds both products to 16 fp32 sums. A
 * block of VEC_ROWS grid rows by 32 output channels stays in 16 registers while
 * the taps and the channel pairs go by. */
#define VEC_ROWS 8

static inline __m512
dot_pair (__m512 sum, const guint16 *a, __m512i b)
{
  gint32 both;
  memcpy (&both, a, sizeof both); /* two bf16, read as one lane */
  __m512i pair = _mm512_set1_epi32 (both);
  return _mm512_dpbf16_ps (sum, (__m512bh) pair, (__m512bh) b);
}

/* sums (VEC_ROWS, 2) += rows of A times 16 or 32 columns of packed pairs, over
 * `pairs` pairs: A's row r, pair k at a + r a_row + k a_pair, B's pair row k at
 * b + k b_row (all in bf16). */
static inline void
dot_block (__m512 sums[VEC_ROWS][2], const guint16 *a, size_t a_row, size_t a_pair,
           const guint16 *b, size_t b_row, int pairs, gboolean two)
{
  for (int k = 0; k < pairs; k++)
    {
      __m512i b0 = _mm512_loadu_si512 (b + (size_t) k * b_row);
      __m512i b1 = two ? _mm512_loadu_si512 (b + (size_t) k * b_row + 32) : b0;
      const guint16 *ak = a + (size_t) k * a_pair;
#pragma GCC unroll 8
      for (int r = 0; r < VEC_ROWS; r++)
        {
          sums[r][0] = dot_pair (sums[r][0], ak + r * a_row, b0);
          sums[r][1] = dot_pair (sums[r][1], ak + r * a_row, b1);
        }
    }
}

static void
conv_products_vectors (float *y, float *yext, int direct, const guint16 *xb, const guint16 *wb,
                       const NnConvDims *d, Grid g)
{
  int C = d->c, F = d->f, K32 = k_padded (C);
  for (int r0 = 0; r0 < g.rows; r0 += VEC_ROWS)
    for (int n = 0; n < F; n += 32)
      {
        gboolean two = n + 16 < F;
        __m512 sums[VEC_ROWS][2];
        for (int r = 0; r < VEC_ROWS; r++)
          sums[r][0] = sums[r][1] = _mm512_setzero_ps ();
        for (int ky = 0; ky < d->kh; ky++)
          for (int kx = 0; kx < d->kw; kx++)
            {
              const guint16 *a = xb + (size_t) (r0 + ky * g.wp + kx) * C;
              const guint16 *b = wb + (size_t) (ky * d->kw + kx) * K32 * F + (size_t) n * 2;
              dot_block (sums, a, C, 2, b, (size_t) F * 2, C / 2, two);
            }
        float *o = (r0 < direct ? y : yext) + (size_t) r0 * F + n;
        for (int r = 0; r < VEC_ROWS; r++)
          {
            _mm512_storeu_ps (o + (size_t) r * F, sums[r][0]);
            if (two)
              _mm512_storeu_ps (o + (size_t) r * F + 16, sums[r][1]);
          }
      }
}

static void
conv_products (float *y, float *yext, int direct, const guint16 *xb, const guint16 *wb,
               const NnConvDims *d, Grid g)
{
  if (on_tiles ())
    conv_products_tiles (y, yext, direct, xb, wb, d, g);
  else
    conv_products_vectors (y, yext, direct, xb, wb, d, g);
}

/* y (OH, OW, F) = relu? (conv + shift) of the padded image xb. The grid's first
 * OW columns are the output; a 1 x 1 kernel's grid is the image itself, so
 * without shift or relu its whole blocks of 32 rows go straight into y, and
 * only the rest passes through yext. */
static void
conv_image (float *y, float *yext, const guint16 *xb, const guint16 *wb, const NnConvDims *d,
            Grid g, const float *shift, gboolean relu)
{
  int F = d->f, direct = 0;
  if (g.wp == d->ow && shift == NULL && !relu)
    direct = d->oh * d->ow / (2 * TILE_ROWS) * (2 * TILE_ROWS);
  conv_products (y, yext, direct, xb, wb, d, g);
  for (int oh = 0; oh < d->oh; oh++)
    for (int ow = 0; ow < d->ow; ow++)
      {
        int q = oh * g.wp + ow;
        if (q < direct)
          continue;
        const float *src = yext + (size_t) q * F;
        float *dst = y + ((size_t) oh * d->ow + ow) * F;
        for (int f = 0; f < F; f++)
          {
            float v = src[f] + (shift ? shift[f] : 0.0f);
            dst[f] = relu && v < 0.0f ? 0.0f : v;
          }
      }
}

/* ---- its backward ---------------------------------------------------------------- */

/* dx is the forward run on dz, padded by K - 1 - pad, with the kernel turned
 * by 180 degrees and transposed: the dims of that convolution. */
static NnConvDims
dx_dims (const NnConvDims *d)
{
  return (NnConvDims){ .h = d->oh, .w = d->ow, .c = d->f, .oh = d->h, .ow = d->w, .f = d->c,
                       .kh = d->kh, .kw = d->kw, .stride_h = 1, .stride_w = 1,
                       .pt = d->kh - 1 - d->pt, .pl = d->kw - 1 - d->pl };
}

typedef struct {
  ConvScratch dx;    /* dx's forward */
  float *wr;         /* (KH, KW, F, C): the turned kernel */
  float *dz;         /* (OH, OW, F): one image's */
  guint16 *xb;       /* (pixels, C): the forward's padded image */
  guint16 *pairs[2]; /* (pixels / 2, C, 2): its pixels in pairs from even, odd ones */
  guint16 *dzb;      /* (grid rows + 2, F): dz on the forward's grid (vectors) */
  guint16 *dzt;      /* (F, grid rows): dz on the grid transposed (tiles), or in pairs of
                      * grid rows (vectors, dz_pairs) */
  float *dwt;        /* (KH KW, F, C): dW transposed, summed over the images */
} BwdScratch;

static BwdScratch
bwd_layout (Carve *k, const NnConvDims *d)
{
  NnConvDims dd = dx_dims (d);
  Grid g = grid_of (d);
  size_t taps = (size_t) d->kh * d->kw, C = d->c, F = d->f;
  BwdScratch s;
  s.dx = conv_layout (k, &dd);
  s.wr = carve (k, taps * C * F * sizeof (float));
  s.dz = carve (k, (size_t) d->oh * d->ow * F * sizeof (float));
  s.xb = carve (k, ((size_t) g.pixels * C + NN_AMX_K) * sizeof (guint16));
  for (int e = 0; e < 2; e++)
    s.pairs[e] = carve (k, (size_t) g.pixels / 2 * C * 2 * sizeof (guint16));
  s.dzb = carve (k, ((size_t) (g.rows + 2) * F + NN_AMX_K) * sizeof (guint16));
  s.dzt = carve (k, (size_t) F * g.rows * sizeof (guint16));
  s.dwt = carve (k, taps * F * C * sizeof (float));
  return s;
}

/* wr (KH, KW, F, C) = w (KH, KW, C, F) turned by 180 degrees and transposed. */
static void
turn_kernel (float *wr, const float *w, const NnConvDims *d)
{
  int KH = d->kh, KW = d->kw, C = d->c, F = d->f;
  for (int ky = 0; ky < KH; ky++)
    for (int kx = 0; kx < KW; kx++)
      for (int c = 0; c < C; c++)
        for (int f = 0; f < F; f++)
          wr[(((size_t) (KH - 1 - ky) * KW + (KW - 1 - kx)) * F + f) * C + c]
            = w[(((size_t) ky * KW + kx) * C + c) * F + f];
}

/* pairs[0] (j, c) = (xb (2j, c), xb (2j + 1, c)), pairs[1] (j, c) = (xb (2j + 1, c),
 * xb (2j + 2, c)): B tiles whose reduction runs over pixels from an even or an
 * odd one (odd: whether a tap's offset is odd; a 1 x 1 kernel's never is). 16
 * channels at a time. */
static void
pack_pairs (guint16 *const pairs[2], const guint16 *xb, int pixels, int C, gboolean odd)
{
  __m512i side = _mm512_set_epi16 (47, 15, 46, 14, 45, 13, 44, 12, 43, 11, 42, 10, 41, 9, 40, 8,
                                   39, 7, 38, 6, 37, 5, 36, 4, 35, 3, 34, 2, 33, 1, 32, 0);
  for (int j = 0; 2 * j + 2 < pixels; j++)
    for (int c = 0; c < C; c += 16)
      {
        const guint16 *p = xb + (size_t) 2 * j * C + c;
        __m512i p0 = _mm512_castsi256_si512 (_mm256_loadu_si256 ((const __m256i *) p));
        __m512i p1 = _mm512_castsi256_si512 (_mm256_loadu_si256 ((const __m256i *) (p + C)));
        __m512i p2 = _mm512_castsi256_si512 (_mm256_loadu_si256 ((const __m256i *) (p + 2 * C)));
        size_t at = ((size_t) j * C + c) * 2;
        _mm512_storeu_si512 (pairs[0] + at, _mm512_permutex2var_epi16 (p0, side, p1));
        if (odd)
          _mm512_storeu_si512 (pairs[1] + at, _mm512_permutex2var_epi16 (p1, side, p2));
      }
}

/* dzt (F, grid rows) = dz (OH, OW, F) on the grid, zero in the columns past OW
 * and the rows past OH Wp: each 16 grid rows gathered per channel. */
static void
transpose_dz (guint16 *dzt, const float *dz, const NnConvDims *d, Grid g)
{
  int F = d->f;
  for (int q0 = 0; q0 < g.rows; q0 += 16)
    {
      int at[16];
      __mmask16 real = 0;
      for (int j = 0; j < 16; j++)
        {
          int q = q0 + j, oh = q / g.wp, ow = q % g.wp;
          at[j] = 0;
          if (oh < d->oh && ow < d->ow)
            {
              at[j] = (oh * d->ow + ow) * F;
              real |= (__mmask16) (1u << j);
            }
        }
      __m512i idx = _mm512_loadu_si512 (at);
      for (int f = 0; f < F; f++)
        {
          __m512 v = _mm512_mask_i32gather_ps (_mm512_setzero_ps (), real, idx, dz + f, 4);
          _mm256_storeu_si256 ((__m256i *) (dzt + (size_t) f * g.rows + q0),
                               (__m256i) _mm512_cvtneps_pbh (v));
        }
    }
}

/* dzp (grid rows / 2, F, 2) = dz (OH, OW, F) on the grid in pairs of grid rows,
 * zero in the columns past OW and the rows past OH Wp, through dzb. */
static void
dz_pairs (guint16 *dzp, guint16 *dzb, const float *dz, const NnConvDims *d, Grid g)
{
  NnConvDims on_grid = { .h = d->oh, .w = d->ow, .c = d->f };
  Grid rows = { .wp = g.wp, .rows = g.rows, .pixels = g.rows + 2 };
  pad_image_bf16 (dzb, dz, &on_grid, rows);
  guint16 *const pairs[2] = { dzp, NULL };
  pack_pairs (pairs, dzb, rows.pixels, d->f, FALSE);
}

/* dwt[tap] (F, C) += sum over grid rows q of dz (q)^T xb (q + tap's offset):
 * A tiles from dzt, B tiles from the pairs that start at the offset's parity;
 * 32 x 32 blocks of (f, c), 16 at the edge of an odd multiple of 16. */
static void
dw_products_tiles (float *dwt, const guint16 *dzt, guint16 *const pairs[2], const NnConvDims *d,
                   Grid g)
{
  int C = d->c, F = d->f;
  size_t a_stride = (size_t) g.rows * sizeof (guint16), b_stride = (size_t) C * 2 * sizeof (guint16);
  size_t t_stride = (size_t) C * sizeof (float);
  for (int ky = 0; ky < d->kh; ky++)
    for (int kx = 0; kx < d->kw; kx++)
      {
        int off = ky * g.wp + kx;
        const guint16 *pr = pairs[off & 1] + (size_t) (off >> 1) * C * 2;
        float *tap = dwt + (size_t) (ky * d->kw + kx) * F * C;
        for (int f = 0; f < F; f += 32)
          for (int c = 0; c < C; c += 32)
            {
              gboolean two_f = f + 16 < F, two_c = c + 16 < C;
              float *t = tap + (size_t) f * C + c, *t2 = t + (size_t) TILE_ROWS * C;
              const guint16 *a = dzt + (size_t) f * g.rows;
              _tile_loadd (0, t, t_stride);
              if (two_c)
                _tile_loadd (1, t + 16, t_stride);
              if (two_f)
                _tile_loadd (2, t2, t_stride);
              if (two_f && two_c)
                _tile_loadd (3, t2 + 16, t_stride);
              for (int q = 0; q < g.rows; q += NN_AMX_K)
                {
                  const guint16 *b = pr + ((size_t) q / 2 * C + c) * 2;
                  _tile_loadd (4, a + q, a_stride);
                  _tile_loadd (6, b, b_stride);
                  _tile_dpbf16ps (0, 4, 6);
                  if (two_c)
                    {
                      _tile_loadd (7, b + 32, b_stride);
                      _tile_dpbf16ps (1, 4, 7);
                    }
                  if (two_f)
                    {
                      _tile_loadd (5, a + (size_t) TILE_ROWS * g.rows + q, a_stride);
                      _tile_dpbf16ps (2, 5, 6);
                      if (two_c)
                        _tile_dpbf16ps (3, 5, 7);
                    }
                }
              _tile_stored (0, t, t_stride);
              if (two_c)
                _tile_stored (1, t + 16, t_stride);
              if (two_f)
                _tile_stored (2, t2, t_stride);
              if (two_f && two_c)
                _tile_stored (3, t2 + 16, t_stride);
            }
      }
}

/* The same on vectors, with dz in pairs of grid rows instead of transposed:
 * dzp (grid rows / 2, F, 2), so that a filter's pair over two grid rows is
 * one broadcast. A's rows are filters, B's columns channels. */
static void
dw_products_vectors (float *dwt, const guint16 *dzp, guint16 *const pairs[2], const NnConvDims *d,
                     Grid g)
{
  int C = d->c, F = d->f;
  for (int ky = 0; ky < d->kh; ky++)
    for (int kx = 0; kx < d->kw; kx++)
      {
        int off = ky * g.wp + kx;
        const guint16 *pr = pairs[off & 1] + (size_t) (off >> 1) * C * 2;
        float *tap = dwt + (size_t) (ky * d->kw + kx) * F * C;
        for (int f = 0; f < F; f += VEC_ROWS)
          for (int c = 0; c < C; c += 32)
            {
              gboolean two = c + 16 < C;
              float *t = tap + (size_t) f * C + c;
              __m512 sums[VEC_ROWS][2];
              for (int r = 0; r < VEC_ROWS; r++)
                {
                  sums[r][0] = _mm512_loadu_ps (t + (size_t) r * C);
                  sums[r][1] = two ? _mm512_loadu_ps (t + (size_t) r * C + 16) : sums[r][0];
                }
              dot_block (sums, dzp + (size_t) f * 2, 2, (size_t) F * 2, pr + (size_t) c * 2,
                         (size_t) C * 2, g.rows / 2, two);
              for (int r = 0; r < VEC_ROWS; r++)
                {
                  _mm512_storeu_ps (t + (size_t) r * C, sums[r][0]);
                  if (two)
                    _mm512_storeu_ps (t + (size_t) r * C + 16, sums[r][1]);
                }
            }
      }
}

/* dw (KH, KW, C, F) += dwt (KH KW, F, C) turned back. */
static void
add_dw (float *dw, const float *dwt, const NnConvDims *d)
{
  size_t C = d->c, F = d->f;
  for (int t = 0; t < d->kh * d->kw; t++)
    for (size_t c = 0; c < C; c++)
      for (size_t f = 0; f < F; f++)
        dw[(t * C + c) * F + f] += dwt[(t * F + f) * C + c];
}

void
nn_amx_conv_backward (const NnConvDims *d, int n, const float *x, const float *w,
                      NnConvDzFn dz_fn, void *user, float *dx, float *dw, float *scratch)
{
  Carve k = { scratch, 0 };
  BwdScratch s = bwd_layout (&k, d);
  NnConvDims dd = dx_dims (d);
  Grid g = grid_of (d), gd = grid_of (&dd);
  size_t in = (size_t) d->h * d->w * d->c, taps = (size_t) d->kh * d->kw;
  if (dx)
    {
      turn_kernel (s.wr, w, d);
      pack_kernel (s.dx.wb, s.wr, &dd);
    }
  if (dw)
    memset (s.dwt, 0, taps * d->f * d->c * sizeof (float));
  amx_begin ();
  for (int i = 0; i < n; i++)
    {
      const float *dz = dz_fn (user, i, s.dz, (size_t) d->ow * d->f);
      if (dx)
        {
          pad_image_bf16 (s.dx.xb, dz, &dd, gd);
          conv_image (dx + i * in, s.dx.yext, s.dx.xb, s.dx.wb, &dd, gd, NULL, FALSE);
        }
      if (dw)
        {
          pad_image_bf16 (s.xb, x + i * in, d, g);
          pack_pairs (s.pairs, s.xb, g.pixels, d->c, d->kh * d->kw > 1);
          if (on_tiles ())
            {
              transpose_dz (s.dzt, dz, d, g);
              dw_products_tiles (s.dwt, s.dzt, s.pairs, d, g);
            }
          else
            {
              dz_pairs (s.dzt, s.dzb, dz, d, g);
              dw_products_vectors (s.dwt, s.dzt, s.pairs, d, g);
            }
        }
    }
  amx_end ();
  if (dw)
    add_dw (dw, s.dwt, d);
}

size_t
nn_amx_conv_scratch_floats (const NnConvDims *d)
{
  Carve k = { NULL, 0 };
  conv_layout (&k, d);
  size_t forward = k.used;
  k.used = 0;
  bwd_layout (&k, d);
  return MAX (forward, k.used);
}

void
nn_amx_conv_forward (const NnConvDims *d, int n, const float *x, const float *w, float *y,
                     const float *shift, gboolean relu, float *scratch)
{
  Carve k = { scratch, 0 };
  ConvScratch s = conv_layout (&k, d);
  Grid g = grid_of (d);
  size_t in = (size_t) d->h * d->w * d->c, out = (size_t) d->oh * d->ow * d->f;
  pack_kernel (s.wb, w, d);
  amx_begin ();
  for (int i = 0; i < n; i++)
    {
      pad_image_bf16 (s.xb, x + i * in, d, g);
      conv_image (y + i * out, s.yext, s.xb, s.wb, d, g, shift, relu);
    }
  amx_end ();
}
