/* test-job-runner.c: the background job runner without a display.
 *
 * Messages posted by a worker arrive in the GUI thread in order and before the
 * done callback; cancelling stops a worker that checks between "batches"; a
 * worker's error reaches the done callback; only one training job is known as
 * the running one, and the worker thread runs at a lower priority; stopping all
 * jobs (the application's shutdown) returns only when their threads have ended.
 */
#include "dg-job-runner.h"
#include "nn-error.h"

#include <string.h>

#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

typedef struct {
  GMainLoop *loop;
  GArray *seen;        /* message values in arrival order */
  int done_calls;
  int seen_at_done;
  GError *error;
  int worker_nice;
  int batches;
  int fail;            /* the worker fails after this many batches (0: never) */
  int sleep_us;
  gint ended;          /* set by a worker as it returns */
} Ctx;

typedef struct {
  Ctx *ctx;
  int value;
} Msg;

static gboolean
on_msg (gpointer data)
{
  Msg *m = data;
  g_array_append_val (m->ctx->seen, m->value);
  return G_SOURCE_REMOVE;
}

static gboolean
worker (DgJob *job, gpointer data, GError **error)
{
  Ctx *ctx = data;

  ctx->worker_nice = getpriority (PRIO_PROCESS, (id_t) syscall (SYS_gettid));
  for (int i = 0; i < ctx->batches; i++)
    {
      Msg *m;
      if (dg_job_is_cancelled (job) || g_cancellable_is_cancelled (dg_job_get_cancellable (job)))
        {
          g_set_error (error, NN_ERROR, NN_ERROR_CANCELLED, "cancelled at batch %d", i);
          return FALSE;
        }
      if (ctx->fail && i == ctx->fail)
        {
          g_set_error (error, NN_ERROR, NN_ERROR_NUMERIC, "loss became NaN at batch %d", i);
          return FALSE;
        }
      m = g_new (Msg, 1);
      m->ctx = ctx;
      m->value = i;
      dg_job_post (job, on_msg, m, g_free);
      if (ctx->sleep_us)
        g_usleep (ctx->sleep_us);
    }
  return TRUE;
}

static void
done (DgJob *job, const GError *error, gpointer data)
{
  Ctx *ctx = data;
  ctx->done_calls++;
  ctx->seen_at_done = (int) ctx->seen->len;
  if (error)
    ctx->error = g_error_copy (error);
  g_main_loop_quit (ctx->loop);
}

static Ctx *
ctx_new (int batches)
{
  Ctx *ctx = g_new0 (Ctx, 1);
  ctx->loop = g_main_loop_new (NULL, FALSE);
  ctx->seen = g_array_new (FALSE, FALSE, sizeof (int));
  ctx->batches = batches;
  return ctx;
}

static void
ctx_free (Ctx *ctx)
{
  g_main_loop_unref (ctx->loop);
  g_array_unref (ctx->seen);
  g_clear_error (&ctx->error);
  g_free (ctx);
}

static gboolean
timeout_fail (gpointer data)
{
  g_error ("the job did not end in time");
  return G_SOURCE_REMOVE;
}

static void
run (Ctx *ctx, DgJobKind kind, gboolean cancel_early)
{
  guint t = g_timeout_add_seconds (20, timeout_fail, NULL);
  g_autoptr(DgJob) job = dg_job_start (kind, "test", worker, done, ctx, NULL);

  g_assert_true (dg_job_is_running (job));
  g_assert_cmpuint (dg_job_runner_n_running (), ==, 1);
  if (kind == DG_JOB_TRAINING)
    g_assert_true (dg_job_runner_get_training () == job);
  else
    g_assert_null (dg_job_runner_get_training ());
  if (cancel_early)
    {
      /* wait for a few messages, then cancel as the Cancel button does */
      while (ctx->seen->len < 3)
        g_main_context_iteration (NULL, TRUE);
      dg_job_cancel (job);
    }
  g_main_loop_run (ctx->loop);
  g_source_remove (t);
  g_assert_false (dg_job_is_running (job));
  g_assert_cmpuint (dg_job_runner_n_running (), ==, 0);
  g_assert_null (dg_job_runner_get_training ());
}

