/* dg-train-page.h: the Train page: recipes, fine-tuning from a folder, live plots.
 *
 * Signals, in the GUI thread: "run-started" (run id, const NnRecipeOptions *),
 * "batch" and "epoch" (const NnFitProgress *), "stage" (text), "run-finished"
 * (run id, model path, whether the file exists, const NnRecipeReport * or NULL,
 * GError * or NULL), "run-shown" (run id, from the runs list), "folder-read"
 * (folder, const NnFolderReport *, whether fine-tuning can use it).
 */
#pragma once

#include <gtk/gtk.h>
#include "dg-context.h"

G_BEGIN_DECLS

#define DG_TYPE_TRAIN_PAGE (dg_train_page_get_type ())
G_DECLARE_FINAL_TYPE (DgTrainPage, dg_train_page, DG, TRAIN_PAGE, GtkWidget)

GtkWidget *dg_train_page_new (DgContext *context);
/* The folder fine-tuning reads by default (the samples folder). */
void       dg_train_page_set_default_folder (DgTrainPage *self, const char *path);
/* Stops the running job, if any (the window asks first when it closes). */
void       dg_train_page_cancel (DgTrainPage *self);

G_END_DECLS
