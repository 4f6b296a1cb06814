/* dg-job-runner.c: one worker thread per job, messages back through idle sources.
 *
 * The messages and the final "done" share one priority (DEFAULT_IDLE, below
 * GTK's layout and paint), so they run in the order posted and never delay a
 * frame: a burst of batch reports waits behind the canvas, not the other way.
 */
#include "dg-config.h"
#include "dg-job-runner.h"
#include "nn-error.h"

#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

struct _DgJob {
  gatomicrefcount ref_count;
  DgJobKind kind;
  char *name;
  DgJobWorker worker;
  DgJobDone done;
  gpointer data;
  GDestroyNotify free_data;
  GCancellable *cancellable; /* the worker passes it to the core's runners */
  GThread *thread;         /* joined by dg_job_runner_stop_all, else let go with the job */
  gboolean running;        /* GUI thread only */
  GError *error;           /* set by the worker, read in done */
  gint finished;           /* see publish() */
};

typedef struct {
  DgJobRunnerNotify notify;
  gpointer user_data;
  guint id;
} Watch;

static GList *running_jobs;  /* of DgJob*, GUI thread only */
static GArray *watches;      /* of Watch */
static guint next_watch_id = 1;

static void
notify_watches (void)
{
  for (guint i = 0; watches && i < watches->len; i++)
    {
      Watch *w = &g_array_index (watches, Watch, i);
      w->notify (w->user_data);
    }
}

DgJob *
dg_job_ref (DgJob *job)
{
  g_return_val_if_fail (job != NULL, NULL);
  g_atomic_ref_count_inc (&job->ref_count);
  return job;
}

void
dg_job_unref (DgJob *job)
{
  if (!job || !g_atomic_ref_count_dec (&job->ref_count))
    return;
  if (job->free_data)
    job->free_data (job->data);
  g_clear_error (&job->error);
  g_clear_object (&job->cancellable);
  g_clear_pointer (&job->thread, g_thread_unref);
  g_free (job->name);
  g_free (job);
}

/* A worker hands data to the GUI thread through g_idle_add, whose main-context lock
 * already orders the two. That lock is a futex inside GLib, though, which
 * ThreadSanitizer cannot see, so it would report every hand-over as a race: the
 * flag makes the order visible (an atomic store by the worker before the idle is
 * added, an atomic load by the GUI thread before the data is read). */
static void
publish (gint *flag)
{
  g_atomic_int_set (flag, 1);
}

static void
receive (gint *flag)
{
  g_warn_if_fail (g_atomic_int_get (flag) == 1);
}

static gboolean
job_finished_idle (gpointer user_data)
{
  DgJob *job = user_data;

  receive (&job->finished);
  job->running = FALSE;
  running_jobs = g_list_remove (running_jobs, job);
  if (job->done)
    job->done (job, job->error, job->data);
  if (g_application_get_default ())
    g_application_release (g_application_get_default ());
  notify_watches ();
  dg_job_unref (job); /* the running list's reference */
  return G_SOURCE_REMOVE;
}

static gpointer
job_thread (gpointer user_data)
{
  DgJob *job = user_data;
  GError *error = NULL;

  /* The job's thread (and the helper threads it starts, which inherit it) yields
   * to the GUI thread: a frame never waits for a batch. Linux nice is per thread. */
  setpriority (PRIO_PROCESS, (id_t) syscall (SYS_gettid), 10);
  if (!job->worker (job, job->data, &error))
    {
      if (!error)
        g_set_error_literal (&error, NN_ERROR, NN_ERROR_INVALID, _("The job failed"));
    }
  else if (dg_job_is_cancelled (job) && !error)
    g_set_error_literal (&error, NN_ERROR, NN_ERROR_CANCELLED, _("Cancelled"));
  job->error = error;
  publish (&job->finished);
  g_idle_add_full (G_PRIORITY_DEFAULT_IDLE, job_finished_idle, job, NULL);
  return NULL;
}

