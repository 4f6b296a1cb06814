/* nn-fma-peak.c: a loop of independent multiply-adds at each kernel level, so
 * that benchmarks can measure the machine's floating-point peak where they run
 * instead of assuming one CPU's figure.
 *
 * Each level keeps more accumulators than the FMA units' latency times their
 * count needs (4-cycle latency, two units), so the loop is bound by throughput,
 * not by the dependency of one accumulator on itself. */
#include <immintrin.h>
#include "nn-kernels.h"

/* Accumulators per level: 16 of the 32 AVX-512 registers, 12 of the 16 AVX2 ones
 * (the other registers hold the two constants). */
#define ACC_512 16
#define ACC_256 12
#define ACC_SCALAR 8

/* acc = acc * a + b converges to b / (1 - a) and never overflows or goes denormal. */
static const float mul = 0.9999f, add = 1e-4f;

#pragma GCC push_options
#pragma GCC target ("avx512f,fma")
static float
fma_loop_avx512 (guint64 iterations)
{
  __m512 acc[ACC_512];
  const __m512 a = _mm512_set1_ps (mul), b = _mm512_set1_ps (add);
  for (int i = 0; i < ACC_512; i++)
    acc[i] = _mm512_set1_ps ((float) i);
  for (guint64 it = 0; it < iterations; it++)
    for (int i = 0; i < ACC_512; i++)
      acc[i] = _mm512_fmadd_ps (acc[i], a, b);
  for (int i = 1; i < ACC_512; i++)
    acc[0] = _mm512_add_ps (acc[0], acc[i]);
  return _mm512_reduce_add_ps (acc[0]);
}
#pragma GCC pop_options

#pragma GCC push_options
#pragma GCC target ("avx2,fma")
static float
fma_loop_avx2 (guint64 iterations)
{
  __m256 acc[ACC_256];
  const __m256 a = _mm256_set1_ps (mul), b = _mm256_set1_ps (add);
  for (int i = 0; i < ACC_256; i++)
    acc[i] = _mm256_set1_ps ((float) i);
  for (guint64 it = 0; it < iterations; it++)
    for (int i = 0; i < ACC_256; i++)
      acc[i] = _mm256_fmadd_ps (acc[i], a, b);
  float lanes[8];
  for (int i = 1; i < ACC_256; i++)
    acc[0] = _mm256_add_ps (acc[0], acc[i]);
  _mm256_storeu_ps (lanes, acc[0]);
  return lanes[0] + lanes[1] + lanes[2] + lanes[3] + lanes[4] + lanes[5] + lanes[6] + lanes[7];
}
#pragma GCC pop_options

static float
fma_loop_scalar (guint64 iterations)
{
  float acc[ACC_SCALAR];
  for (int i = 0; i < ACC_SCALAR; i++)
    acc[i] = (float) i;
  for (guint64 it = 0; it < iterations; it++)
    for (int i = 0; i < ACC_SCALAR; i++)
      acc[i] = acc[i] * mul + add;
  float sum = 0;
  for (int i = 0; i < ACC_SCALAR; i++)
    sum += acc[i];
  return sum;
}

guint64
nn_kernels_fma_loop (NnKernelLevel level, guint64 iterations, float *sink)
{
  float result;
  guint64 per_iteration;
  switch (MIN (level, nn_kernels_level ()))
    {
    case NN_KERNELS_AMX: /* the fp32 peak: the bf16 products are not FMAs */
    case NN_KERNELS_BF16:
    case NN_KERNELS_AVX512:
      result = fma_loop_avx512 (iterations);
      per_iteration = ACC_512 * 16;
      break;
    case NN_KERNELS_AVX2:
      result = fma_loop_avx2 (iterations);
      per_iteration = ACC_256 * 8;
      break;
    default:
      result = fma_loop_scalar (iterations);
      per_iteration = ACC_SCALAR;
      break;
    }
  *sink = result;
  return 2 * per_iteration * iterations; /* a multiply-add is two FLOPs */
}
