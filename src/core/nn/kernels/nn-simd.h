/* nn-simd.h: inside kernels/ only: the instruction-set variants that
 * nn-conv-direct.c compiles twice (AVX-512, AVX2 + FMA) and nn-kernels.c picks
 * from at run time. Every function works on NN_LANES channels at a time. */
#pragma once

#include <glib.h>
#include <stddef.h>

G_BEGIN_DECLS

/* A direct convolution over runs of output pixels. */
typedef struct {
  const float *w;      /* (KH, KW, C, F), or (KH, KW, C) for depthwise */
  int kh, kw, c, f;
  int x_row;           /* input pixels per row (of the padded image) */
  int x_red_stride;    /* floats between steps of the reduction over c (1, or C for dW) */
  int y_pixel_stride;  /* floats between neighbouring output pixels */
  int x_pixel_stride;  /* when not 0, xoff[p] = xoff[0] + p * this in every run (a 1 x 1
                        * kernel at stride 1 without padding: its pixels one after another) */
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
                           int K, int F, int f_lo, int f_hi);
void nn_dense_rows_avx2 (float *y, const float *x, const float *w, const float *bias, int rows,
                         int K, int F, int f_lo, int f_hi);
void nn_relu_backward_avx512 (float *dz, const float *dy, const float *y, size_t n);
void nn_relu_backward_avx2 (float *dz, const float *dy, const float *y, size_t n);
void nn_relu_backward_bias_avx512 (float *dz, const float *dy, const float *y, float *db,
                                   size_t rows, int F);
void nn_relu_backward_bias_avx2 (float *dz, const float *dy, const float *y, float *db,
                                 size_t rows, int F);
void nn_max_pool2_forward_avx512 (float *y, guint8 *arg, const float *x, int H, int W, int C);
void nn_max_pool2_backward_arg_avx512 (float *dx, const guint8 *arg, const float *dy, int H,
                                       int W, int C, gboolean relu);
void nn_max_pool2_backward_avx512 (float *dx, const float *x, const float *y, const float *dy,
                                   int H, int W, int C, gboolean relu);
void nn_max_pool2_forward_avx2 (float *y, guint8 *arg, const float *x, int H, int W, int C);
void nn_max_pool2_backward_arg_avx2 (float *dx, const guint8 *arg, const float *dy, int H,
                                     int W, int C, gboolean relu);
void nn_max_pool2_backward_avx2 (float *dx, const float *x, const float *y, const float *dy,
                                 int H, int W, int C, gboolean relu);
void nn_max_pool2_backward_rows_avx512 (float *dx, const guint8 *arg, const float *dy, size_t r0,
                                        size_t r1, int H, int W, int C, size_t cells);
void nn_max_pool2_backward_rows_avx2 (float *dx, const guint8 *arg, const float *dy, size_t r0,
                                      size_t r1, int H, int W, int C, size_t cells);

/* Winograd transforms (see nn-conv-direct.c): input tiles V and output-gradient
 * tiles U (points x T rows), and the output from the products M (th * tw tiles
 * of their points). */
void nn_winograd4_input_avx512 (float *V, const float *x, int wp, int C, int th, int tw,
                                size_t T);
void nn_winograd4_dz_avx512 (float *U, const float *dz, int oh, int ow, int F, int th,
                             int tw, size_t T);
void nn_winograd4_output_avx512 (float *y, const float *M, int oh, int ow, int F,
                                 int th, int tw, const float *scale, const float *shift,
                                 gboolean relu);
void nn_winograd4_input_avx2 (float *V, const float *x, int wp, int C, int th, int tw,
                              size_t T);
void nn_winograd4_dz_avx2 (float *U, const float *dz, int oh, int ow, int F, int th,
                           int tw, size_t T);
void nn_winograd4_output_avx2 (float *y, const float *M, int oh, int ow, int F,
                               int th, int tw, const float *scale, const float *shift,
                               gboolean relu);

void nn_bn_sums_avx512 (double *s1, double *s2, const float *a, const float *b, const float *mb,
                        const float *sb, const float *ra, const float *ro, size_t rows, int C);
void nn_bn_apply_avx512 (float *y, const float *a, const float *P, const float *b, const float *Q,
                         const float *R, const float *ra, const float *ro, gboolean relu, size_t rows, int C);
void nn_bn_sums_avx2 (double *s1, double *s2, const float *a, const float *b, const float *mb,
                      const float *sb, const float *ra, const float *ro, size_t rows, int C);
void nn_bn_apply_avx2 (float *y, const float *a, const float *P, const float *b, const float *Q,
                       const float *R, const float *ra, const float *ro, gboolean relu, size_t rows, int C);

G_END_DECLS
