/* nn-threads.h: the engine's thread pool: worker threads that run one job
 * at a time on every thread, a barrier, and the cross-thread sum that
 * BatchNormalization uses in training. It knows nothing of models: a job is a
 * function of a thread index, and the workspace decides what each index does.
 * (Pooling layers are in layers/nn-pool.c; this is a pool of threads.) */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define NN_MAX_THREADS 8

typedef struct _NnThreads NnThreads;
typedef void (*NnThreadsJob) (void *data, int tid);

/* n threads (2 .. NN_MAX_THREADS), of which the caller's is thread 0: n - 1
 * are started. The sum buffer has n_regions regions of region_len doubles per
 * thread. If a thread cannot be started (or the buffer allocated), the ones
 * already started are stopped and the error says why: NULL, never a pool that
 * waits for a thread that does not exist. */
NnThreads *nn_threads_new (int n, int n_regions, int region_len, GError **error);
void       nn_threads_free (NnThreads *p);
int        nn_threads_count (const NnThreads *p);
/* Runs job (data, tid) on every thread, the caller's as tid 0, and returns
 * when all are done. */
void       nn_threads_run (NnThreads *p, NnThreadsJob job, void *data);
/* Inside a job: returns when every thread has called it. */
void       nn_threads_barrier (NnThreads *p);
/* Inside a job: sums v[0..len) over the threads, in place, identical on every
 * thread (the same order of additions everywhere). region picks a region of the
 * sum buffer, so that consecutive sums never overwrite what a slower thread has
 * yet to read. Every thread must call it with the same region and len. */
void       nn_threads_sum (NnThreads *p, int tid, int region, double *v, int len);

G_END_DECLS
