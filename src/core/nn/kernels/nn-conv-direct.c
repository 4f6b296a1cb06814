/* nn-conv-direct.c: direct NHWC convolution kernels, written once with GCC
 * vector extensions and compiled for AVX-512 and for AVX2 + FMA; the CPU picks
 * one at run time (nn-kernels.c), and plain C (im2col + BLAS) remains the
 * fallback.
 *
 * The convolution reads its input where it lies, no im2col: the row of the
 * implicit im2col matrix for output pixel p is the KH x KW window of C-vectors
 * at p. A tile of R output pixels x NF * 16 filters lives in registers;
 * each step broadcasts one input value per pixel and multiplies it with NF
 * vectors of the kernel (KH, KW, C, F). Padding is done by copying the image
 * into a zero-bordered scratch, so the inner loops have no bounds checks.
 */
#include <string.h>
#include "nn-kernels.h"

typedef float v16 __attribute__ ((vector_size (64)));
typedef float v16u __attribute__ ((vector_size (64), aligned (4)));
typedef int v16i __attribute__ ((vector_size (64)));

#define LOADU(p) (*(const v16u *) (p))
#define STOREU(p, v) (*(v16u *) (p) = (v))
#define INLINE static inline __attribute__ ((always_inline))

/* ---- the tile -------------------------------------------------------------- */

#define relu16(v) ((v16) ((v16i) (v) & ((v) > (v16){ 0 })))

/* The tile is spelled out with one variable per accumulator: GCC keeps named
 * vector variables in registers, where an array of them would sit in memory.
 * REPn (M) expands M (0) .. M (n - 1). Accumulators of unused filter blocks
 * (j >= NF) are dead code and vanish. */
#define REP1(M) M (0)
#define REP2(M) M (0) M (1)
#define REP3(M) M (0) M (1) M (2)
#define REP4(M) M (0) M (1) M (2) M (3)
#define REP6(M) REP4 (M) M (4) M (5)
#define REP8(M) REP6 (M) M (6) M (7)
#define REP12(M) REP8 (M) M (8) M (9) M (10) M (11)
#define REP16(M) REP12 (M) M (12) M (13) M (14) M (15)

#define DECL(r) v16 a##r##_0 = { 0 }, a##r##_1 = { 0 }, a##r##_2 = { 0 }, a##r##_3 = { 0 };
#define OFF(r) const int o##r = xoff[r];
#define STEP(r)                                 \
  {                                             \
    float xb = xp[o##r + c * xrs];              \
    a##r##_0 += w0 * xb;                        \
    if (NF > 1)                                 \
      a##r##_1 += w1 * xb;                      \
    if (NF > 2)                                 \
      a##r##_2 += w2 * xb;                      \
    if (NF > 3)                                 \
      a##r##_3 += w3 * xb;                      \
  }
#define OUT1(r, j)                                                        \
  {                                                                       \
    v16 v = a##r##_##j * sc##j + sh##j;                                   \
    if (a->accumulate)                                                    \
      v += LOADU (y + (size_t) (r) * a->y_pixel_stride + f0 + 16 * (j));  \
    if (a->relu)                                                          \
      v = relu16 (v);                                                     \
    STOREU (y + (size_t) (r) * a->y_pixel_stride + f0 + 16 * (j), v);     \
  }
#define OUT(r)          \
  OUT1 (r, 0)           \
  if (NF > 1)           \
    OUT1 (r, 1)         \
  if (NF > 2)           \
    OUT1 (r, 2)         \
  if (NF > 3)           \
    OUT1 (r, 3)

#define LOADW(j) (NF > (j) ? LOADU (wp + (size_t) c * F + 16 * (j)) : (v16){ 0 })
#define EPI(j)                                                                         \
  v16 sc##j = a->scale && NF > (j) ? LOADU (a->scale + f0 + 16 * (j)) : (v16){ 0 } + 1.0f; \
  v16 sh##j = a->shift && NF > (j) ? LOADU (a->shift + f0 + 16 * (j)) : (v16){ 0 };

/* y[r, f0 .. f0 + 16 NF) = epilogue (sum over the window at x + xoff[r] of x * w) */
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
              v16 w0 = LOADW (0), w1 = LOADW (1), w2 = LOADW (2), w3 = LOADW (3);   \
              REP (STEP)                                                            \
            }                                                                       \
        }                                                                           \
    EPI (0) EPI (1) EPI (2) EPI (3)                                                 \
    REP (OUT)                                                                       \
  }

/* A run of n output pixels: full tiles of R, then 4, then 1. xoff[p] is where
 * the window of output pixel p starts in x (floats). */
