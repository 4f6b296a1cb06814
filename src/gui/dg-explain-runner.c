/* dg-explain-runner.c: quick maps on the GUI thread, slow ones in a worker
 * thread with the newest request winning (see dg-explain-runner.h). */
#include "dg-config.h"
#include "dg-explain-runner.h"

#ifdef __linux__
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>
#endif

/* The worker's batch: IG's 65 path points in 5 passes, in a tenth of the memory
 * of nn_explainer_new's 64 images. */
#define WORKER_BATCH 16

/* The worker's copy of a model and its explainer, shared by the jobs on it. */
typedef struct {
  gatomicrefcount ref;
  DgModel *source;     /* the model it copies (for comparing; a reference) */
  NnModel *copy;
  NnExplainer *explainer; /* made in the worker, by the first job */
} WorkerModel;

static WorkerModel *
worker_model_ref (WorkerModel *w)
{
  g_atomic_ref_count_inc (&w->ref);
  return w;
}

static void
worker_model_unref (WorkerModel *w)
{
  if (!g_atomic_ref_count_dec (&w->ref))
    return;
  nn_explainer_free (w->explainer);
  nn_model_free (w->copy);
  g_object_unref (w->source);
  g_free (w);
}

typedef struct {
  DgExplainRunner *runner; /* a reference while the job runs */
  guint serial;
  WorkerModel *model;
  NnExplainMethod method;
  int layer, class_index;
  float input[28 * 28];
  NnExplanation result;
  char *message;       /* on failure */
} Job;

static void
job_free (Job *job)
{
  if (job == NULL)
    return;
  worker_model_unref (job->model);
  g_free (job->message);
  g_free (job);
}

struct _DgExplainRunner {
  GObject parent_instance;

  /* GUI thread: the quick methods on the model itself */
  DgModel *quick_model;
  NnExplainer *quick;

  /* the worker: everything here is touched on the GUI thread only; the job
   * running belongs to the worker thread until it comes back */
  GThread *thread;
  GAsyncQueue *jobs;   /* to the worker; a job with no model ends it */
  WorkerModel *worker_model;
  gboolean running;
  Job *waiting;
  guint serial;        /* of the latest request */
  guint wanted;        /* the serial whose result is wanted, 0 when cancelled */
};

G_DEFINE_FINAL_TYPE (DgExplainRunner, dg_explain_runner, G_TYPE_OBJECT)

enum { EXPLAINED, N_SIGNALS };
static guint signals[N_SIGNALS];

gboolean
dg_explain_method_is_quick (NnExplainMethod method)
{
  return method == NN_EXPLAIN_GRADCAM || method == NN_EXPLAIN_GRADCAM_PP;
}

gboolean
dg_explain_runner_run (DgExplainRunner *self, DgModel *model, NnExplainMethod method, int layer,
                       const float *input, int class_index, NnExplanation *out, GError **error)
{
  g_return_val_if_fail (DG_IS_EXPLAIN_RUNNER (self), FALSE);
  g_return_val_if_fail (DG_IS_MODEL (model), FALSE);
  if (self->quick_model != model)
    {
      g_clear_pointer (&self->quick, nn_explainer_free);
      g_set_object (&self->quick_model, model);
    }
  /* batch 1: the quick methods make one pass each way */
  if (!self->quick && !(self->quick = nn_explainer_new_batch (dg_model_get_nn (model), 1, error)))
    return FALSE;
  return nn_explainer_explain (self->quick, method, layer, input, class_index, out, error);
}

static gboolean job_done (gpointer data);

/* The worker thread: one job at a time, at a lower priority than the GUI thread,
 * which must keep drawing while a slow map is computed on the other core (or on
 * the same one, on a busy machine). */
static gpointer
worker_thread (gpointer data)
{
  GAsyncQueue *jobs = data;
  Job *job;

#ifdef __linux__
  setpriority (PRIO_PROCESS, (id_t) syscall (SYS_gettid), 10);
#endif
  while ((job = g_async_queue_pop (jobs))->model != NULL)
    {
      WorkerModel *w = job->model;
      g_autoptr(GError) error = NULL;

      /* jobs on one WorkerModel never overlap: one runs at a time */
      if (!w->explainer)
        w->explainer = nn_explainer_new_batch (w->copy, WORKER_BATCH, &error);
      if (!w->explainer
          || !nn_explainer_explain (w->explainer, job->method, job->layer, job->input,
                                    job->class_index, &job->result, &error))
        job->message = g_strdup (error->message);
      g_idle_add_full (G_PRIORITY_DEFAULT, job_done, job, NULL);
    }
  g_free (job);
  g_async_queue_unref (jobs);
  return NULL;
}