DgJob *
dg_job_start (DgJobKind kind, const char *name, DgJobWorker worker, DgJobDone done,
              gpointer data, GDestroyNotify free_data)
{
  DgJob *job;

  g_return_val_if_fail (worker != NULL, NULL);

  job = g_new0 (DgJob, 1);
  g_atomic_ref_count_init (&job->ref_count);
  job->kind = kind;
  job->name = g_strdup (name ? name : "job");
  job->worker = worker;
  job->done = done;
  job->data = data;
  job->free_data = free_data;
  job->cancellable = g_cancellable_new ();
  job->running = TRUE;
  running_jobs = g_list_append (running_jobs, job); /* holds the first reference */
  if (g_application_get_default ())
    g_application_hold (g_application_get_default ());

  job->thread = g_thread_new ("digits-job", job_thread, job);
  notify_watches ();
  return dg_job_ref (job);
}

DgJobKind
dg_job_get_kind (DgJob *job)
{
  return job->kind;
}

const char *
dg_job_get_name (DgJob *job)
{
  return job->name;
}

void
dg_job_cancel (DgJob *job)
{
  g_return_if_fail (job != NULL);
  g_cancellable_cancel (job->cancellable);
}

gboolean
dg_job_is_cancelled (DgJob *job)
{
  return g_cancellable_is_cancelled (job->cancellable);
}

gboolean
dg_job_is_running (DgJob *job)
{
  return job && job->running;
}

GCancellable *
dg_job_get_cancellable (DgJob *job)
{
  return job->cancellable;
}

typedef struct {
  GSourceFunc func;
  gpointer message;
  GDestroyNotify free_message;
  gint published;
} Post;

static gboolean
post_idle (gpointer user_data)
{
  Post *p = user_data;
  receive (&p->published);
  p->func (p->message);
  return G_SOURCE_REMOVE;
}

static void
post_free (gpointer user_data)
{
  Post *p = user_data;
  if (p->free_message)
    p->free_message (p->message);
  g_free (p);
}

void
dg_job_post (DgJob *job, GSourceFunc func, gpointer message, GDestroyNotify free_message)
{
  Post *p;

  g_return_if_fail (job != NULL && func != NULL);
  p = g_new (Post, 1);
  p->func = func;
  p->message = message;
  p->free_message = free_message;
  publish (&p->published);
  g_idle_add_full (G_PRIORITY_DEFAULT_IDLE, post_idle, p, post_free);
}

DgJob *
dg_job_runner_get_training (void)
{
  for (GList *l = running_jobs; l; l = l->next)
    if (((DgJob *) l->data)->kind == DG_JOB_TRAINING)
      return l->data;
  return NULL;
}

guint
dg_job_runner_n_running (void)
{
  return g_list_length (running_jobs);
}

guint
dg_job_runner_n_lasting (void)
{
  guint n = 0;

  for (GList *l = running_jobs; l; l = l->next)
    n += ((DgJob *) l->data)->kind != DG_JOB_PERSONAL;
  return n;
}

void
dg_job_runner_cancel_all (void)
{
  for (GList *l = running_jobs; l; l = l->next)
    dg_job_cancel (l->data);
}

void
dg_job_runner_stop_all (void)
{
  dg_job_runner_cancel_all ();
  for (GList *l = running_jobs; l; l = l->next)
    {
      DgJob *job = l->data;
      /* each stops within a batch; its done callback runs only if the main loop does */
      g_thread_join (g_steal_pointer (&job->thread));
    }
}

guint
dg_job_runner_add_watch (DgJobRunnerNotify notify, gpointer user_data)
{
  Watch w = { notify, user_data, next_watch_id++ };

  if (!watches)
    watches = g_array_new (FALSE, FALSE, sizeof (Watch));
  g_array_append_val (watches, w);
  return w.id;
}

void
dg_job_runner_remove_watch (guint id)
{
  for (guint i = 0; watches && i < watches->len; i++)
    if (g_array_index (watches, Watch, i).id == id)
      {
        g_array_remove_index (watches, i);
        return;
      }
}
