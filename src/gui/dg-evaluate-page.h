/* dg-evaluate-page.h: the Evaluate page: confusion matrix, misclassified images,
 * robustness sweep, exports.
 *
 * Signals, in the GUI thread: "evaluation-started" (model path, folder or NULL
 * for the MNIST test set), "progress" (images done, total), "evaluated" (const
 * NnEvalResult *), "swept" (models, the first one's const NnRobustnessResult *),
 * "failed" (GError *), "cell-selected" (row, col), "gallery-opened" (row, col,
 * images, images shown, the gallery window), "image-opened" (index, sent to the
 * Draw page), "exported" (ok, files, folder).
 */
#pragma once

#include <gtk/gtk.h>
#include "dg-context.h"

G_BEGIN_DECLS

#define DG_TYPE_EVALUATE_PAGE (dg_evaluate_page_get_type ())
G_DECLARE_FINAL_TYPE (DgEvaluatePage, dg_evaluate_page, DG, EVALUATE_PAGE, GtkWidget)

GtkWidget *dg_evaluate_page_new (DgContext *context);
/* The rectangle of confusion-matrix cell (row, col) in the coordinates of the
 * matrix widget (template child "confusion_area"), as last laid out; FALSE
 * before the page was first shown. */
gboolean   dg_evaluate_page_get_cell_bounds (DgEvaluatePage *self, int row, int col,
                                             graphene_rect_t *out);

G_END_DECLS
