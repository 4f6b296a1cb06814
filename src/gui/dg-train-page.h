/* dg-train-page.h: the Train page: recipes, fine-tuning from a folder, live plots. */
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
