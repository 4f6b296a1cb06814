/* nn-kernels.h: the engine's own compute kernels, tried before the generic
 * im2col + BLAS paths of layers/.
 *
 * This folder is a leaf: it knows nothing of layers, models or workspaces and
 * works on plain float buffers, sizes and the small parameter structs below.
 * Each fast function returns FALSE when it does not handle a configuration or
 * the CPU lacks the instructions; the caller then takes the generic path.
 * Each kernel family that needs scratch says how much next to it
 * (nn_conv_kernel_scratch_floats); the caller hands in that many floats,
 * 64-byte aligned.
 */
#pragma once

#include <glib.h>
#include <stddef.h>

G_BEGIN_DECLS

/* Floats per vector as the kernels see one: an AVX-512 register (AVX2 holds
 * half of one in each of two registers). Channel counts the fast paths take are
 * multiples of it. */
#define NN_LANES 16
/* Winograd F(4x4, 3x3), for the forward, dx and the kernel gradient: a 6x6
 * input tile gives a 4x4 output tile from 36 points, each a GEMM of its own:
 * 2.25 multiplications per output instead of 9. */
#define NN_WINO4_IN 6
#define NN_WINO4_OUT 4
#define NN_WINO4_POINTS (NN_WINO4_IN * NN_WINO4_IN)

typedef enum {
  NN_KERNELS_GENERIC, /* plain C and BLAS */
  NN_KERNELS_AVX2,    /* AVX2 + FMA */
  NN_KERNELS_AVX512,  /* AVX-512 F/VL/DQ/BW */
  NN_KERNELS_BF16,    /* AVX-512, and training's 1 x 1 convolutions multiply in bf16 (AVX-512 BF16) */
  NN_KERNELS_AMX,     /* AVX-512, and training multiplies in bf16 on AMX tiles */
} NnKernelLevel;

/* The level in use: the best the CPU has (but avx512 where that is bf16), or what
 * nn_kernels_set_level() or the environment variable NN_KERNELS (generic, avx2,
 * avx512, bf16) asked for, never above what the CPU has.
 *
 * Inference computes in fp32 at every level, so that it matches Keras to the
 * last digits. At NN_KERNELS_AMX a training pass multiplies in bf16 with fp32
 * sums (mixed precision; weights, gradients and every other layer stay fp32):
 * the products of its stride-1 Conv2Ds whose channels are multiples of 16,
 * forward, dx and dW (nn-amx.c). At NN_KERNELS_BF16 (AVX-512 BF16 without the
 * tiles) only its 1 x 1 Conv2Ds do, on vectors: the 3 x 3 ones keep Winograd's
 * fp32 products, four times fewer than the direct convolution's where bf16
 * vectors do only twice as many per cycle. That level is used only when asked
 * for. */
NnKernelLevel nn_kernels_level (void);
/* Returns the level actually set. For tests and benchmarks. */
NnKernelLevel nn_kernels_set_level (NnKernelLevel level);
/* The best level the CPU has, whichever is in use. */
NnKernelLevel nn_kernels_cpu_level (void);
const char   *nn_kernels_level_name (NnKernelLevel level);

/* Runs `iterations` rounds of independent multiply-adds at `level` (no higher
 * than nn_kernels_level()) on one thread and returns the FLOPs done; the result
 * goes to *sink so that the compiler keeps the loop. Timed by the caller, it is
 * the core's FMA peak (nn-fma-peak.c). */
guint64       nn_kernels_fma_loop (NnKernelLevel level, guint64 iterations, float *sink);

/* ---- convolution (nn-kernels.c drives, nn-conv-direct.c computes) ----------- */

/* One convolution's geometry, NHWC, kernel (KH, KW, C, F) or (KH, KW, C) for a
 * depthwise one. pt, pl: zero rows above and columns left of the image; the
 * zeros below and right are whatever the output size needs. */
