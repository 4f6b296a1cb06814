/* cli-fma-peak.c: times nn_kernels_fma_loop on one thread and on several at
 * once (see cli-fma-peak.h). */
#include "cli-fma-peak.h"

#define RUNS 5
#define RUN_SECONDS 0.1

typedef struct {
  NnKernelLevel level;
  guint64 iterations;
  guint64 flops;
  float sink;
} LoopJob;

static gpointer
run_loop (gpointer data)
{
  LoopJob *job = data;
  job->flops = nn_kernels_fma_loop (job->level, job->iterations, &job->sink);
  return NULL;
}

/* GFLOP/s of `threads` loops of `iterations` started together, timed to the last. */
static double
run_once (NnKernelLevel level, int threads, guint64 iterations)
{
  LoopJob jobs[threads];
  GThread *workers[threads];
  gint64 t0 = g_get_monotonic_time ();
  for (int t = 0; t < threads; t++)
    {
      jobs[t] = (LoopJob) { .level = level, .iterations = iterations };
      workers[t] = t == 0 ? NULL : g_thread_new ("fma-peak", run_loop, &jobs[t]);
    }
  run_loop (&jobs[0]);
  guint64 flops = jobs[0].flops;
  for (int t = 1; t < threads; t++)
    {
      g_thread_join (workers[t]);
      flops += jobs[t].flops;
    }
  double seconds = MAX ((g_get_monotonic_time () - t0) / 1e6, 1e-6);
  return flops / seconds / 1e9;
}

static double
best_of_runs (NnKernelLevel level, int threads, guint64 iterations)
{
  double best = 0.0;
  for (int r = 0; r < RUNS; r++)
    best = MAX (best, run_once (level, threads, iterations));
  return best;
}

void
cli_fma_peak_measure (int threads, CliFmaPeak *peak)
{
  NnKernelLevel level = nn_kernels_level ();
  float sink;
  /* Size the loop: time a short run, then scale it to RUN_SECONDS. */
  guint64 probe = 1u << 20;
  gint64 t0 = g_get_monotonic_time ();
  nn_kernels_fma_loop (level, probe, &sink);
  double probe_s = MAX ((g_get_monotonic_time () - t0) / 1e6, 1e-4);
  guint64 iterations = MAX (probe, (guint64) (probe * RUN_SECONDS / probe_s));

  peak->level = level;
  peak->threads = MAX (threads, 1);
  peak->one_core = best_of_runs (level, 1, iterations);
  peak->all = peak->threads == 1 ? peak->one_core
                                 : best_of_runs (level, peak->threads, iterations);
}
