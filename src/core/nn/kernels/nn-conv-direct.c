/* nn-conv-direct.c: the SIMD kernels, written once with GCC vector extensions
 * and compiled twice (meson.build), for AVX-512 (-DNN_SIMD_AVX512, vectors of 16
 * floats) and for AVX2 + FMA (-DNN_SIMD_AVX2, vectors of 8); the CPU picks one at
 * run time (nn-kernels.c), and plain C (im2col + BLAS, in layers/) remains the
 * fallback. Each compile has its own vector width because GCC keeps a vector
 * wider than the target's registers in memory: 16-float vectors compiled for
 * AVX2 made every kernel 20-50x slower than with 8-float ones.
 * Here: direct and depthwise convolution, the depthwise kernel gradient, Dense
 * of a few rows, MaxPooling2D 2x2, the Winograd F(4x4, 3x3) transforms and the
 * BatchNormalization passes.
 *
 * The convolution reads its input where it lies, no im2col: the row of the
 * implicit im2col matrix for output pixel p is the KH x KW window of C-vectors
 * at p. A tile of R output pixels x NF * VL filters lives in registers;
 * each step broadcasts one input value per pixel and multiplies it with NF
 * vectors of the kernel (KH, KW, C, F). Padding is done by copying the image
 * into a zero-bordered scratch, so the inner loops have no bounds checks.
 */
#include <immintrin.h>
#include <string.h>
#include "nn-kernels.h"
#include "nn-simd.h"

#if defined NN_SIMD_AVX512
#pragma GCC target ("avx512f,avx512vl,avx512dq,avx512bw,fma")
#define VL 16 /* floats per vector: one AVX-512 register */
#define SIMD(name) name##_avx512
#elif defined NN_SIMD_AVX2
#pragma GCC target ("avx2,fma")
#define VL 8 /* one AVX2 register */
#define SIMD(name) name##_avx2
#else
#error "compile with -DNN_SIMD_AVX512 or -DNN_SIMD_AVX2 (src/core/nn/meson.build)"
#endif
/* Callers hand over channels in multiples of NN_LANES, which VL divides. */
G_STATIC_ASSERT (NN_LANES % VL == 0);

#define VBYTES (VL * 4)
typedef float vf __attribute__ ((vector_size (VBYTES)));
typedef float vfu __attribute__ ((vector_size (VBYTES), aligned (4)));
typedef int vi __attribute__ ((vector_size (VBYTES)));
typedef unsigned char vb __attribute__ ((vector_size (VL))); /* a byte per lane */

#define LOADU(p) (*(const vfu *) (p))
#define STOREU(p, v) (*(vfu *) (p) = (v))
#define INLINE static inline __attribute__ ((always_inline))

/* ---- the tile -------------------------------------------------------------- */

#define vrelu(v) ((vf) ((vi) (v) & ((v) > (vf){ 0 })))

/* The tile is spelled out with one variable per accumulator: GCC keeps named
 * vector variables in registers, where an array of them would sit in memory.
 * REPn (M) expands M (0) .. M (n - 1). Accumulators of unused filter blocks
 * (j >= NF) are dead code and vanish. */
#define REP1(M) M (0)
#define REP2(M) M (0) M (1)
#define REP3(M) M (0) M (1) M (2)
#define REP4(M) M (0) M (1) M (2) M (3)
#define REP5(M) REP4 (M) M (4)
#define REP6(M) REP5 (M) M (5)
#define REP8(M) REP6 (M) M (6) M (7)
#define REP12(M) REP8 (M) M (8) M (9) M (10) M (11)
#define REP16(M) REP12 (M) M (12) M (13) M (14) M (15)

#define DECL(r) vf a##r##_0 = { 0 }, a##r##_1 = { 0 }, a##r##_2 = { 0 }, a##r##_3 = { 0 };
#define OFF(r) const int o##r = xoff[r];
/* One input value of pixel r times the NF weight vectors, into r's sums. */
#define STEP_WITH(r, value)                     \
  {                                             \
    float xb = (value);                         \
    a##r##_0 += w0 * xb;                        \
    if (NF > 1)                                 \
      a##r##_1 += w1 * xb;                      \
    if (NF > 2)                                 \
      a##r##_2 += w2 * xb;                      \
    if (NF > 3)                                 \
      a##r##_3 += w3 * xb;                      \
  }
#define STEP(r) STEP_WITH (r, xp[o##r + c * xrs])
#define OUT1(r, j)                                                        \
  {                                                                       \
    vf v = a##r##_##j * sc##j + sh##j;                                   \
    if (a->accumulate)                                                    \
      v += LOADU (y + (size_t) (r) * a->y_pixel_stride + f0 + VL * (j));  \
    if (a->relu)                                                          \
      v = vrelu (v);                                                     \
    STOREU (y + (size_t) (r) * a->y_pixel_stride + f0 + VL * (j), v);     \
  }
#define OUT(r)          \
  OUT1 (r, 0)           \
  if (NF > 1)           \
    OUT1 (r, 1)         \
  if (NF > 2)           \
    OUT1 (r, 2)         \
  if (NF > 3)           \
    OUT1 (r, 3)

#define LOADW(j) (NF > (j) ? LOADU (wp + (size_t) c * F + VL * (j)) : (vf){ 0 })
#define EPI(j)                                                                         \
  vf sc##j = a->scale && NF > (j) ? LOADU (a->scale + f0 + VL * (j)) : (vf){ 0 } + 1.0f; \
  vf sh##j = a->shift && NF > (j) ? LOADU (a->shift + f0 + VL * (j)) : (vf){ 0 };

/* y[r, f0 .. f0 + VL NF) = epilogue (sum over the window at x + xoff[r] of x * w) */
#define TILE(NAME, NF_, REP)                                                        \
  INLINE void NAME (const NnDirectConv *a, const float *x, const int *xoff, float *y, \
                    int f0)                                                         \
  {                                                                                 \
    const int NF = NF_;                                                             \
    REP (DECL)                                                                      \
    REP (OFF)                                                                       \
    const int C = a->c, F = a->f, xrs = a->x_red_stride;                            \
    for (int ky = 0; ky < a->kh; ky++)                                              \
      for (int kx = 0; kx < a->kw; kx++)                                            \
        {                                                                           \
          const float *xp = x + ((size_t) ky * a->x_row + kx) * C;                  \
          const float *wp = a->w + ((size_t) (ky * a->kw + kx) * C) * F + f0;       \
          for (int c = 0; c < C; c++)                                               \
            {                                                                       \
              vf w0 = LOADW (0), w1 = LOADW (1), w2 = LOADW (2), w3 = LOADW (3);   \
              REP (STEP)                                                            \
            }                                                                       \
        }                                                                           \
    EPI (0) EPI (1) EPI (2) EPI (3)                                                 \
    REP (OUT)                                                                       \
  }