typedef struct {
  int h, w, c;        /* input image */
  int oh, ow, f;      /* output image */
  int kh, kw;
  int stride_h, stride_w;
  int pt, pl;
} NnConvDims;

/* A share of one image's output, for threads that split a small batch layer by
 * layer: part index of count (NN_WHOLE: all of it). Each thread computes the
 * same values it would compute alone, so the split changes no bit. */
typedef struct {
  int index, count;
} NnPart;
#define NN_WHOLE ((NnPart){ 0, 1 })

/* part's share [*lo, *hi) of n things */
static inline void
nn_part_range (NnPart part, int n, int *lo, int *hi)
{
  *lo = (int) ((gint64) n * part.index / part.count);
  *hi = (int) ((gint64) n * (part.index + 1) / part.count);
}

/* Conv2D that Winograd covers: 3x3, stride 1, C and F multiples of NN_LANES. */
gboolean nn_winograd_eligible (const NnConvDims *d);
/* u (NN_WINO4_POINTS, C, F) = G g G^T of each 3x3 kernel g of w (3, 3, C, F), for
 * the forward's F(4x4, 3x3). */
void     nn_winograd4_kernel (float *u, const float *w, int C, int F);
/* It goes by blocks of kernels: how many, and blocks [b0, b1) alone, which give
 * the floats the whole transform gives them (threads may each take a part). */
int      nn_winograd4_kernel_blocks (int C, int F);
void     nn_winograd4_kernel_part (float *u, const float *w, int C, int F, int b0, int b1);

/* Floats of scratch a convolution kernel needs for one image, forward or backward
 * (0 when none of them covers the layer). depthwise: d is a DepthwiseConv2D. */
size_t nn_conv_kernel_scratch_floats (const NnConvDims *d, gboolean depthwise);

/* n images x (n, H, W, C) -> y (n, OH, OW, F) = relu? (conv * scale + shift);
 * scale, shift (F,) or NULL. wino_u: the F(4x4, 3x3) Winograd kernel of w
 * (nn_winograd4_kernel), or NULL for the direct kernel. part: the share of each
 * image's output rows to compute. training: a training pass (mixed precision at
 * NN_KERNELS_AMX). */
gboolean nn_conv_kernel_forward (const NnConvDims *d, int n, const float *x, const float *w,
                                 const float *wino_u, float *y, const float *scale,
                                 const float *shift, gboolean relu, gboolean training,
                                 float *scratch, NnPart part);
/* The same for a DepthwiseConv2D of depth multiplier 1, kernel (KH, KW, C). */
gboolean nn_depthwise_kernel_forward (const NnConvDims *d, int n, const float *x, const float *w,
                                      float *y, const float *scale, const float *shift,
                                      gboolean relu, float *scratch, NnPart part);

/* The backward kernels ask the caller for the gradient at the convolution's
 * output (before its activation) one image at a time: write image i's
 * (OH, OW, F) into dz, ld floats between output rows, and return dz; or, when
 * ld is OW * F and the gradient already lies somewhere, return that. The caller
 * also adds the bias gradient there. */
typedef const float *(*NnConvDzFn) (void *user, int image, float *dz, size_t ld);

/* Backward of a stride-1 Conv2D (or DepthwiseConv2D, depth multiplier 1) on n
 * images: dw (+=) and dx (overwritten), either may be NULL. training: of a
 * training pass, as in nn_conv_kernel_forward (an inference pass's gradients,
 * Grad-CAM's, stay fp32). */
gboolean nn_conv_kernel_backward (const NnConvDims *d, int n, const float *x, const float *w,
                                  NnConvDzFn dz_fn, void *user, float *dx, float *dw,
                                  gboolean training, float *scratch);
gboolean nn_depthwise_kernel_backward (const NnConvDims *d, int n, const float *x,
                                       const float *w, NnConvDzFn dz_fn, void *user, float *dx,
                                       float *dw, float *scratch);

/* ---- dense, pooling, BatchNormalization ------------------------------------ */

