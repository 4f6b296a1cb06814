/* nn-threads.c: the engine's thread pool (see nn-threads.h).
 *
 * A job is announced by bumping a generation word, and its end by a count of
 * finished workers; the barrier is a count and a generation too. Whoever waits
 * on such a word spins for a while before sleeping on it (a futex): a one-image
 * pass crosses a barrier after every layer, tens of microseconds apart, and a
 * sleeping thread takes about as long again to wake. The spin is bounded, so an
 * idle pool, or one whose partner thread lost its core to another process,
 * sleeps instead of burning the core. */
#include <limits.h>
#include <linux/futex.h>
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "nn-threads.h"
#include "nn-error.h"

/* How long a waiter spins before it sleeps: a job is usually followed by the
 * next within this (a loop of predictions), and the threads of one pass reach a
 * barrier within this of each other. */
#define SPIN_US_JOB 100
#define SPIN_US_BARRIER 200

typedef struct {
  NnThreads *pool;
  pthread_t handle;
  int tid;
} Worker;

/* A word that others wait to see change, and how many sleep on it. */
typedef struct {
  atomic_uint value;
  atomic_int sleepers;
} Word;

struct _NnThreads {
  int n;                 /* threads, the caller's included */
  Worker workers[NN_MAX_THREADS];
  int started;           /* workers running (tid 1 .. started) */
  Word gen;              /* bumped for each job (and to quit) */
  Word finished;         /* workers done with jobs, over the pool's life */
  unsigned jobs;         /* jobs run (the caller's count) */
  atomic_bool quit;
  NnThreadsJob job;
  void *data;
  /* the barrier */
  atomic_int arrived;
  Word barrier_gen;
  double *sums;          /* (n_regions, NN_MAX_THREADS, region_len) */
  int n_regions, region_len;
};

static void
word_bump (Word *w)
{
  atomic_fetch_add (&w->value, 1);
  if (atomic_load (&w->sleepers) > 0)
    syscall (SYS_futex, &w->value, FUTEX_WAKE_PRIVATE, INT_MAX, NULL, NULL, 0);
}

static inline void
cpu_relax (void)
{
#if defined __x86_64__ || defined __i386__
  __builtin_ia32_pause ();
#endif
}

/* Returns once w's value is no longer seen: after spinning about spin_us, asleep. */
static void
word_wait_change (Word *w, unsigned seen, int spin_us)
{
  gint64 deadline = 0;
  for (int i = 1;; i++)
    {
      if (atomic_load (&w->value) != seen)
        return;
      cpu_relax ();
      if (i % 64 != 0)
        continue;
      gint64 now = g_get_monotonic_time ();
      if (deadline == 0)
        deadline = now + spin_us;
      else if (now >= deadline)
        break;
    }
  atomic_fetch_add (&w->sleepers, 1);
  while (atomic_load (&w->value) == seen)
    syscall (SYS_futex, &w->value, FUTEX_WAIT_PRIVATE, seen, NULL, NULL, 0);
  atomic_fetch_sub (&w->sleepers, 1);
}

static void *
worker_main (void *arg)
{
  Worker *w = arg;
  NnThreads *p = w->pool;
  unsigned seen = 0;
  for (;;)
    {
      word_wait_change (&p->gen, seen, SPIN_US_JOB);
      seen = atomic_load (&p->gen.value);
      if (atomic_load (&p->quit))
        break;
      p->job (p->data, w->tid);
      word_bump (&p->finished);
    }
  return NULL;
}

static void
stop_workers (NnThreads *p)
{
  atomic_store (&p->quit, TRUE);
  word_bump (&p->gen);
  for (int t = 1; t <= p->started; t++)
    pthread_join (p->workers[t].handle, NULL);
  p->started = 0;
}

NnThreads *
nn_threads_new (int n, int n_regions, int region_len, GError **error)
{
  g_return_val_if_fail (n >= 2 && n <= NN_MAX_THREADS, NULL);
  g_return_val_if_fail (n_regions >= 1 && region_len >= 1, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);
  NnThreads *p = g_new0 (NnThreads, 1);
  p->n = n;
  p->n_regions = n_regions;
  p->region_len = region_len;
  p->sums = g_try_new0 (double, (gsize) n_regions * NN_MAX_THREADS * region_len);
  if (p->sums == NULL)
    {
      g_set_error (error, NN_ERROR, NN_ERROR_SYSTEM, "not enough memory for the sums of %d "
                   "engine threads", n);
      g_free (p);
      return NULL;
    }
  for (int t = 1; t < n; t++)
    {
      Worker *w = &p->workers[t];
      w->pool = p;
      w->tid = t;
      int rc = pthread_create (&w->handle, NULL, worker_main, w);
      if (rc != 0)
        {
          g_set_error (error, NN_ERROR, NN_ERROR_SYSTEM, "cannot start engine thread %d of %d: "
                       "%s", t + 1, n, g_strerror (rc));
          nn_threads_free (p);
          return NULL;
        }
      p->started = t;
    }
  return p;
}

void
nn_threads_free (NnThreads *p)
{
  if (p == NULL)
    return;
  stop_workers (p);
  g_free (p->sums);
  g_free (p);
}

int
nn_threads_count (const NnThreads *p)
{
  return p ? p->n : 1;
}

void
nn_threads_run (NnThreads *p, NnThreadsJob job, void *data)
{
  p->job = job;
  p->data = data;
  p->jobs++;
  word_bump (&p->gen); /* the bump publishes job and data (sequentially consistent) */
  job (data, 0);
  unsigned target = p->jobs * (unsigned) (p->n - 1);
  for (unsigned f; (f = atomic_load (&p->finished.value)) != target;)
    word_wait_change (&p->finished, f, SPIN_US_JOB);
}

void
nn_threads_barrier (NnThreads *p)
{
  unsigned gen = atomic_load (&p->barrier_gen.value);
  if (atomic_fetch_add (&p->arrived, 1) == p->n - 1)
    {
      atomic_store (&p->arrived, 0);
      word_bump (&p->barrier_gen);
      return;
    }
  word_wait_change (&p->barrier_gen, gen, SPIN_US_BARRIER);
}

void
nn_threads_sum (NnThreads *p, int tid, int region, double *v, int len)
{
  g_assert (len <= p->region_len && region >= 0 && region < p->n_regions);
  double *r = p->sums + (gsize) region * NN_MAX_THREADS * p->region_len;
  memcpy (r + (gsize) tid * p->region_len, v, len * sizeof (double));
  nn_threads_barrier (p);
  /* The same order on every thread, so every thread gets bit-identical sums. */
  for (int k = 0; k < len; k++)
    {
      double s = 0.0;
      for (int t = 0; t < p->n; t++)
        s += r[(gsize) t * p->region_len + k];
      v[k] = s;
    }
}
