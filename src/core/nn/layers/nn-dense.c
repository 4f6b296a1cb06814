/* nn-dense.c: Dense on the last axis, y = act(x W + b) with W (In, Out): the
 * SIMD kernels when the widths are multiples of NN_LANES, BLAS otherwise. */
#include <cblas.h>
#include <string.h>
#include "nn-private.h"
#include "nn-kernels.h"

// y (n, H, W, F) from x (n, H, W, K), kernel (K, F), bias (F,)
static void
nn_dense_forward (NnCall *c)
{
  const NnLayer *l = c->l;
  int K = l->in_shape.c, F = l->out_shape.c;
  size_t rows = (size_t) c->n * l->in_shape.h * l->in_shape.w;
  float *z = c->z ? c->z : c->y;
  if (rows == 0)
    return;
  const float *w = c->m->params + l->vars[0].offset;
  const float *bias = l->cfg.dense.use_bias ? c->m->params + l->vars[1].offset : NULL;
  if (c->part.count == 1 && rows <= G_MAXINT
      && nn_dense_kernel (z, c->x[0], w, bias, (int) rows, K, F, NN_WHOLE))
    {
      if (c->y != z)
        memcpy (c->y, z, rows * F * sizeof (float));
      nn_act_forward (c->y, rows, F, c->act);
      return;
    }
  /* a share of the columns, with their activation when it is one of each value's */
  if (c->part.count > 1 && c->z == NULL && c->act != NN_ACT_SOFTMAX && rows <= G_MAXINT
      && nn_dense_kernel (c->y, c->x[0], w, bias, (int) rows, K, F, c->part))
    {
      int lo, hi;
      nn_part_range (c->part, F / NN_LANES, &lo, &hi);
      for (size_t r = 0; r < rows; r++)
        nn_act_forward (c->y + r * F + lo * NN_LANES, 1, (hi - lo) * NN_LANES, c->act);
      return;
    }
  if (c->part.index > 0) /* BLAS does it whole, on the first part's thread */
    return;
  cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasNoTrans, rows, F, K, 1.0f, c->x[0], K, w, F,
               0.0f, z, F);
  if (bias)
    for (size_t r = 0; r < rows; r++)
      for (int f = 0; f < F; f++)
        z[r * F + f] += bias[f];
  if (c->y != z)
    memcpy (c->y, z, rows * F * sizeof (float));
  nn_act_forward (c->y, rows, F, c->act);
}

static void
nn_dense_backward (NnCall *c)
{
  const NnLayer *l = c->l;
  int K = l->in_shape.c, F = l->out_shape.c;
  size_t rows = (size_t) c->n * l->in_shape.h * l->in_shape.w;
  if (rows == 0)
    return;
  float *dz = c->t->scratch; // (rows, F)
  const float *w = c->m->params + l->vars[0].offset;
  float *dw = c->dw ? c->dw + l->vars[0].offset : NULL;
  nn_act_backward (dz, c->dy, c->y, c->z, rows, F, c->act);
  if (dw && l->cfg.dense.use_bias)
    {
      float *db = c->dw + l->vars[1].offset;
      for (size_t r = 0; r < rows; r++)
        for (int f = 0; f < F; f++)
          db[f] += dz[r * F + f];
    }
  if (rows <= G_MAXINT
      && nn_dense_kernel_backward (c->x[0], w, dz, (int) rows, K, F, dw, c->dx[0],
                                   dz + rows * F))
    return;
  // dw (K, F) += x^T (K, rows) dz (rows, F)
  if (dw)
    cblas_sgemm (CblasRowMajor, CblasTrans, CblasNoTrans, K, F, rows, 1.0f, c->x[0], K, dz, F,
                 1.0f, dw, F);
  if (c->dx[0])
    cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasTrans, rows, K, F, 1.0f, dz, F, w, F, 0.0f,
                 c->dx[0], K);
}

/* backward's dz (rows, F), then the kernel's own scratch */
static void
dense_sizes (const NnLayer *l, int n, NnMode mode, NnLayerSizes *s)
{
  s->scratch = (size_t) n * l->out_shape.h * l->out_shape.w * l->out_shape.c
               + nn_dense_kernel_scratch_floats (l->in_shape.c, l->out_shape.c);
  (void) mode;
}

const NnLayerOps nn_dense_ops = { nn_dense_forward, nn_dense_backward, dense_sizes, TRUE };
