/* nn-tensor.h: the tensor layout of the whole engine, stated once.
 *
 * Activations are float32 NHWC, row-major, batch outermost:
 *   x[((n * H + h) * W + w) * C + c]                                  // (N, H, W, C)
 * A flat vector of D features is the special case H = W = 1, C = D.
 *
 * Weights use Keras's layouts, so a .keras file maps onto memory unchanged:
 *   Conv2D kernel            (KH, KW, Cin, Cout)        HWIO
 *   DepthwiseConv2D kernel   (KH, KW, C, M)             M = depth_multiplier
 *   SeparableConv2D          depthwise (KH, KW, C, M), pointwise (1, 1, C*M, Cout)
 *   Dense kernel             (In, Out)
 *   biases and BatchNormalization vectors (C,)
 *
 * Dimension legend used in shape comments across the engine:
 *   N batch, H W height width, C channels, KH KW kernel, F filters, D features.
 */
#pragma once

#include <glib.h>
#include <stddef.h>

G_BEGIN_DECLS

/* The shape of one sample (the batch dimension is passed separately). */
typedef struct {
  int h, w, c;
} NnShape;

static inline size_t
nn_shape_size (NnShape s)
{
  return (size_t) s.h * (size_t) s.w * (size_t) s.c;
}

static inline gboolean
nn_shape_equal (NnShape a, NnShape b)
{
  return a.h == b.h && a.w == b.w && a.c == b.c;
}

/* A float buffer aligned for AVX-512 loads; free with nn_free(). Aborts when out
 * of memory, like g_new: for sizes the program chose, not ones read from a file. */
float *nn_alloc_floats (size_t n);
/* The same, or NULL when out of memory or n is absurd: for sizes from files. */
float *nn_try_alloc_floats (size_t n);
void   nn_free (void *p);

G_END_DECLS
