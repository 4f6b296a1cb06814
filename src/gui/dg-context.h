/* dg-context.h: what the window and its pages share.
 *
 * One DgContext per window, given to each page as its "context" construct
 * property: the model list, the current model (loaded in the background), the
 * settings, the data location and whether background jobs run. Pages read it
 * and watch its properties and signals; they act on the window through actions
 * (win.show-page, win.draw-image, app.use-model) and report through
 * dg_context_toast(), never by calling the window.
 */
#pragma once

#include <gio/gio.h>
#include "dg-model.h"
#include "dg-model-list.h"
#include "dg-settings.h"

G_BEGIN_DECLS

#define DG_TYPE_CONTEXT (dg_context_get_type ())
G_DECLARE_FINAL_TYPE (DgContext, dg_context, DG, CONTEXT, GObject)

DgContext   *dg_context_new (DgSettings *settings);

DgSettings  *dg_context_get_settings (DgContext *self);
DgModelList *dg_context_get_models (DgContext *self);
/* Adds a model file that just appeared (a finished training) to the list. */
void         dg_context_add_model (DgContext *self, const char *path);

/* The model the Draw page uses, or NULL ("model" property). */
DgModel     *dg_context_get_model (DgContext *self);
const char  *dg_context_get_model_path (DgContext *self);
/* Loads path in the background. A load counts only if no newer one started: on
 * success it becomes the model, on failure "load-failed" (path, message) is
 * emitted and the current model stays. "load-started" (path) comes first. */
void         dg_context_open_model (DgContext *self, const char *path);

/* Where the MNIST files are ("data-dir"; NULL: none found, see "data-problem").
 * It is found (nn_mnist_find) when the context is made, whenever the
 * "mnist-folder" setting (the folder the user chose, "" for none) changes, and
 * on dg_context_find_data(), after a download. */
const char  *dg_context_get_data_dir (DgContext *self);
void         dg_context_set_data_dir (DgContext *self, const char *dir);
/* Why no MNIST was found: every place looked in and why it was passed over, one
 * per line ("data-problem"; NULL when "data-dir" is set). */
const char  *dg_context_get_data_problem (DgContext *self);
void         dg_context_find_data (DgContext *self);

/* Jobs of the job runner running now ("n-jobs"). */
guint        dg_context_get_n_jobs (DgContext *self);

/* A short message for the user ("toast" signal: text, details or NULL); the
 * window shows it, with a Details button when there are details. */
void         dg_context_toast (DgContext *self, const char *text, const char *details);
/* A short message with a button that activates action_name (with target, or NULL;
 * a floating target is sunk) in the window ("toast-action" signal: text,
 * button_label, action_name, target). */
void         dg_context_toast_action (DgContext *self, const char *text, const char *button_label,
                                      const char *action_name, GVariant *target);
/* A toast about topic (say "open-image"): it replaces one still showing about the
 * same topic instead of queueing behind it. The topic is readable from the
 * "toast" handlers (dg_context_get_toast_topic(), NULL for plain toasts). */
void         dg_context_toast_about (DgContext *self, const char *topic, const char *text,
                                     const char *details);
const char  *dg_context_get_toast_topic (DgContext *self);

G_END_DECLS
