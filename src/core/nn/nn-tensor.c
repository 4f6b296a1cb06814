/* nn-tensor.c: aligned buffers for the engine (the layouts are in nn-tensor.h). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "nn-tensor.h"

float *
nn_try_alloc_floats (size_t n)
{
  /* 64 bytes: one AVX-512 register, one cache line. Size rounded up as
   * aligned_alloc wants, and never zero so the result is never NULL by accident. */
  if (n > (SIZE_MAX - 63) / sizeof (float))
    return NULL;
  size_t bytes = ((n * sizeof (float) + 63) / 64) * 64;
  if (bytes == 0)
    bytes = 64;
  return aligned_alloc (64, bytes);
}

float *
nn_alloc_floats (size_t n)
{
  float *p = nn_try_alloc_floats (n);
  if (p == NULL)
    g_error ("out of memory allocating %zu floats", n);
  return p;
}

void
nn_free (void *p)
{
  free (p);
}
