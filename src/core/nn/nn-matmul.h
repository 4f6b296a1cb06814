/* nn-matmul.h: plain matrix products for code outside the layers (the
 * not-a-digit detector's fit), on the engine's dense kernels where their shapes
 * allow and BLAS elsewhere. Row-major float matrices. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* c (m, n) = a (m, k) b (k, n). */
void nn_matmul (float *c, const float *a, const float *b, int m, int k, int n);
/* c (k, n) = a^T b, with a (m, k) and b (m, n). */
void nn_matmul_tn (float *c, const float *a, const float *b, int m, int k, int n);

G_END_DECLS