static void
test_order (void)
{
  Ctx *ctx = ctx_new (500);

  run (ctx, DG_JOB_TRAINING, FALSE);
  g_assert_cmpint (ctx->done_calls, ==, 1);
  g_assert_no_error (ctx->error);
  /* every message, in order, before done */
  g_assert_cmpint (ctx->seen_at_done, ==, 500);
  for (int i = 0; i < 500; i++)
    g_assert_cmpint (g_array_index (ctx->seen, int, i), ==, i);
  g_assert_cmpint (ctx->worker_nice, ==, 10);
  ctx_free (ctx);
}

static void
test_cancel (void)
{
  Ctx *ctx = ctx_new (100000);
  gint64 t0;

  ctx->sleep_us = 2000; /* a "batch" of 2 ms: 200 s if never cancelled */
  t0 = g_get_monotonic_time ();
  run (ctx, DG_JOB_TRAINING, TRUE);
  g_assert_error (ctx->error, NN_ERROR, NN_ERROR_CANCELLED);
  g_assert_cmpint (ctx->seen_at_done, <, 1000);
  g_assert_cmpint (g_get_monotonic_time () - t0, <, 10 * G_USEC_PER_SEC);
  ctx_free (ctx);
}

static void
test_error (void)
{
  Ctx *ctx = ctx_new (50);

  ctx->fail = 7;
  run (ctx, DG_JOB_EVALUATION, FALSE);
  g_assert_error (ctx->error, NN_ERROR, NN_ERROR_NUMERIC);
  g_assert_nonnull (strstr (ctx->error->message, "NaN"));
  g_assert_cmpint (ctx->seen_at_done, ==, 7);
  ctx_free (ctx);
}

/* Works in 2 ms "batches" until cancelled. */
static gboolean
endless_worker (DgJob *job, gpointer data, GError **error)
{
  Ctx *ctx = data;

  while (!dg_job_is_cancelled (job))
    g_usleep (2000);
  g_usleep (20000); /* the rest of the batch under way */
  g_atomic_int_set (&ctx->ended, 1);
  g_set_error_literal (error, NN_ERROR, NN_ERROR_CANCELLED, "cancelled");
  return FALSE;
}

static void
test_stop_all (void)
{
  Ctx *ctx = ctx_new (0);
  g_autoptr(DgJob) job = dg_job_start (DG_JOB_PERSONAL, "test", endless_worker, done, ctx, NULL);

  g_usleep (10000);
  dg_job_runner_stop_all ();
  g_assert_cmpint (g_atomic_int_get (&ctx->ended), ==, 1);
  /* the done callback still comes if the main loop runs on */
  g_main_loop_run (ctx->loop);
  g_assert_cmpint (ctx->done_calls, ==, 1);
  g_assert_error (ctx->error, NN_ERROR, NN_ERROR_CANCELLED);
  g_assert_cmpuint (dg_job_runner_n_running (), ==, 0);
  ctx_free (ctx);
}

static int watch_calls;

static void
on_watch (gpointer data)
{
  watch_calls++;
}

static void
test_watch (void)
{
  Ctx *ctx = ctx_new (5);
  guint id = dg_job_runner_add_watch (on_watch, NULL);

  watch_calls = 0;
  run (ctx, DG_JOB_EVALUATION, FALSE);
  g_assert_cmpint (watch_calls, ==, 2); /* started, ended */
  dg_job_runner_remove_watch (id);
  ctx_free (ctx);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/job-runner/order", test_order);
  g_test_add_func ("/job-runner/cancel", test_cancel);
  g_test_add_func ("/job-runner/error", test_error);
  g_test_add_func ("/job-runner/watch", test_watch);
  g_test_add_func ("/job-runner/stop-all", test_stop_all);
  return g_test_run ();
}