/* y (rows, F) = x (rows, K) W (K, F) + bias (bias may be NULL); F a multiple of
 * NN_LANES. part: the share of the columns to compute, in blocks of NN_LANES
 * (nn_part_range of F / NN_LANES); a share of many rows is not covered. */
gboolean nn_dense_kernel (float *y, const float *x, const float *w, const float *bias, int rows,
                          int K, int F, NnPart part);
/* Its gradients from dz (rows, F): dw (K, F) += x^T dz and dx (rows, K) = dz W^T,
 * either may be NULL; K and F multiples of NN_LANES; scratch holds
 * nn_dense_kernel_scratch_floats (K, F). */
gboolean nn_dense_kernel_backward (const float *x, const float *w, const float *dz, int rows,
                                   int K, int F, float *dw, float *dx, float *scratch);
size_t   nn_dense_kernel_scratch_floats (int K, int F);

/* A relu's backward, dz = dy where y > 0, else 0, over n floats (a multiple of
 * NN_LANES); the compiler's vectors for the plain loop are SSE2's. */
gboolean nn_relu_kernel_backward (float *dz, const float *dy, const float *y, size_t n);
/* The same over rows of F (a multiple of NN_LANES), with db (F) += the sum of
 * dz's rows: a layer's relu and bias gradient in one pass. */
gboolean nn_relu_bias_kernel_backward (float *dz, const float *dy, const float *y, float *db,
                                       size_t rows, int F);

/* MaxPooling2D 2x2, stride 2, 'valid' of n images (H, W, C) -> (H/2, W/2, C);
 * backward routes dy to the first maximum of each window and overwrites dx; with
 * relu, only where that maximum is positive (the backward of a relu before the pool).
 * arg, when not NULL, gets each output's window cell (0..3, a byte, plus
 * NN_POOL_ARG_NOT_POSITIVE where the maximum is not above 0): training's backward
 * then needs only dy and arg (nn_max_pool2_kernel_backward_arg). */
#define NN_POOL_ARG_NOT_POSITIVE 4
gboolean nn_max_pool2_kernel_forward (float *y, guint8 *arg, const float *x, int n, int H, int W,
                                      int C);
gboolean nn_max_pool2_kernel_backward (float *dx, const float *x, const float *y,
                                       const float *dy, int n, int H, int W, int C,
                                       gboolean relu);
gboolean nn_max_pool2_kernel_backward_arg (float *dx, const guint8 *arg, const float *dy, int n,
                                           int H, int W, int C, gboolean relu);
/* The same without a relu, for rows r0 .. r1 of the slice's dx only (a row: one
 * pixel's C values; dx holds row r0 first), an image's cells every `cells` bytes. */
gboolean nn_max_pool2_kernel_backward_rows (float *dx, const guint8 *arg, const float *dy,
                                            size_t r0, size_t r1, int H, int W, int C,
                                            size_t cells);

/* BatchNormalization passes (used by layers/nn-norm.c); FALSE unless C is a
 * multiple of NN_LANES and the CPU has AVX2. With a' = a where b RA + RO > 0,
 * else 0 (ro NULL: a' = a; the gradient through a relu fused into the layer,
 * whose output is relu (b RA + RO) for the layer's input b; RA, RO, mb, sb, P,
 * Q, R per channel): s1 += sum a', s2 += sum a' (b - mb) sb;
 * y = a' P + b Q + R, then relu if asked. */
/* nn_bn_sums adds its float sums over blocks of this many rows into doubles: a
 * caller that goes a block at a time gets the same sums to the bit. */
#define NN_BN_FLOAT_ROWS 64
gboolean nn_bn_sums (double *s1, double *s2, const float *a, const float *b, const float *mb,
                     const float *sb, const float *ra, const float *ro, size_t rows, int C);
gboolean nn_bn_apply (float *y, const float *a, const float *P, const float *b, const float *Q,
                      const float *R, const float *ra, const float *ro, gboolean relu,
                      size_t rows, int C);

G_END_DECLS