/* Output pixels p .. end in full tiles of R, then 4, then 1. */
#define TILES(NAME, R, p, end)                                                  \
  for (; p + R <= end; p += R)                                                  \
    NAME##_big (a, x, xoff + p, y + (size_t) p * a->y_pixel_stride, f0);        \
  for (; p + 4 <= end; p += 4)                                                  \
    NAME##_4 (a, x, xoff + p, y + (size_t) p * a->y_pixel_stride, f0);          \
  for (; p < end; p++)                                                          \
    NAME##_1 (a, x, xoff + p, y + (size_t) p * a->y_pixel_stride, f0);

/* A run of n output pixels. xoff[p] is where the window of output pixel p starts
 * in x (floats). */
#define RUN(NAME, NF, RBIG, R)                                                        \
  TILE (NAME##_big, NF, REP##RBIG)                                                    \
  TILE (NAME##_4, NF, REP4)                                                           \
  TILE (NAME##_1, NF, REP1)                                                           \
  INLINE void NAME (const NnDirectConv *a, const float *x, const int *xoff, float *y, \
                    int n, int f0)                                                    \
  {                                                                                   \
    int p = 0;                                                                        \
    TILES (NAME, R, p, n)                                                             \
  }

/* The body of a row function: the runs over all filter blocks, blocks of 4 then
 * what is left (6 as 3 + 3). */
#define BLOCKS(RUN4, RUN3, RUN2, RUN1)              \
  {                                                 \
    int f0 = 0, left = a->f / VL;                   \
    if (left == 6)                                  \
      {                                             \
        RUN3 (a, x, xoff, y, n, 0);                 \
        RUN3 (a, x, xoff, y, n, 3 * VL);            \
        return;                                     \
      }                                             \
    for (; left >= 4; left -= 4, f0 += 4 * VL)      \
      RUN4 (a, x, xoff, y, n, f0);                  \
    if (left == 3)                                  \
      RUN3 (a, x, xoff, y, n, f0);                  \
    else if (left == 2)                             \
      RUN2 (a, x, xoff, y, n, f0);                  \
    else if (left == 1)                             \
      RUN1 (a, x, xoff, y, n, f0);                  \
  }

/* R4 .. R1 are the rows of a tile for 4 .. 1 blocks of filters, so that the sums
 * and the blocks' weights fit the registers (32 with AVX-512, 16 with AVX2). With
 * 4 blocks, 6 rows left GCC three sums short, kept on the stack and reloaded at
 * every step; 5 rows fit (nn-layer-bench advanced 32, predict: conv2d_3 14-15 ->
 * 12.4-12.8 µs per image, conv2d_2's Winograd products 35-36 -> 32-33). With
 * AVX2 the spilled tiles measured faster than smaller ones. */
#define ROW(SUFFIX, R4, R3, R2, R1)                                                 \
  RUN (run4_##SUFFIX, 4, R4, R4)                                                     \
  RUN (run3_##SUFFIX, 3, R3, R3)                                                     \
  RUN (run2_##SUFFIX, 2, R2, R2)                                                     \
  RUN (run1_##SUFFIX, 1, R1, R1)                                                     \
  INLINE void row_##SUFFIX (const NnDirectConv *a, const float *x, const int *xoff, \
                            float *y, int n)                                         \
  BLOCKS (run4_##SUFFIX, run3_##SUFFIX, run2_##SUFFIX, run1_##SUFFIX)

#if VL == 16
ROW (simd, 5, 8, 12, 16) /* 20 to 24 of the 32 registers hold sums */
#else
ROW (simd, 3, 4, 6, 12)  /* 12 of the 16 */
#endif

/* The same for a 1 x 1 kernel whose pixels lie one after another, C known when
 * compiled: each pixel's input is at a constant distance from the first's, so
 * the tile needs one address register where the general one needs a register
 * (or, past 16 of them, a reload from the stack) per pixel. */
#define PSTEP(r) STEP_WITH (r, xp[(r) * CC + c])
#define PTILE(NAME, NF_, REP, CC_)                                                   \
  INLINE void NAME (const NnDirectConv *a, const float *x, const int *xoff, float *y, \
                    int f0)                                                         \
  {                                                                                 \
    const int NF = NF_, CC = CC_, F = a->f;                                         \
    REP (DECL)                                                                      \
    const float *xp = x + xoff[0];                                                  \
    const float *wp = a->w + f0;                                                    \
    for (int c = 0; c < CC; c++)                                                    \
      {                                                                             \
        vf w0 = LOADW (0), w1 = LOADW (1), w2 = LOADW (2), w3 = LOADW (3);         \
        REP (PSTEP)                                                                 \
      }                                                                             \
    EPI (0) EPI (1) EPI (2) EPI (3)                                                 \
    REP (OUT)                                                                       \
  }
#define PRUN(NAME, NF, RBIG, R, CC)                                                   \
  PTILE (NAME##_big, NF, REP##RBIG, CC)                                               \
  PTILE (NAME##_4, NF, REP4, CC)                                                      \
  PTILE (NAME##_1, NF, REP1, CC)                                                      \
  INLINE void NAME (const NnDirectConv *a, const float *x, const int *xoff, float *y, \
                    int n, int f0)                                                    \
  {                                                                                   \
    int p = 0, s = a->x_pixel_stride;                                                 \
    for (; p + R <= n; p += R)                                                        \
      NAME##_big (a, x + (size_t) p * s, xoff, y + (size_t) p * a->y_pixel_stride, f0); \
    for (; p + 4 <= n; p += 4)                                                        \
      NAME##_4 (a, x + (size_t) p * s, xoff, y + (size_t) p * a->y_pixel_stride, f0); \
    for (; p < n; p++)                                                                \
      NAME##_1 (a, x + (size_t) p * s, xoff, y + (size_t) p * a->y_pixel_stride, f0); \
  }
#define PROW(SUFFIX, R4, R3, R2, R1, CC)                                             \
  PRUN (prun4_##SUFFIX, 4, R4, R4, CC)                                                \
  PRUN (prun3_##SUFFIX, 3, R3, R3, CC)                                                \
  PRUN (prun2_##SUFFIX, 2, R2, R2, CC)                                                \
  PRUN (prun1_##SUFFIX, 1, R1, R1, CC)                                                \
  INLINE void prow_##SUFFIX (const NnDirectConv *a, const float *x, const int *xoff, \
                             float *y, int n)                                         \
  BLOCKS (prun4_##SUFFIX, prun3_##SUFFIX, prun2_##SUFFIX, prun1_##SUFFIX)

#if VL == 16
PROW (c32, 5, 8, 12, 16, 32)
PROW (c64, 5, 8, 12, 16, 64)
PROW (c96, 5, 8, 12, 16, 96)
#else
PROW (c32, 3, 4, 6, 12, 32)
PROW (c64, 3, 4, 6, 12, 64)
PROW (c96, 3, 4, 6, 12, 96)
#endif

/* The same for a 3 x 3 kernel on one channel (a network's first layer) over
 * pixels of one output row, which lie one after another: each tap's input is at
 * a constant distance from the first pixel's, so the nine taps unroll with
 * constant addresses, where the general tile loops over them with an address
 * register per pixel (nn-layer-bench, predict: advanced's conv2d 9.8 -> 8.2 µs per
 * image, cnn's 10.6 -> 7.9). */
#define C1STEP(r) STEP_WITH (r, xp[r])
#define C1TILE(NAME, NF_, REP)                                                       \
  INLINE void NAME (const NnDirectConv *a, const float *x, const int *xoff, float *y, \
                    int f0)                                                         \
  {                                                                                 \
    const int NF = NF_, F = a->f, c = 0;                                            \
    REP (DECL)                                                                      \
    _Pragma ("GCC unroll 3") for (int ky = 0; ky < 3; ky++)                         \
      _Pragma ("GCC unroll 3") for (int kx = 0; kx < 3; kx++)                       \
      {                                                                             \
        const float *xp = x + xoff[0] + (size_t) ky * a->x_row + kx;                \
        const float *wp = a->w + (size_t) (ky * 3 + kx) * F + f0;                   \
        vf w0 = LOADW (0), w1 = LOADW (1), w2 = LOADW (2), w3 = LOADW (3);         \
        REP (C1STEP)                                                                \
      }                                                                             \
    EPI (0) EPI (1) EPI (2) EPI (3)                                                 \
    REP (OUT)                                                                       \
  }
/* Runs of pixels that lie in one row each. */
#define C1RUN(NAME, NF, R)                                                            \
  C1TILE (NAME##_big, NF, REP##R)                                                     \
  C1TILE (NAME##_4, NF, REP4)                                                         \
  C1TILE (NAME##_1, NF, REP1)                                                         \
  INLINE void NAME (const NnDirectConv *a, const float *x, const int *xoff, float *y, \
                    int n, int f0)                                                    \
  {                                                                                   \
    for (int p = 0, end; p < n; p = end)                                              \
      {                                                                               \
        for (end = p + 1; end < n && xoff[end] == xoff[p] + (end - p); end++)         \
          ;                                                                           \
        TILES (NAME, R, p, end)                                                       \
      }                                                                               \
  }
#define C1ROW(SUFFIX, R4, R3, R2, R1)                                                \
  C1RUN (c1run4_##SUFFIX, 4, R4)                                                     \
  C1RUN (c1run3_##SUFFIX, 3, R3)                                                     \
  C1RUN (c1run2_##SUFFIX, 2, R2)                                                     \
  C1RUN (c1run1_##SUFFIX, 1, R1)                                                     \
  INLINE void c1row_##SUFFIX (const NnDirectConv *a, const float *x, const int *xoff, \
                              float *y, int n)                                        \
  BLOCKS (c1run4_##SUFFIX, c1run3_##SUFFIX, c1run2_##SUFFIX, c1run1_##SUFFIX)

#if VL == 16
C1ROW (k3, 5, 8, 12, 16)
#else
C1ROW (k3, 3, 4, 6, 12)
#endif

void
SIMD (nn_direct_conv_rows) (const NnDirectConv *a, const float *x, const int *xoff, float *y,
                            int n)
{
  gboolean pointwise = a->x_pixel_stride == a->c && a->kh == 1 && a->kw == 1
                       && a->x_red_stride == 1;
  if (pointwise && a->c == 32)
    prow_c32 (a, x, xoff, y, n);
  else if (pointwise && a->c == 64)
    prow_c64 (a, x, xoff, y, n);
  else if (pointwise && a->c == 96)
    prow_c96 (a, x, xoff, y, n);
  else if (a->c == 1 && a->kh == 3 && a->kw == 3)
    c1row_k3 (a, x, xoff, y, n);
  else
    row_simd (a, x, xoff, y, n);
}

/* ---- depthwise -------------------------------------------------------------- */

/* The scale, shift and ReLU of a depthwise output vector, stored at pixel p. */
#define DEPTHWISE_STORE(acc, p)                                                      \
  do                                                                                \
    {                                                                               \
      vf v_ = (acc) * sc + sh;                                                      \
      STOREU (y + (size_t) (p) * a->y_pixel_stride + c0, a->relu ? vrelu (v_) : v_); \
    }                                                                               \
  while (0)

/* y (n pixels, C) = sum over the KH x KW window of x * k, C a multiple of VL,
 * depth multiplier 1. The kernel of a VL-channel block stays in registers.
 * GROUP pixels go together: one pixel's taps form a chain of dependent
 * multiply-adds that waits on the FMA latency, GROUP chains keep the units busy
 * (a 28 x 28 x 32 map: 27.6 µs per image one pixel at a time, 16.8 four at a
 * time, 14.5 eight at a time with AVX-512). GROUP is a constant at each call. */
INLINE void
depthwise_rows (const NnDirectConv *a, const float *x, const int *xoff, float *y, int n,
                const int group, const int KH, const int KW)
{
  const int C = a->c;
  for (int c0 = 0; c0 < C; c0 += VL)
    {
      vf k[25];
      int t = 0;
      for (int ky = 0; ky < KH; ky++)
        for (int kx = 0; kx < KW; kx++, t++)
          k[t] = LOADU (a->w + (size_t) t * C + c0);
      vf sc = a->scale ? LOADU (a->scale + c0) : (vf){ 0 } + 1.0f;
      vf sh = a->shift ? LOADU (a->shift + c0) : (vf){ 0 };
      int p = 0;
      for (; p + group <= n; p += group)
        {
          const float *xs[8];
          vf s[8];
#pragma GCC unroll 8
          for (int j = 0; j < group; j++)
            {
              xs[j] = x + xoff[p + j] + c0;
              s[j] = (vf){ 0 };
            }
          t = 0;
#pragma GCC unroll 5
          for (int ky = 0; ky < KH; ky++)
#pragma GCC unroll 5
            for (int kx = 0; kx < KW; kx++, t++)
              {
                size_t o = ((size_t) ky * a->x_row + kx) * C;
#pragma GCC unroll 8
                for (int j = 0; j < group; j++)
                  s[j] += LOADU (xs[j] + o) * k[t];
              }
#pragma GCC unroll 8
          for (int j = 0; j < group; j++)
            DEPTHWISE_STORE (s[j], p + j);
        }
      for (; p < n; p++)
        {
          const float *xp = x + xoff[p] + c0;
          vf acc = { 0 };
          t = 0;
#pragma GCC unroll 5
          for (int ky = 0; ky < KH; ky++)
#pragma GCC unroll 5
            for (int kx = 0; kx < KW; kx++, t++)
              acc += LOADU (xp + ((size_t) ky * a->x_row + kx) * C) * k[t];
          DEPTHWISE_STORE (acc, p);
        }
    }
}
#undef DEPTHWISE_STORE

void
SIMD (nn_direct_depthwise_rows) (const NnDirectConv *a, const float *x, const int *xoff,
                                 float *y, int n)
{
  /* 9 taps and 8 sums in 32 registers, or 9 and 4 in 16. A 3 x 3 kernel known
   * when compiled unrolls its taps and stays in registers (nn-layer-bench
   * advanced 32, predict: depthwise_conv2d 12.9-13.7 -> 11.3-11.7 µs per image). */
  if (a->kh == 3 && a->kw == 3)
    depthwise_rows (a, x, xoff, y, n, VL == 16 ? 8 : 4, 3, 3);
  else
    depthwise_rows (a, x, xoff, y, n, VL == 16 ? 8 : 4, a->kh, a->kw);
}

/* ---- depthwise kernel gradient -------------------------------------------------- */

/* dk[t, c] += sum over p < n of x[p * C + toff[t] + c] * dz[p * C + c], for the
 * KH x KW taps t; C a multiple of VL. */
INLINE void
depthwise_dk (float *dk, const float *x, const float *dz, const int *toff, int taps, int C, int n)
{
  /* 3x3: one pass over the pixels with the nine accumulators in registers. */
  if (taps == 9)
    {
      for (int c0 = 0; c0 < C; c0 += VL)
        {
          vf a0 = { 0 }, a1 = { 0 }, a2 = { 0 }, a3 = { 0 }, a4 = { 0 }, a5 = { 0 }, a6 = { 0 },
              a7 = { 0 }, a8 = { 0 };
          const float *xp = x + c0, *dp = dz + c0;
          for (int p = 0; p < n; p++, xp += C, dp += C)
            {
              vf g = LOADU (dp);
              a0 += LOADU (xp + toff[0]) * g;
              a1 += LOADU (xp + toff[1]) * g;
              a2 += LOADU (xp + toff[2]) * g;
              a3 += LOADU (xp + toff[3]) * g;
              a4 += LOADU (xp + toff[4]) * g;
              a5 += LOADU (xp + toff[5]) * g;
              a6 += LOADU (xp + toff[6]) * g;
              a7 += LOADU (xp + toff[7]) * g;
              a8 += LOADU (xp + toff[8]) * g;
            }
          float *d = dk + c0;
          STOREU (d, LOADU (d) + a0);
          STOREU (d + C, LOADU (d + C) + a1);
          STOREU (d + 2 * C, LOADU (d + 2 * C) + a2);
          STOREU (d + 3 * C, LOADU (d + 3 * C) + a3);
          STOREU (d + 4 * C, LOADU (d + 4 * C) + a4);
          STOREU (d + 5 * C, LOADU (d + 5 * C) + a5);
          STOREU (d + 6 * C, LOADU (d + 6 * C) + a6);
          STOREU (d + 7 * C, LOADU (d + 7 * C) + a7);
          STOREU (d + 8 * C, LOADU (d + 8 * C) + a8);
        }
      return;
    }
  for (int c0 = 0; c0 < C; c0 += VL)
    for (int t = 0; t < taps; t++)
      {
        vf acc0 = { 0 }, acc1 = { 0 };
        const float *xp = x + toff[t] + c0, *dp = dz + c0;
        int p = 0;
        for (; p + 2 <= n; p += 2)
          {
            acc0 += LOADU (xp + (size_t) p * C) * LOADU (dp + (size_t) p * C);
            acc1 += LOADU (xp + (size_t) (p + 1) * C) * LOADU (dp + (size_t) (p + 1) * C);
          }
        for (; p < n; p++)
          acc0 += LOADU (xp + (size_t) p * C) * LOADU (dp + (size_t) p * C);
        STOREU (dk + (size_t) t * C + c0, LOADU (dk + (size_t) t * C + c0) + acc0 + acc1);
      }
}

void
SIMD (nn_direct_depthwise_dk) (float *dk, const float *x, const float *dz, const int *toff,
                               int taps, int C, int n)
{
  depthwise_dk (dk, x, dz, toff, taps, C, n);
}

/* ---- element-wise kernels ------------------------------------------------------ */

/* Columns [f_lo, f_hi) of y (rows, F) = x (rows, K) W (K, F) [+ bias] for a few
 * rows, F and the bounds multiples of VL: reads W once for up to 4 rows and
 * skips the zero inputs that relu leaves. */
INLINE void
dense_rows (float *y, const float *x, const float *w, const float *bias, int rows, int K, int F,
            int f_lo, int f_hi)
{
  for (int r0 = 0; r0 < rows; r0 += 4)
    {
      int nr = MIN (4, rows - r0);
      for (int f0 = f_lo; f0 < f_hi; f0 += 4 * VL)
        {
          int nb = MIN (4, (f_hi - f0) / VL);
          vf acc[4][4];
          for (int r = 0; r < 4; r++)
            for (int j = 0; j < 4; j++)
              acc[r][j] = bias && j < nb ? LOADU (bias + f0 + VL * j) : (vf){ 0 };
          for (int k = 0; k < K; k++)
            {
              const float *wk = w + (size_t) k * F + f0;
              for (int r = 0; r < nr; r++)
                {
                  float xv = x[(size_t) (r0 + r) * K + k];
                  if (xv == 0.0f)
                    continue;
                  for (int j = 0; j < nb; j++)
                    acc[r][j] += LOADU (wk + VL * j) * xv;
                }
            }
          for (int r = 0; r < nr; r++)
            for (int j = 0; j < nb; j++)
              STOREU (y + (size_t) (r0 + r) * F + f0 + VL * j, acc[r][j]);
        }
    }
}

void
SIMD (nn_dense_rows) (float *y, const float *x, const float *w, const float *bias, int rows,
                      int K, int F, int f_lo, int f_hi)
{
  dense_rows (y, x, w, bias, rows, K, F, f_lo, f_hi);
}

/* dz = dy where y > 0, else 0: a relu's backward over n floats, n a multiple of VL. */
void
SIMD (nn_relu_backward) (float *dz, const float *dy, const float *y, size_t n)
{
  for (size_t i = 0; i < n; i += VL)
    STOREU (dz + i, (vf) ((vi) LOADU (dy + i) & (LOADU (y + i) > (vf){ 0 })));
}

/* The same over rows of F (a multiple of VL), with db (F) += the sum of dz's
 * rows: a Conv2D's relu and bias gradient in one pass over its map. Each block
 * of channels adds its rows in registers, then to db. */
void
SIMD (nn_relu_backward_bias) (float *dz, const float *dy, const float *y, float *db, size_t rows,
                              int F)
{
  enum { BLOCK = 4 };
  for (int f0 = 0; f0 < F; f0 += BLOCK * VL)
    {
      int nv = MIN (BLOCK, (F - f0) / VL);
      vf acc[BLOCK] = { { 0 } };
      for (size_t r = 0; r < rows; r++)
        {
          size_t o = r * F + f0;
          for (int v = 0; v < BLOCK; v++)
            if (v < nv)
              {
                vf d = (vf) ((vi) LOADU (dy + o + v * VL) & (LOADU (y + o + v * VL) > (vf){ 0 }));
                STOREU (dz + o + v * VL, d);
                acc[v] += d;
              }
        }
      for (int v = 0; v < nv; v++)
        STOREU (db + f0 + v * VL, LOADU (db + f0 + v * VL) + acc[v]);
    }
}

/* MaxPooling2D 2x2, stride 2, 'valid', C a multiple of VL, one image:
 * forward, and backward routing dy to the first maximum of each window.
 * Training's forward also records each output's window cell in arg (one byte:
 * the cell 0..3, plus NN_POOL_ARG_NOT_POSITIVE where the maximum is not above
 * 0), so that its backward reads neither x nor y. */
INLINE void
max_pool2_forward (float *y, guint8 *arg, const float *x, int H, int W, int C)
{
  int OH = H / 2, OW = W / 2;
  for (int oh = 0; oh < OH; oh++)
    for (int ow = 0; ow < OW; ow++)
      for (int c0 = 0; c0 < C; c0 += VL)
        {
          const float *p = x + ((size_t) (2 * oh) * W + 2 * ow) * C + c0;
          vf a = LOADU (p), b = LOADU (p + C), c = LOADU (p + (size_t) W * C),
              d = LOADU (p + (size_t) W * C + C);
          /* (b > a ? b : a) keeps the first of equal values, as the backward expects */
          vi m = b > a;
          vi cell = m & 1;
          a = (vf) (((vi) b & m) | ((vi) a & ~m));
          m = c > a;
          cell = (cell & ~m) | (m & 2);
          a = (vf) (((vi) c & m) | ((vi) a & ~m));
          m = d > a;
          cell = (cell & ~m) | (m & 3);
          a = (vf) (((vi) d & m) | ((vi) a & ~m));
          size_t o = ((size_t) oh * OW + ow) * C + c0;
          STOREU (y + o, a);
          if (arg)
            {
              cell |= ~(a > (vf){ 0 }) & NN_POOL_ARG_NOT_POSITIVE;
              vb bytes = __builtin_convertvector (cell, vb);
              memcpy (arg + o, &bytes, VL);
            }
        }
}

INLINE void
max_pool2_backward (float *dx, const float *x, const float *y, const float *dy, int H, int W, int C,
                    gboolean relu)
{
  int OH = H / 2, OW = W / 2;
  if (H % 2 || W % 2)
    memset (dx, 0, (size_t) H * W * C * sizeof (float));
  for (int oh = 0; oh < OH; oh++)
    for (int ow = 0; ow < OW; ow++)
      for (int c0 = 0; c0 < C; c0 += VL)
        {
          size_t o = ((size_t) oh * OW + ow) * C + c0;
          vf ym = LOADU (y + o), g = LOADU (dy + o);
          if (relu)
            g = (vf) ((vi) g & (ym > (vf){ 0 }));
          size_t at[4] = { ((size_t) (2 * oh) * W + 2 * ow) * C + c0, 0, 0, 0 };
          at[1] = at[0] + C;
          at[2] = at[0] + (size_t) W * C;
          at[3] = at[2] + C;
          vi taken = { 0 };
          for (int q = 0; q < 4; q++)
            {
              vi hit = (LOADU (x + at[q]) == ym) & ~taken;
              taken |= hit;
              STOREU (dx + at[q], (vf) ((vi) g & hit));
            }
        }
}

void
SIMD (nn_max_pool2_forward) (float *y, guint8 *arg, const float *x, int H, int W, int C)
{
  max_pool2_forward (y, arg, x, H, W, C);
}

/* dx from dy and the cells the forward recorded: 4 stores per output, no loads
 * of x or y. */
void
SIMD (nn_max_pool2_backward_arg) (float *dx, const guint8 *arg, const float *dy, int H, int W,
                                  int C, gboolean relu)
{
  int OH = H / 2, OW = W / 2;
  if (H % 2 || W % 2)
    memset (dx, 0, (size_t) H * W * C * sizeof (float));
  vi keep = relu ? (vi) {} + NN_POOL_ARG_NOT_POSITIVE : (vi) {};
  for (int oh = 0; oh < OH; oh++)
    for (int ow = 0; ow < OW; ow++)
      {
        size_t at[4] = { ((size_t) (2 * oh) * W + 2 * ow) * C, 0, 0, 0 };
        at[1] = at[0] + C;
        at[2] = at[0] + (size_t) W * C;
        at[3] = at[2] + C;
        size_t o = ((size_t) oh * OW + ow) * C;
        for (int c0 = 0; c0 < C; c0 += VL)
          {
            vb bytes;
            memcpy (&bytes, arg + o + c0, VL);
            vi cell = __builtin_convertvector (bytes, vi);
            vi g = (vi) LOADU (dy + o + c0) & ((cell & keep) == 0);
            cell &= 3;
            for (int q = 0; q < 4; q++)
              STOREU (dx + at[q] + c0, (vf) (g & (cell == q)));
          }
      }
}

/* One pixel's dx: dy where the window's recorded cell is this pixel's, else 0. */
INLINE void
unpool_pixel (float *d, const guint8 *a, const float *g, int cell, int C)
{
  /* GCC widened the bytes lane by lane from the generic vectors: intrinsics. */
#if VL == 16
  __m128i want = _mm_set1_epi8 ((char) cell), three = _mm_set1_epi8 (3);
  for (int c0 = 0; c0 < C; c0 += VL)
    {
      __m128i bytes = _mm_and_si128 (_mm_loadu_si128 ((const __m128i *) (a + c0)), three);
      __mmask16 m = _mm_cmpeq_epi8_mask (bytes, want);
      _mm512_storeu_ps (d + c0, _mm512_maskz_loadu_ps (m, g + c0));
    }
#else
  __m256i want = _mm256_set1_epi32 (cell), three = _mm256_set1_epi32 (3);
  for (int c0 = 0; c0 < C; c0 += VL)
    {
      __m128i bytes = _mm_loadl_epi64 ((const __m128i *) (a + c0));
      __m256i cells = _mm256_and_si256 (_mm256_cvtepu8_epi32 (bytes), three);
      __m256 m = _mm256_castsi256_ps (_mm256_cmpeq_epi32 (cells, want));
      _mm256_storeu_ps (d + c0, _mm256_and_ps (m, _mm256_loadu_ps (g + c0)));
    }
#endif
}

/* Rows r0 .. r1 of the slice's dx (a row: one pixel's C values, dx at row r0),
 * from dy and the recorded cells, without a relu; an image's cells lie every
 * `cells` bytes. A BatchNormalization that does the pool's backward makes its
 * dy a block of rows at a time with this. */
void
SIMD (nn_max_pool2_backward_rows) (float *dx, const guint8 *arg, const float *dy, size_t r0,
                                   size_t r1, int H, int W, int C, size_t cells)
{
  int OH = H / 2, OW = W / 2;
  size_t per = (size_t) H * W, so = (size_t) OH * OW * C, i = r0 / per;
  int h = (int) (r0 % per / W), w = (int) (r0 % per % W);
  for (size_t r = r0; r < r1; r++)
    {
      float *d = dx + (r - r0) * C;
      if (h < 2 * OH && w < 2 * OW)
        {
          size_t o = ((size_t) (h / 2) * OW + w / 2) * C;
          unpool_pixel (d, arg + i * cells + o, dy + i * so + o, (h & 1) * 2 + (w & 1), C);
        }
      else
        memset (d, 0, C * sizeof (float));
      if (++w == W)
        {
          w = 0;
          if (++h == H)
            {
              h = 0;
              i++;
            }
        }
    }
}

#if VL == 16
/* With mask registers: GCC lowers the generic version's vector compares poorly. */
void
SIMD (nn_max_pool2_backward) (float *dx, const float *x, const float *y, const float *dy, int H,
                              int W, int C, gboolean relu)
{
  int OH = H / 2, OW = W / 2;
  if (H % 2 || W % 2)
    memset (dx, 0, (size_t) H * W * C * sizeof (float));
  for (int oh = 0; oh < OH; oh++)
    for (int ow = 0; ow < OW; ow++)
      {
        size_t a0 = ((size_t) (2 * oh) * W + 2 * ow) * C, a1 = a0 + C;
        size_t a2 = a0 + (size_t) W * C, a3 = a2 + C;
        size_t o = ((size_t) oh * OW + ow) * C;
        for (int c0 = 0; c0 < C; c0 += VL)
          {
            __m512 ym = _mm512_loadu_ps (y + o + c0), g = _mm512_loadu_ps (dy + o + c0);
            if (relu)
              g = _mm512_maskz_mov_ps (_mm512_cmp_ps_mask (ym, _mm512_setzero_ps (), _CMP_GT_OQ), g);
            __mmask16 h0 = _mm512_cmp_ps_mask (_mm512_loadu_ps (x + a0 + c0), ym, _CMP_EQ_OQ);
            __mmask16 h1 = _mm512_cmp_ps_mask (_mm512_loadu_ps (x + a1 + c0), ym, _CMP_EQ_OQ) & ~h0;
            __mmask16 t = h0 | h1;
            __mmask16 h2 = _mm512_cmp_ps_mask (_mm512_loadu_ps (x + a2 + c0), ym, _CMP_EQ_OQ) & ~t;
            t |= h2;
            __mmask16 h3 = ~t;
            _mm512_storeu_ps (dx + a0 + c0, _mm512_maskz_mov_ps (h0, g));
            _mm512_storeu_ps (dx + a1 + c0, _mm512_maskz_mov_ps (h1, g));
            _mm512_storeu_ps (dx + a2 + c0, _mm512_maskz_mov_ps (h2, g));
            _mm512_storeu_ps (dx + a3 + c0, _mm512_maskz_mov_ps (h3, g));
          }
      }
}
#else
void
SIMD (nn_max_pool2_backward) (float *dx, const float *x, const float *y, const float *dy, int H,
                              int W, int C, gboolean relu)
{
  max_pool2_backward (dx, x, y, dy, H, W, C, relu);
}
#endif

/* ---- Winograd F(4x4, 3x3) transforms ------------------------------------------- */

/* r = B^T d for one column (or row) of six values, with
 * B^T = [4 0 -5 0 1 0; 0 -4 -4 1 1 0; 0 4 -4 -1 1 0; 0 -2 -1 2 1 0;
 *        0 2 -1 -2 1 0; 0 4 0 -5 0 1]. */
#define WINO4_BT(r, d0, d1, d2, d3, d4, d5)           \
  do                                                  \
    {                                                 \
      vf s13_ = (d4) - 4.0f * (d2), t13_ = (d3) - 4.0f * (d1); \
      vf s24_ = (d4) - (d2), t24_ = 2.0f * ((d3) - (d1));      \
      r[0] = 4.0f * (d0) - 5.0f * (d2) + (d4);        \
      r[1] = s13_ + t13_;                             \
      r[2] = s13_ - t13_;                             \
      r[3] = s24_ + t24_;                             \
      r[4] = s24_ - t24_;                             \
      r[5] = 4.0f * (d1) - 5.0f * (d3) + (d5);        \
    }                                                 \
  while (0)

/* Input tiles: V[xi, t, c] = (B^T d B)[xi] of the 6x6 patch d at tile t. x is
 * the padded image (Hp, Wp, C); tiles start at (4 ty, 4 tx) and overlap by two
 * columns, whose B^T d is kept for the next tile; V has T rows per xi (T >=
 * th * tw, so that the tiles of several images can follow each other). */
INLINE void
winograd4_input (float *V, const float *x, int wp, int C, int th, int tw, size_t T)
{
  for (int ty = 0; ty < th; ty++)
    for (int c0 = 0; c0 < C; c0 += VL)
      {
        const float *p = x + (size_t) (4 * ty) * wp * C + c0;
        size_t row = (size_t) wp * C;
        vf u[6][6];
#define COLUMN4(j, col)                                                          \
  {                                                                              \
    const float *q = p + (size_t) (col) * C;                                     \
    vf r_[6];                                                                    \
    WINO4_BT (r_, LOADU (q), LOADU (q + row), LOADU (q + 2 * row), LOADU (q + 3 * row), \
              LOADU (q + 4 * row), LOADU (q + 5 * row));                         \
    for (int i_ = 0; i_ < 6; i_++)                                               \
      u[i_][j] = r_[i_];                                                         \
  }
        COLUMN4 (0, 0)
        COLUMN4 (1, 1)
        for (int tx = 0; tx < tw; tx++)
          {
            COLUMN4 (2, 4 * tx + 2)
            COLUMN4 (3, 4 * tx + 3)
            COLUMN4 (4, 4 * tx + 4)
            COLUMN4 (5, 4 * tx + 5)
            size_t t = (size_t) ty * tw + tx;
            for (int i = 0; i < 6; i++)
              {
                vf v[6];
                WINO4_BT (v, u[i][0], u[i][1], u[i][2], u[i][3], u[i][4], u[i][5]);
                for (int j = 0; j < 6; j++)
                  STOREU (V + ((size_t) (i * NN_WINO4_IN + j) * T + t) * C + c0, v[j]);
                u[i][0] = u[i][4];
                u[i][1] = u[i][5];
              }
          }
#undef COLUMN4
      }
}

/* o = A^T m for six values, A^T = [1 1 1 1 1 0; 0 1 -1 2 -2 0; 0 1 1 4 4 0;
 * 0 1 -1 8 -8 1]. */
#define WINO4_AT(o, m0, m1, m2, m3, m4, m5)       \
  do                                              \
    {                                             \
      vf a_ = (m1) + (m2), b_ = (m1) - (m2);      \
      vf c_ = (m3) + (m4), d_ = (m3) - (m4);      \
      o[0] = (m0) + a_ + c_;                      \
      o[1] = b_ + 2.0f * d_;                      \
      o[2] = a_ + 4.0f * c_;                      \
      o[3] = b_ + 8.0f * d_ + (m5);               \
    }                                             \
  while (0)

/* Output tiles: y (OH, OW, F) = epilogue (A^T M A), M (th * tw, NN_WINO4_POINTS, F)
 * this image's tiles, each tile's points together. */
INLINE void
winograd4_output (float *y, const float *M, int oh, int ow, int F, int th, int tw,
                  const float *scale, const float *shift, gboolean relu)
{
  for (int ty = 0; ty < th; ty++)
    for (int tx = 0; tx < tw; tx++)
      for (int f0 = 0; f0 < F; f0 += VL)
        {
          size_t t = (size_t) ty * tw + tx;
          vf r[4][6];
          for (int j = 0; j < 6; j++)
            {
              const float *m = M + ((size_t) t * NN_WINO4_POINTS + j) * F + f0;
              size_t s = (size_t) NN_WINO4_IN * F;
              vf o[4];
              WINO4_AT (o, LOADU (m), LOADU (m + s), LOADU (m + 2 * s), LOADU (m + 3 * s),
                        LOADU (m + 4 * s), LOADU (m + 5 * s));
              for (int i = 0; i < 4; i++)
                r[i][j] = o[i];
            }
          vf sc = scale ? LOADU (scale + f0) : (vf){ 0 } + 1.0f;
          vf sh = shift ? LOADU (shift + f0) : (vf){ 0 };
          for (int i = 0; i < 4; i++)
            {
              int yy = 4 * ty + i;
              if (yy >= oh)
                break;
              vf o[4];
              WINO4_AT (o, r[i][0], r[i][1], r[i][2], r[i][3], r[i][4], r[i][5]);
              float *yr = y + ((size_t) yy * ow + 4 * tx) * F + f0;
              int n = MIN (4, ow - 4 * tx);
              for (int j = 0; j < n; j++)
                {
                  vf v = o[j] * sc + sh;
                  STOREU (yr + (size_t) j * F, relu ? vrelu (v) : v);
                }
            }
        }
}
#undef WINO4_BT
#undef WINO4_AT

/* r = A g for four values, A = (A^T)^T: the transposed output transform. */
#define WINO4_A(r, g0, g1, g2, g3)                         \
  do                                                       \
    {                                                      \
      vf e_ = (g0) + (g2), o_ = (g1) + (g3);               \
      vf e4_ = (g0) + 4.0f * (g2), o8_ = 2.0f * (g1) + 8.0f * (g3); \
      r[0] = (g0);                                         \
      r[1] = e_ + o_;                                      \
      r[2] = e_ - o_;                                      \
      r[3] = e4_ + o8_;                                    \
      r[4] = e4_ - o8_;                                    \
      r[5] = (g3);                                         \
    }                                                      \
  while (0)

/* Output-gradient tiles for the kernel gradient: U[xi, t, f] = (A g A^T)[xi] of
 * the 4x4 tile g of dz (OH, OW, F) at (4 ty, 4 tx), zero outside. Then dW =
 * G^T (sum over tiles of U * V) G, the transpose of the forward algorithm; U has
 * T rows per xi. */
INLINE void
winograd4_dz (float *U, const float *dz, int oh, int ow, int F, int th, int tw, size_t T)
{
  for (int ty = 0; ty < th; ty++)
    for (int tx = 0; tx < tw; tx++)
      {
        int rows = MIN (4, oh - 4 * ty), cols = MIN (4, ow - 4 * tx);
        const float *p = dz + ((size_t) (4 * ty) * ow + 4 * tx) * F;
        size_t t = (size_t) ty * tw + tx;
        for (int f0 = 0; f0 < F; f0 += VL)
          {
            vf g[4][4], r[6][4];
            for (int i = 0; i < 4; i++)
              for (int j = 0; j < 4; j++)
                g[i][j] = i < rows && j < cols ? LOADU (p + ((size_t) i * ow + j) * F + f0)
                                               : (vf){ 0 };
            for (int j = 0; j < 4; j++)
              {
                vf c[6];
                WINO4_A (c, g[0][j], g[1][j], g[2][j], g[3][j]);
                for (int i = 0; i < 6; i++)
                  r[i][j] = c[i];
              }
            for (int i = 0; i < 6; i++)
              {
                vf u[6];
                WINO4_A (u, r[i][0], r[i][1], r[i][2], r[i][3]);
                for (int j = 0; j < 6; j++)
                  STOREU (U + ((size_t) (i * NN_WINO4_IN + j) * T + t) * F + f0, u[j]);
              }
          }
      }
}
#undef WINO4_A

void
SIMD (nn_winograd4_input) (float *V, const float *x, int wp, int C, int th, int tw, size_t T)
{
  winograd4_input (V, x, wp, C, th, tw, T);
}
void
SIMD (nn_winograd4_dz) (float *U, const float *dz, int oh, int ow, int F, int th, int tw, size_t T)
{
  winograd4_dz (U, dz, oh, ow, F, th, tw, T);
}
void
SIMD (nn_winograd4_output) (float *y, const float *M, int oh, int ow, int F, int th,
                            int tw, const float *scale, const float *shift, gboolean relu)
{
  winograd4_output (y, M, oh, ow, F, th, tw, scale, shift, relu);
}

/* ---- BatchNormalization ---------------------------------------------------------- */

/* Rows summed in floats before they are added to the double sums. */
#define BN_FLOAT_ROWS NN_BN_FLOAT_ROWS

/* Channel vectors a pass of bn_sums carries: a row of up to BN_GROUP vectors is
 * read whole, in order, so that a pass streams through memory. A pass per
 * vector of channels, as before, read every row C / VL times at a stride, and
 * the hardware's prefetch kept up so badly that on a Xeon the passes ran at a
 * tenth of the memory's bandwidth. */
#define BN_GROUP 4

/* s1[c] += sum over rows of a'; s2[c] += sum of a' * (b - mb[c]) * sb[c] (mb, sb NULL:
 * 0 and 1), with a' = a where b * ra[c] + ro[c] > 0 and 0 elsewhere (ro NULL:
 * a' = a; the gradient through a fused relu, told from its input b as the
 * forward's bn_apply made it, so that its output need not be read again), for
 * the G vectors of channels at c0. Float sums over BN_FLOAT_ROWS rows, then
 * doubles. G is a constant where this is inlined, so the arrays of vectors
 * become registers. */
INLINE void
bn_sums_group (double *s1, double *s2, const float *a, const float *b, const float *mb,
               const float *sb, const float *ra, const float *ro, size_t rows, int C, int c0,
               int G)
{
  vf m[BN_GROUP], sc[BN_GROUP], rp[BN_GROUP], rr[BN_GROUP];
  for (int g = 0; g < G; g++)
    {
      int c = c0 + g * VL;
      m[g] = mb ? LOADU (mb + c) : (vf){ 0 };
      sc[g] = sb ? LOADU (sb + c) : (vf){ 0 } + 1.0f;
      rp[g] = ro ? LOADU (ra + c) : (vf){ 0 };
      rr[g] = ro ? LOADU (ro + c) : (vf){ 0 };
    }
  double d1[BN_GROUP * VL] = { 0 }, d2[BN_GROUP * VL] = { 0 };
  for (size_t r0 = 0; r0 < rows; r0 += BN_FLOAT_ROWS)
    {
      vf a1[BN_GROUP] = { 0 }, a2[BN_GROUP] = { 0 };
      size_t r1 = MIN (rows, r0 + BN_FLOAT_ROWS);
      for (size_t r = r0; r < r1; r++)
        for (int g = 0; g < G; g++)
          {
            const float *pa = a + r * C + c0 + g * VL, *pb = b + r * C + c0 + g * VL;
            vf va = LOADU (pa), vb = LOADU (pb);
            if (ro)
              va = (vf) ((vi) va & (vb * rp[g] + rr[g] > (vf){ 0 }));
            a1[g] += va;
            a2[g] += va * ((vb - m[g]) * sc[g]);
          }
      for (int g = 0; g < G; g++)
        for (int k = 0; k < VL; k++)
          {
            d1[g * VL + k] += a1[g][k];
            d2[g * VL + k] += a2[g][k];
          }
    }
  for (int i = 0; i < G * VL; i++)
    {
      s1[c0 + i] += d1[i];
      s2[c0 + i] += d2[i];
    }
}

/* bn_sums_group over all of C, a multiple of VL, in the widest groups it divides. */
INLINE void
bn_sums (double *s1, double *s2, const float *a, const float *b, const float *mb,
         const float *sb, const float *ra, const float *ro, size_t rows, int C)
{
  if (C % (4 * VL) == 0)
    for (int c0 = 0; c0 < C; c0 += 4 * VL)
      bn_sums_group (s1, s2, a, b, mb, sb, ra, ro, rows, C, c0, 4);
  else if (C % (2 * VL) == 0)
    for (int c0 = 0; c0 < C; c0 += 2 * VL)
      bn_sums_group (s1, s2, a, b, mb, sb, ra, ro, rows, C, c0, 2);
  else
    for (int c0 = 0; c0 < C; c0 += VL)
      bn_sums_group (s1, s2, a, b, mb, sb, ra, ro, rows, C, c0, 1);
}

/* y = a' * P + b * Q + R per channel (b, Q may be NULL; a' as in bn_sums, which
 * needs b), then relu if asked, C a multiple of VL. Row by row, in memory order;
 * the per-channel coefficients come from L1. */
INLINE void
bn_apply (float *y, const float *a, const float *P, const float *b, const float *Q,
          const float *R, const float *ra, const float *ro, gboolean relu, size_t rows, int C)
{
  for (size_t i = 0; i < rows; i++)
    for (int c0 = 0; c0 < C; c0 += VL)
      {
        size_t at = i * C + c0;
        vf va = LOADU (a + at), vb = b ? LOADU (b + at) : (vf){ 0 };
        if (ro)
          va = (vf) ((vi) va & (vb * LOADU (ra + c0) + LOADU (ro + c0) > (vf){ 0 }));
        vf v = va * LOADU (P + c0) + LOADU (R + c0);
        if (b)
          v += vb * LOADU (Q + c0);
        if (relu)
          v = vrelu (v);
        STOREU (y + at, v);
      }
}

void
SIMD (nn_bn_sums) (double *s1, double *s2, const float *a, const float *b, const float *mb,
                   const float *sb, const float *ra, const float *ro, size_t rows, int C)
{
  bn_sums (s1, s2, a, b, mb, sb, ra, ro, rows, C);
}
void
SIMD (nn_bn_apply) (float *y, const float *a, const float *P, const float *b, const float *Q,
                    const float *R, const float *ra, const float *ro, gboolean relu, size_t rows,
                    int C)
{
  bn_apply (y, a, P, b, Q, R, ra, ro, relu, rows, C);
}

