/* plot-confusion.h: a confusion matrix as a heat map.
 *
 * Rows are true labels, columns predictions. Every cell shows its count and is
 * shaded by its share of the row (the true class): the diagonal in blue, the
 * confusions in orange, on a square-root scale so that a 0.5% confusion is
 * still visible next to a 99% diagonal. The title carries the accuracy; with
 * show_scores, recall runs down the right and precision along the bottom.
 */
#pragma once

#include "plot-common.h"
#include "nn-eval.h"

G_BEGIN_DECLS

typedef struct {
  const char *title;       /* NULL: "Confusion matrix" */
  const char *subtitle;    /* e.g. the model and the data set; may be NULL */
  gboolean show_scores;    /* recall column and precision row */
  int highlight_row;       /* a selected cell drawn with a frame, or -1 */
  int highlight_col;
  const PlotTheme *theme;  /* NULL: light */
} PlotConfusionOptions;

/* Options with everything default: no subtitle, scores shown, nothing highlighted. */
void     plot_confusion_options_init (PlotConfusionOptions *opt);

/* Draws into the rectangle (0, 0, width, height) of cr, background included. */
void     plot_confusion_draw (cairo_t *cr, double width, double height, const NnConfusion *cm,
                              const PlotConfusionOptions *opt);

/* The cell under (x, y) for the same width, height and options, for clicks in
 * the app. FALSE outside the 10 x 10 grid. */
gboolean plot_confusion_cell_at (double width, double height, const PlotConfusionOptions *opt,
                                 double x, double y, int *row, int *col);

/* The rectangle cell (row, col) covers for the same width, height and options
 * (the inverse of plot_confusion_cell_at). FALSE for a cell outside 0 .. 9. */
gboolean plot_confusion_cell_rect (double width, double height, const PlotConfusionOptions *opt,
                                   int row, int col, double *x, double *y, double *w, double *h);

/* A PNG of the drawing, through a temporary file. 0 for width or height picks
 * 760 x 800. */
gboolean plot_confusion_write_png (const NnConfusion *cm, const PlotConfusionOptions *opt,
                                   int width, int height, const char *path, GError **error);

G_END_DECLS
