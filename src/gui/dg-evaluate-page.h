/* dg-evaluate-page.h: the Evaluate page: confusion matrix, misclassified images,
 * robustness sweep, exports. */
#pragma once

#include <gtk/gtk.h>
#include "dg-context.h"

G_BEGIN_DECLS

#define DG_TYPE_EVALUATE_PAGE (dg_evaluate_page_get_type ())
G_DECLARE_FINAL_TYPE (DgEvaluatePage, dg_evaluate_page, DG, EVALUATE_PAGE, GtkWidget)

GtkWidget *dg_evaluate_page_new (DgContext *context);

G_END_DECLS
