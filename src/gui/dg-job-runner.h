/* dg-job-runner.h: background work for the Train and Evaluate pages.
 *
 * A job runs one worker function in its own GThread (through GTask) on data the
 * caller prepared for it: a copy of the model, paths, options. The GUI thread
 * never waits for it. The worker reports back with dg_job_post(), which queues a
 * function for the GUI thread (g_idle_add_full); the done callback runs there too,
 * after every posted message.
 *
 *   DgJob *job = dg_job_start (DG_JOB_TRAINING, "cnn", worker, on_done, data, free_data);
 *   // in worker (its thread):
 *   dg_job_post (job, show_batch, msg, g_free);
 *   if (dg_job_is_cancelled (job)) ...
 *   // GUI thread:
 *   dg_job_cancel (job);           // the worker sees it before its next batch
 *
 * Only one DG_JOB_TRAINING job runs at a time (the pages ask the user before
 * stopping one to start another); evaluation jobs may run next to it. While any
 * job runs the application is held, and the window asks before closing.
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

typedef enum {
  DG_JOB_TRAINING,
  DG_JOB_EVALUATION,
  DG_JOB_DOWNLOAD,     /* fetching MNIST; runs next to the others */
  DG_JOB_PERSONAL,     /* the personal model's fine-tune after a correction; next to the others */
} DgJobKind;

typedef struct _DgJob DgJob;

/* Runs in the worker thread. Returns FALSE with error set on failure. */
typedef gboolean (*DgJobWorker) (DgJob *job, gpointer data, GError **error);
/* Runs in the GUI thread when the worker returned; error is NULL on success, and
 * NN_ERROR_CANCELLED after dg_job_cancel(). */
typedef void (*DgJobDone) (DgJob *job, const GError *error, gpointer data);

DgJob        *dg_job_start (DgJobKind kind, const char *name, DgJobWorker worker, DgJobDone done,
                            gpointer data, GDestroyNotify free_data);
DgJob        *dg_job_ref (DgJob *job);
void          dg_job_unref (DgJob *job);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (DgJob, dg_job_unref)

DgJobKind     dg_job_get_kind (DgJob *job);
const char   *dg_job_get_name (DgJob *job);
/* Cancels the job's cancellable; the worker stops within one batch. Any thread. */
void          dg_job_cancel (DgJob *job);
gboolean      dg_job_is_cancelled (DgJob *job);
gboolean      dg_job_is_running (DgJob *job);
/* For the core's runners: nn_fit's cfg.cancellable, nn_evaluate's cancellable. */
GCancellable *dg_job_get_cancellable (DgJob *job);

/* From the worker: runs func (message) in the GUI thread, then free_message
 * (message). Messages arrive in order, all before the done callback. */
void          dg_job_post (DgJob *job, GSourceFunc func, gpointer message,
                           GDestroyNotify free_message);

/* The running training job, or NULL. */
DgJob        *dg_job_runner_get_training (void);
/* Jobs running now, of any kind. */
guint         dg_job_runner_n_running (void);
/* Jobs worth asking about before the window closes: all but DG_JOB_PERSONAL, which
 * lasts seconds and is simply stopped. */
guint         dg_job_runner_n_lasting (void);
/* Cancels every running job. */
void          dg_job_runner_cancel_all (void);
/* Cancels every running job and waits for its thread to end (within a batch). For
 * the application's shutdown: a worker still computing when the program exits
 * crashes it. */
void          dg_job_runner_stop_all (void);
/* Emitted (as a plain callback list) when a job starts or ends, in the GUI thread. */
typedef void (*DgJobRunnerNotify) (gpointer user_data);
guint         dg_job_runner_add_watch (DgJobRunnerNotify notify, gpointer user_data);
void          dg_job_runner_remove_watch (guint id);

G_END_DECLS
