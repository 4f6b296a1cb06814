/* dg-explain-runner.h: the Draw page's explanation maps, by any method of
 * nn-explain.h, without holding up drawing.
 *
 * Grad-CAM and Grad-CAM++ take one forward and one backward pass (about a
 * millisecond on the shipped models) and run at once on the GUI thread.
 * Integrated gradients (65 passes each way) and occlusion (up to 169 forward
 * passes) take tens of milliseconds: they run in a worker thread at a lower
 * priority (nice 10 on Linux), on the runner's own copy of the model, so that no
 * backward pass of the GUI thread shares the weight-gradient buffers with it. One request runs at a time; a newer request
 * replaces the one waiting, so a burst of strokes costs the map being computed and
 * the latest one, never a queue of stale ones.
 */
#pragma once

#include <gio/gio.h>
#include "dg-model.h"
#include "nn-explain.h"

G_BEGIN_DECLS

#define DG_TYPE_EXPLAIN_RUNNER (dg_explain_runner_get_type ())
G_DECLARE_FINAL_TYPE (DgExplainRunner, dg_explain_runner, DG, EXPLAIN_RUNNER, GObject)

DgExplainRunner *dg_explain_runner_new (void);

/* TRUE for the methods that run at once (dg_explain_runner_run). */
gboolean dg_explain_method_is_quick (NnExplainMethod method);

/* Explains input (28, 28, 1) with a quick method on the GUI thread. layer < 0
 * picks the method's default layer. */
gboolean dg_explain_runner_run (DgExplainRunner *self, DgModel *model, NnExplainMethod method,
                                int layer, const float *input, int class_index,
                                NnExplanation *out, GError **error);

/* Starts (or queues, replacing the request waiting) any method in the worker
 * thread; returns the request's serial. The "explained" signal (guint serial,
 * gpointer const NnExplanation *, or NULL with const char *message) reports the
 * latest request only; earlier ones that finish are dropped. */
guint    dg_explain_runner_request (DgExplainRunner *self, DgModel *model,
                                    NnExplainMethod method, int layer, const float *input,
                                    int class_index);
/* Drops the request waiting and the result of the one running. */
void     dg_explain_runner_cancel (DgExplainRunner *self);
/* Cancels, waits for the job running (a slow map takes up to a few tenths of a
 * second) and ends the worker thread; a later request starts a new one. For the
 * owner's dispose: a running job keeps the runner alive, and its thread must not
 * outlive the window (a thread still computing when the program exits crashes it). */
void     dg_explain_runner_stop (DgExplainRunner *self);
/* TRUE while a request is running or waiting. */
gboolean dg_explain_runner_is_busy (DgExplainRunner *self);

G_END_DECLS
