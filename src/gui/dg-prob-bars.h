/* dg-prob-bars.h: ten probability bars, the winner highlighted; each row is an
 * accessible element labelled "digit 7, 93 percent". */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define DG_TYPE_PROB_BARS (dg_prob_bars_get_type ())
G_DECLARE_FINAL_TYPE (DgProbBars, dg_prob_bars, DG, PROB_BARS, GtkWidget)

GtkWidget *dg_prob_bars_new (void);
/* probs (10,), or NULL for empty bars. */
void       dg_prob_bars_set_probs (DgProbBars *self, const float *probs);
/* The accessible label of a row, e.g. "digit 7, 93 percent". Free with g_free. */
char      *dg_prob_bars_dup_row_label (DgProbBars *self, int digit);

G_END_DECLS
