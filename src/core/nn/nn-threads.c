/* nn-threads.c: the engine's thread pool (see nn-threads.h). Workers sleep on
 * a condition variable between jobs; a job generation counter wakes them, a
 * pending count tells the caller when all are done. */
#include <pthread.h>
#include <string.h>
#include "nn-threads.h"
#include "nn-error.h"

typedef struct {
  NnThreads *pool;
  pthread_t handle;
  int tid;
} Worker;

struct _NnThreads {
  int n;                 /* threads, the caller's included */
  Worker workers[NN_MAX_THREADS];
  int started;           /* workers running (tid 1 .. started) */
  pthread_mutex_t mu;
  pthread_cond_t cv_start, cv_done;
  pthread_barrier_t barrier;
  guint gen;
  int pending;
  gboolean quit;
  NnThreadsJob job;
  void *data;
  double *sums;          /* (n_regions, NN_MAX_THREADS, region_len) */
  int n_regions, region_len;
};

static void *
worker_main (void *arg)
{
  Worker *w = arg;
  NnThreads *p = w->pool;
  guint seen = 0;
  pthread_mutex_lock (&p->mu);
  for (;;)
    {
      while (p->gen == seen && !p->quit)
        pthread_cond_wait (&p->cv_start, &p->mu);
      if (p->quit)
        break;
      seen = p->gen;
      NnThreadsJob job = p->job;
      void *data = p->data;
      pthread_mutex_unlock (&p->mu);
      job (data, w->tid);
      pthread_mutex_lock (&p->mu);
      if (--p->pending == 0)
        pthread_cond_signal (&p->cv_done);
    }
  pthread_mutex_unlock (&p->mu);
  return NULL;
}

static void
stop_workers (NnThreads *p)
{
  pthread_mutex_lock (&p->mu);
  p->quit = TRUE;
  pthread_cond_broadcast (&p->cv_start);
  pthread_mutex_unlock (&p->mu);
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
  pthread_mutex_init (&p->mu, NULL);
  pthread_cond_init (&p->cv_start, NULL);
  pthread_cond_init (&p->cv_done, NULL);
  int rc = pthread_barrier_init (&p->barrier, NULL, n);
  if (rc != 0)
    {
      g_set_error (error, NN_ERROR, NN_ERROR_SYSTEM, "cannot make a barrier for %d engine "
                   "threads: %s", n, g_strerror (rc));
      pthread_cond_destroy (&p->cv_done);
      pthread_cond_destroy (&p->cv_start);
      pthread_mutex_destroy (&p->mu);
      g_free (p->sums);
      g_free (p);
      return NULL;
    }
  for (int t = 1; t < n; t++)
    {
      Worker *w = &p->workers[t];
      w->pool = p;
      w->tid = t;
      rc = pthread_create (&w->handle, NULL, worker_main, w);
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
  pthread_barrier_destroy (&p->barrier);
  pthread_cond_destroy (&p->cv_done);
  pthread_cond_destroy (&p->cv_start);
  pthread_mutex_destroy (&p->mu);
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
  pthread_mutex_lock (&p->mu);
  p->job = job;
  p->data = data;
  p->pending = p->n - 1;
  p->gen++;
  pthread_cond_broadcast (&p->cv_start);
  pthread_mutex_unlock (&p->mu);
  job (data, 0);
  pthread_mutex_lock (&p->mu);
  while (p->pending > 0)
    pthread_cond_wait (&p->cv_done, &p->mu);
  pthread_mutex_unlock (&p->mu);
}

void
nn_threads_sum (NnThreads *p, int tid, int region, double *v, int len)
{
  g_assert (len <= p->region_len && region >= 0 && region < p->n_regions);
  double *r = p->sums + (gsize) region * NN_MAX_THREADS * p->region_len;
  memcpy (r + (gsize) tid * p->region_len, v, len * sizeof (double));
  pthread_barrier_wait (&p->barrier);
  /* The same order on every thread, so every thread gets bit-identical sums. */
  for (int k = 0; k < len; k++)
    {
      double s = 0.0;
      for (int t = 0; t < p->n; t++)
        s += r[(gsize) t * p->region_len + k];
      v[k] = s;
    }
}
