/* nn-kernels.h: the engine's own compute kernels, tried before the generic
 * im2col + GEMM paths. Each fast function returns FALSE when it does not handle
 * a layer's configuration (or the CPU lacks the instructions), and the caller
 * then takes the generic path. */
#pragma once

#include "nn-private.h"

G_BEGIN_DECLS

void nn_im2col (float *col, const float *x, int b, NnShape in, NnShape out,
                const NnConvConfig *cfg);
void nn_col2im (float *dx, const float *dcol, int b, NnShape in, NnShape out,
                const NnConvConfig *cfg);

/* Writes the convolution (without bias or activation) of the call's slice into z. */
gboolean nn_conv_fast_forward (NnCall *c, float *z);
gboolean nn_depthwise_fast_forward (NnCall *c, float *z);

G_END_DECLS