static void start (DgExplainRunner *self, Job *job);

static gboolean
job_done (gpointer data)
{
  Job *job = data;
  DgExplainRunner *self = job->runner;

  self->running = FALSE;
  if (job->serial == self->wanted)
    g_signal_emit (self, signals[EXPLAINED], 0, job->serial, job->message ? NULL : &job->result,
                   job->message);
  if (self->waiting)
    start (self, g_steal_pointer (&self->waiting));
  job_free (job);
  g_object_unref (self);
  return G_SOURCE_REMOVE;
}

static void
start (DgExplainRunner *self, Job *job)
{
  if (!self->thread)
    {
      self->jobs = g_async_queue_new ();
      self->thread = g_thread_new ("digits-explain", worker_thread, g_async_queue_ref (self->jobs));
    }
  self->running = TRUE;
  job->runner = g_object_ref (self);
  g_async_queue_push (self->jobs, job);
}

guint
dg_explain_runner_request (DgExplainRunner *self, DgModel *model, NnExplainMethod method,
                           int layer, const float *input, int class_index)
{
  Job *job;

  g_return_val_if_fail (DG_IS_EXPLAIN_RUNNER (self), 0);
  g_return_val_if_fail (DG_IS_MODEL (model) && input != NULL, 0);
  if (!self->worker_model || self->worker_model->source != model)
    {
      WorkerModel *w = g_new0 (WorkerModel, 1);
      g_atomic_ref_count_init (&w->ref);
      w->source = g_object_ref (model);
      w->copy = nn_model_copy (dg_model_get_nn (model));
      g_clear_pointer (&self->worker_model, worker_model_unref);
      self->worker_model = w;
    }
  job = g_new0 (Job, 1);
  job->serial = ++self->serial;
  job->model = worker_model_ref (self->worker_model);
  job->method = method;
  job->layer = layer;
  job->class_index = class_index;
  memcpy (job->input, input, sizeof job->input);
  self->wanted = job->serial;
  if (self->running)
    {
      job_free (self->waiting);
      self->waiting = job;
    }
  else
    start (self, job);
  return job->serial;
}

void
dg_explain_runner_cancel (DgExplainRunner *self)
{
  g_return_if_fail (DG_IS_EXPLAIN_RUNNER (self));
  g_clear_pointer (&self->waiting, job_free);
  self->wanted = 0;
}

gboolean
dg_explain_runner_is_busy (DgExplainRunner *self)
{
  g_return_val_if_fail (DG_IS_EXPLAIN_RUNNER (self), FALSE);
  return self->running || self->waiting;
}

void
dg_explain_runner_stop (DgExplainRunner *self)
{
  g_return_if_fail (DG_IS_EXPLAIN_RUNNER (self));
  dg_explain_runner_cancel (self);
  if (!self->thread)
    return;
  /* the job running, if any, finishes first; its result is not wanted */
  g_async_queue_push (self->jobs, g_new0 (Job, 1));
  g_thread_join (self->thread);
  self->thread = NULL;
  g_clear_pointer (&self->jobs, g_async_queue_unref);
}

static void
dg_explain_runner_finalize (GObject *object)
{
  DgExplainRunner *self = DG_EXPLAIN_RUNNER (object);

  /* a running job holds the runner, so none runs here: the worker waits */
  dg_explain_runner_stop (self);
  g_clear_pointer (&self->worker_model, worker_model_unref);
  g_clear_pointer (&self->quick, nn_explainer_free);
  g_clear_object (&self->quick_model);
  G_OBJECT_CLASS (dg_explain_runner_parent_class)->finalize (object);
}

static void
dg_explain_runner_class_init (DgExplainRunnerClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = dg_explain_runner_finalize;

  /* the latest request's map (serial, const NnExplanation * or NULL, message) */
  signals[EXPLAINED] = g_signal_new ("explained", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                     NULL, NULL, NULL, G_TYPE_NONE, 3, G_TYPE_UINT, G_TYPE_POINTER,
                                     G_TYPE_STRING);
}

static void
dg_explain_runner_init (DgExplainRunner *self)
{
}

DgExplainRunner *
dg_explain_runner_new (void)
{
  return g_object_new (DG_TYPE_EXPLAIN_RUNNER, NULL);
}
