/* nn-matmul.c: matrix products on the engine's kernels (see nn-matmul.h). */
#include "nn-matmul.h"
#include "nn-kernels.h"

#include <cblas.h>

void
nn_matmul (float *c, const float *a, const float *b, int m, int k, int n)
{
  if (!nn_dense_kernel (c, a, b, NULL, m, k, n, NN_WHOLE))
    cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasNoTrans, m, n, k, 1.0f, a, k, b, n, 0.0f, c,
                 n);
}

void
nn_matmul_tn (float *c, const float *a, const float *b, int m, int k, int n)
{
  /* a turned, then a plain product: the kernels read a's rows whole (the dense
   * kernel's own weight gradient reads a column at a time, a stride of k apart). */
  g_autofree float *at = g_new (float, (size_t) k * m);
  for (int i = 0; i < m; i++)
    for (int j = 0; j < k; j++)
      at[(size_t) j * m + i] = a[(size_t) i * k + j];
  nn_matmul (c, at, b, k, m, n);
}
