/* cli-fma-peak.h: the machine's multiply-add peak, measured where a benchmark
 * runs, so that "share of peak" means something on any CPU. */
#pragma once

#include "nn-kernels.h"

G_BEGIN_DECLS

typedef struct {
  NnKernelLevel level; /* the widest level in use (nn_kernels_level) */
  int threads;         /* threads of the `all` figure */
  double one_core;     /* GFLOP/s of one thread */
  double all;          /* GFLOP/s of `threads` threads at once */
} CliFmaPeak;

/* Best of a few runs of about 0.1 s each: on a shared machine the best run is
 * the one least disturbed, the closest to what the cores can do. */
void cli_fma_peak_measure (int threads, CliFmaPeak *peak);

G_END_DECLS
