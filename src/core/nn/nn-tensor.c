/* nn-tensor.c: aligned buffers for the engine (the layouts are in nn-tensor.h). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include "nn-tensor.h"

/* Buffers from this size on are laid on 2 MB pages where Linux has them to
 * give (transparent huge pages in "madvise" mode ask for it buffer by buffer):
 * training's passes over maps of tens of MB missed the TLB all along on 4 KB
 * pages (docs/ENGINE.md, "A pass"). */
#define HUGE_PAGE_BYTES (2u << 20)

float *
nn_try_alloc_floats (size_t n)
{
  /* 64 bytes: one AVX-512 register, one cache line. Size rounded up as
   * aligned_alloc wants, and never zero so the result is never NULL by accident. */
  if (n > (SIZE_MAX - HUGE_PAGE_BYTES) / sizeof (float))
    return NULL;
  size_t bytes = ((n * sizeof (float) + 63) / 64) * 64;
  if (bytes == 0)
    bytes = 64;
  if (bytes < HUGE_PAGE_BYTES)
    return aligned_alloc (64, bytes);
  bytes = (bytes + HUGE_PAGE_BYTES - 1) / HUGE_PAGE_BYTES * HUGE_PAGE_BYTES;
  void *p = aligned_alloc (HUGE_PAGE_BYTES, bytes);
  if (p != NULL)
    madvise (p, bytes, MADV_HUGEPAGE);
  return p;
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
