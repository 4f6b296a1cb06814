/* dg-model-list.h: the .keras files the model selector offers.
 *
 * A GListModel of GtkStringObject, each holding a file path, found in (in order):
 *   the installed models folder (DATADIR/digits/models),
 *   $XDG_DATA_HOME/digits/models,
 *   ./models and the source tree's models/ when the app runs from its build tree.
 * DIGITS_MODELS_PATH (folders separated by ':') replaces that list; tests use it.
 * Files opened with "Open Model…" are appended.
 */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define DG_TYPE_MODEL_LIST (dg_model_list_get_type ())
G_DECLARE_FINAL_TYPE (DgModelList, dg_model_list, DG, MODEL_LIST, GObject)

#define DG_DEFAULT_MODEL "mnist_advanced.keras"

DgModelList *dg_model_list_new (void);
void         dg_model_list_refresh (DgModelList *self);
/* Adds path unless present; returns its position either way. */
guint        dg_model_list_add (DgModelList *self, const char *path);
/* Removes path (a renamed or deleted file); FALSE when it was not listed. */
gboolean     dg_model_list_remove (DgModelList *self, const char *path);
/* Position of path, or -1. */
int          dg_model_list_find (DgModelList *self, const char *path);
const char  *dg_model_list_get_path (DgModelList *self, guint position);
/* The test accuracy stored in path's metadata ("0.9968"), read once and kept until
 * the list is refreshed or path added again; NULL when the file has none (or is no
 * .keras file). */
const char  *dg_model_list_get_stored_accuracy (DgModelList *self, const char *path);
/* Position of the default model: mnist_advanced.keras, else mnist_cnn.keras,
 * else mnist_baseline.keras, else the first; -1 when the list is empty. */
int          dg_model_list_default_position (DgModelList *self);
/* The folders searched, for messages. */
GStrv        dg_model_list_dup_search_dirs (void);
/* "mnist_cnn" for ".../mnist_cnn.keras", or the title set for path. Free with g_free. */
char        *dg_model_title_from_path (const char *path);
/* The title shown for path instead of its file name ("Personal (based on
 * mnist_cnn)"); NULL takes it back. Set it before the path is listed. */
void         dg_model_title_set (const char *path, const char *title);

G_END_DECLS
