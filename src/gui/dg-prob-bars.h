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

/* number with a percent sign as the user's language writes it ("97%" in English,
 * "97 %" with a no-break space in German and French). Free with g_free. */
char      *dg_percent_text (const char *number);
/* A probability as shown: "97%", "2.5%" under 10 %, "< 0.1%" below 0.1 %, in
 * the locale's digits and decimal separator, never wrapped apart. */
char      *dg_format_probability (float p);

G_END_DECLS