#define RUN(NAME, NF, RBIG, R)                                                        \
  TILE (NAME##_big, NF, REP##RBIG)                                                    \
  TILE (NAME##_4, NF, REP4)                                                           \
  TILE (NAME##_1, NF, REP1)                                                           \
  INLINE void NAME (const NnDirectConv *a, const float *x, const int *xoff, float *y, \
                    int n, int f0)                                                    \
  {                                                                                   \
    int p = 0;                                                                        \
    for (; p + R <= n; p += R)                                                        \
      NAME##_big (a, x, xoff + p, y + (size_t) p * a->y_pixel_stride, f0);            \
    for (; p + 4 <= n; p += 4)                                                        \
      NAME##_4 (a, x, xoff + p, y + (size_t) p * a->y_pixel_stride, f0);              \
    for (; p < n; p++)                                                                \
      NAME##_1 (a, x, xoff + p, y + (size_t) p * a->y_pixel_stride, f0);              \
  }

/* Row runs over all filter blocks: blocks of 4 then what is left (6 as 3 + 3).
 * AVX-512 has 32 registers (24 accumulators); AVX2 splits every v16 in two of
 * its 16 registers, so its tiles hold a third as much. */
#define ROW(SUFFIX, R4, R3, R2, R1)                                                  \
  RUN (run4_##SUFFIX, 4, R4, R4)                                                      \
  RUN (run3_##SUFFIX, 3, R3, R3)                                                      \
  RUN (run2_##SUFFIX, 2, R2, R2)                                                      \
  RUN (run1_##SUFFIX, 1, R1, R1)                                                      \
  INLINE void row_##SUFFIX (const NnDirectConv *a, const float *x, const int *xoff,  \
                            float *y, int n)                                          \
  {                                                                                   \
    int f0 = 0;                                                                       \
    int left = a->f / 16;                                                             \
    if (left == 6)                                                                    \
      {                                                                               \
        run3_##SUFFIX (a, x, xoff, y, n, 0);                                                \
        run3_##SUFFIX (a, x, xoff, y, n, 48);                                               \
        return;                                                                       \
      }                                                                               \
    for (; left >= 4; left -= 4, f0 += 64)                                            \
      run4_##SUFFIX (a, x, xoff, y, n, f0);                                                 \
    if (left == 3)                                                                    \
      run3_##SUFFIX (a, x, xoff, y, n, f0);                                                 \
    else if (left == 2)                                                               \
      run2_##SUFFIX (a, x, xoff, y, n, f0);                                                 \
    else if (left == 1)                                                               \
      run1_##SUFFIX (a, x, xoff, y, n, f0);                                                 \
  }

#pragma GCC push_options
#pragma GCC target ("avx512f,avx512vl,avx512dq,avx512bw,fma")
ROW (avx512, 6, 8, 12, 16)

void
nn_direct_conv_rows_avx512 (const NnDirectConv *a, const float *x, const int *xoff, float *y,
                            int n)
{
  row_avx512 (a, x, xoff, y, n);
}
#pragma GCC pop_options

#pragma GCC push_options
#pragma GCC target ("avx2,fma")
ROW (avx2, 1, 2, 3, 6)

void
nn_direct_conv_rows_avx2 (const NnDirectConv *a, const float *x, const int *xoff, float *y,
                          int n)
{
  row_avx2 (a, x, xoff, y, n);
}
#pragma GCC pop_options

/* ---- depthwise -------------------------------------------------------------- */

/* y (n pixels, C) = sum over the KH x KW window of x * k, C a multiple of 16,
 * depth multiplier 1. The kernel of a 16-channel block stays in registers. */
INLINE void
depthwise_rows (const NnDirectConv *a, const float *x, const int *xoff, float *y, int n)
{
  const int C = a->c, taps = a->kh * a->kw;
  for (int c0 = 0; c0 < C; c0 += 16)
    {
      v16 k[25];
      int t = 0;
      for (int ky = 0; ky < a->kh; ky++)
        for (int kx = 0; kx < a->kw; kx++, t++)
          k[t] = LOADU (a->w + (size_t) t * C + c0);
      v16 sc = a->scale ? LOADU (a->scale + c0) : (v16){ 0 } + 1.0f;
      v16 sh = a->shift ? LOADU (a->shift + c0) : (v16){ 0 };
      for (int p = 0; p < n; p++)
        {
          const float *xp = x + xoff[p] + c0;
          v16 acc = { 0 };
          t = 0;
#pragma GCC unroll 5
          for (int ky = 0; ky < a->kh; ky++)
#pragma GCC unroll 5
            for (int kx = 0; kx < a->kw; kx++, t++)
              acc += LOADU (xp + ((size_t) ky * a->x_row + kx) * C) * k[t];
          acc = acc * sc + sh;
          if (a->relu)
            acc = relu16 (acc);
          STOREU (y + (size_t) p * a->y_pixel_stride + c0, acc);
        }
      (void) taps;
    }
}

#pragma GCC push_options
#pragma GCC target ("avx512f,avx512vl,avx512dq,avx512bw,fma")
void
nn_direct_depthwise_rows_avx512 (const NnDirectConv *a, const float *x, const int *xoff,
                                 float *y, int n)
{
  depthwise_rows (a, x, xoff, y, n);
}
#pragma GCC pop_options

#pragma GCC push_options
#pragma GCC target ("avx2,fma")
void
nn_direct_depthwise_rows_avx2 (const NnDirectConv *a, const float *x, const int *xoff,
                               float *y, int n)
{
  depthwise_rows (a, x, xoff, y, n);
}
#pragma GCC pop_options

/* ---- depthwise kernel gradient -------------------------------------------------- */

/* dk[t, c] += sum over p < n of x[p * C + toff[t] + c] * dz[p * C + c], for the
 * KH x KW taps t; C a multiple of 16. */
INLINE void
depthwise_dk (float *dk, const float *x, const float *dz, const int *toff, int taps, int C, int n)
{
  for (int c0 = 0; c0 < C; c0 += 16)
    for (int t = 0; t < taps; t++)
      {
        v16 acc0 = { 0 }, acc1 = { 0 };
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

#pragma GCC push_options
#pragma GCC target ("avx512f,avx512vl,avx512dq,avx512bw,fma")
void
nn_direct_depthwise_dk_avx512 (float *dk, const float *x, const float *dz, const int *toff,
                               int taps, int C, int n)
{
  depthwise_dk (dk, x, dz, toff, taps, C, n);
}
#pragma GCC pop_options

#pragma GCC push_options
#pragma GCC target ("avx2,fma")
void
nn_direct_depthwise_dk_avx2 (float *dk, const float *x, const float *dz, const int *toff,
                             int taps, int C, int n)
{
  depthwise_dk (dk, x, dz, toff, taps, C, n);
}
#pragma GCC pop_options
