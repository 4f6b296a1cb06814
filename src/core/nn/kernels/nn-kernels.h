/* nn-kernels.h: the engine's own compute kernels, tried before the generic
 * im2col + BLAS paths. Each fast function returns FALSE when it does not handle
 * a layer's configuration or the CPU lacks the instructions; the caller then
 * takes the generic path. */
#pragma once

#include "nn-private.h"

G_BEGIN_DECLS

typedef enum {
  NN_KERNELS_GENERIC, /* plain C and BLAS */
  NN_KERNELS_AVX2,    /* AVX2 + FMA */
  NN_KERNELS_AVX512,  /* AVX-512 F/VL/DQ/BW */
} NnKernelLevel;

/* The level in use: the best the CPU has, or what nn_kernels_set_level() or the
 * environment variable NN_KERNELS (generic, avx2, avx512) asked for, never above
 * what the CPU has. */
NnKernelLevel nn_kernels_level (void);
/* Returns the level actually set. For tests and benchmarks. */
NnKernelLevel nn_kernels_set_level (NnKernelLevel level);
const char   *nn_kernels_level_name (NnKernelLevel level);

void nn_im2col (float *col, const float *x, int b, NnShape in, NnShape out,
                const NnConvConfig *cfg);
void nn_col2im (float *dx, const float *dcol, int b, NnShape in, NnShape out,
                const NnConvConfig *cfg);

/* A direct convolution over runs of output pixels (nn-conv-direct.c). */
typedef struct {
  const float *w;      /* (KH, KW, C, F), or (KH, KW, C) for depthwise */
  int kh, kw, c, f;
  int x_row;           /* input pixels per row (of the padded image) */
  int x_red_stride;    /* floats between steps of the reduction over c (1, or C for dW) */
  int y_pixel_stride;  /* floats between neighbouring output pixels */
  gboolean accumulate; /* y += result instead of y = result */
  const float *scale;  /* (F,) or NULL: y = act (conv * scale + shift) */
  const float *shift;  /* (F,) or NULL */
  gboolean relu;
} NnDirectConv;

/* n output pixels, y dense (n, y_pixel_stride); xoff[p] is where the window of
 * output pixel p starts in x, in floats. */
void nn_direct_conv_rows_avx512 (const NnDirectConv *a, const float *x, const int *xoff,
                                 float *y, int n);
void nn_direct_conv_rows_avx2 (const NnDirectConv *a, const float *x, const int *xoff,
                               float *y, int n);
void nn_direct_depthwise_rows_avx512 (const NnDirectConv *a, const float *x, const int *xoff,
                                      float *y, int n);
void nn_direct_depthwise_rows_avx2 (const NnDirectConv *a, const float *x, const int *xoff,
                                    float *y, int n);

void nn_direct_depthwise_dk_avx512 (float *dk, const float *x, const float *dz, const int *toff,
                                    int taps, int C, int n);
void nn_direct_depthwise_dk_avx2 (float *dk, const float *x, const float *dz, const int *toff,
                                  int taps, int C, int n);

void nn_dense_rows_avx512 (float *y, const float *x, const float *w, const float *bias, int rows,
                           int K, int F);
void nn_dense_rows_avx2 (float *y, const float *x, const float *w, const float *bias, int rows,
                         int K, int F);
void nn_max_pool2_forward_avx512 (float *y, const float *x, int H, int W, int C);
void nn_max_pool2_backward_avx512 (float *dx, const float *x, const float *y, const float *dy,
                                   int H, int W, int C);
void nn_max_pool2_forward_avx2 (float *y, const float *x, int H, int W, int C);
void nn_max_pool2_backward_avx2 (float *dx, const float *x, const float *y, const float *dy,
                                 int H, int W, int C);

void nn_winograd_input_avx512 (float *V, const float *x, int wp, int C, int th, int tw,
                               size_t T);
void nn_winograd_dz_avx512 (float *U, const float *dz, int oh, int ow, int F, int th, int tw,
                            size_t T);
void nn_winograd_output_avx512 (float *y, const float *M, int oh, int ow, int F, int th, int tw,
                                const float *scale, const float *shift, gboolean relu);
void nn_winograd_input_avx2 (float *V, const float *x, int wp, int C, int th, int tw,
                             size_t T);
void nn_winograd_dz_avx2 (float *U, const float *dz, int oh, int ow, int F, int th, int tw,
                          size_t T);
void nn_winograd_output_avx2 (float *y, const float *M, int oh, int ow, int F, int th, int tw,
                              const float *scale, const float *shift, gboolean relu);

/* Winograd F(2x2, 3x3) for 3x3 stride-1 Conv2D with C and F multiples of 16:
 * 2.25 times fewer multiplications than the direct kernel. The transformed
 * kernel U (16, C, F) is kept by the workspace (nn_workspace_winograd_u). */
gboolean nn_winograd_eligible (const NnLayer *l);
void     nn_winograd_kernel (float *u, const float *w, int C, int F);

void nn_bn_sums_avx512 (double *s1, double *s2, const float *a, const float *b, const float *mb,
                        const float *sb, const float *mask, size_t rows, int C);
void nn_bn_apply_avx512 (float *y, const float *a, const float *P, const float *b, const float *Q,
                         const float *R, const float *mask, gboolean relu, size_t rows, int C);
void nn_bn_sums_avx2 (double *s1, double *s2, const float *a, const float *b, const float *mb,
                      const float *sb, const float *mask, size_t rows, int C);
void nn_bn_apply_avx2 (float *y, const float *a, const float *P, const float *b, const float *Q,
                       const float *R, const float *mask, gboolean relu, size_t rows, int C);
/* BatchNormalization passes (see nn-norm.c); FALSE unless C % 16 == 0 and the CPU
 * has AVX2. With a' = a where mask > 0, else 0 (mask NULL: a' = a; the gradient
 * through a relu fused into the layer):  s1 += sum a', s2 += sum a' (b - mb) sb;
 * y = a' P + b Q + R, then relu if asked. */
gboolean nn_bn_sums (double *s1, double *s2, const float *a, const float *b, const float *mb,
                     const float *sb, const float *mask, size_t rows, int C);
gboolean nn_bn_apply (float *y, const float *a, const float *P, const float *b, const float *Q,
                      const float *R, const float *mask, gboolean relu, size_t rows, int C);

/* Dense of a few rows (y = x W + b, no activation), MaxPooling2D 2x2/2 valid
 * forward and backward over the call's slice. FALSE if not covered. */
gboolean nn_dense_direct (NnCall *c, float *z);
gboolean nn_max_pool2_direct (NnCall *c, gboolean backward);

/* Backward of a stride-1 Conv2D / DepthwiseConv2D on the call's slice: bias and
 * kernel gradients added to c->dw, dx written. FALSE if not covered. */
gboolean nn_conv_direct_backward (NnCall *c);
gboolean nn_depthwise_direct_backward (NnCall *c);

/* Conv2D / DepthwiseConv2D of the call's slice into y with the epilogue
 * y = relu? (conv * scale + shift). FALSE if the configuration is not covered. */
gboolean nn_conv_direct (NnCall *c, float *y, const float *scale, const float *shift,
                         gboolean relu);
gboolean nn_depthwise_direct (NnCall *c, float *y, const float *scale, const float *shift,
                              gboolean relu);
/* Floats of per-thread scratch the direct kernels need for one image. */
size_t   nn_direct_scratch_floats (const NnLayer *l);

G_END_DECLS
