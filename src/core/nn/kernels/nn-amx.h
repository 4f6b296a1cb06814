/* nn-amx.h: inside kernels/ only: training's convolutions as bf16 multiplies
 * with fp32 sums (nn-amx.c), on AMX tiles at level NN_KERNELS_AMX, on AVX-512
 * BF16 vectors at NN_KERNELS_BF16. */
#pragma once

#include <glib.h>
#include <stddef.h>
#include "nn-kernels.h"

G_BEGIN_DECLS

/* The reduction runs NN_AMX_K bf16 at a time (one tile row); K is padded to it. */
#define NN_AMX_K 32

/* Asks Linux for the tile state, once per process; FALSE when refused. */
gboolean nn_amx_request (void);
/* Conv2D that the AMX products cover in training: stride 1, C and F multiples
 * of 16, 'same' or 'valid'. Scratch for either direction, for one call
 * on any number of images. */
gboolean nn_amx_conv_eligible (const NnConvDims *d);
size_t   nn_amx_conv_scratch_floats (const NnConvDims *d);
/* As nn_conv_kernel_forward without scale (shift: the bias) and parts. */
void     nn_amx_conv_forward (const NnConvDims *d, int n, const float *x, const float *w,
                              float *y, const float *shift, gboolean relu, float *scratch);
/* As nn_conv_kernel_backward. */
void     nn_amx_conv_backward (const NnConvDims *d, int n, const float *x, const float *w,
                               NnConvDzFn dz_fn, void *user, float *dx, float *dw,
                               float *scratch);

G_END_DECLS
