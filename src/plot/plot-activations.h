/* plot-activations.h: what each layer of a model makes of one image, its first
 * convolution's filters, and the model as a graph of boxes.
 *
 * Sections, top to bottom, in the model's layer order:
 *   grid     a layer with a spatial output (nn_layer_is_spatial): one small map
 *            per channel, viridis, each map scaled from its own minimum (dark) to
 *            its own maximum (light), under a line with the layer's name, kind
 *            and shape;
 *   bars     a flat layer (Dense, GlobalAveragePooling2D, ...): one bar per unit,
 *            scaled by the layer's largest magnitude, negative values downwards;
 *   softmax  the output layer: the ten probabilities, labelled with their digit.
 * Flatten and Reshape only rearrange the layer before them and get no section.
 *
 * The app draws these into its Inside view and digits-cli activations into a PNG;
 * everything is laid out for a given width and grows downwards.
 */
#pragma once

#include "plot-common.h"
#include "nn-model.h"

G_BEGIN_DECLS

typedef enum {
  PLOT_SECTION_NONE,    /* no section (Input, Flatten, Reshape) */
  PLOT_SECTION_GRID,
  PLOT_SECTION_BARS,
  PLOT_SECTION_SOFTMAX,
} PlotSectionKind;

/* One image's activations: outputs[i] is layer i's output (its out_shape, NHWC,
 * batch 1), as nn_workspace_layer_output gives it after nn_model_forward; probs
 * the model's probabilities (n_classes). */
typedef struct {
  const NnModel *model;
  const float *const *outputs;
  const float *probs;
} PlotActivations;

/* What was drawn, for tests and captions. */
typedef struct {
  int n_grids, n_bars, n_softmax;
  int n_maps;           /* small maps over all grids */
} PlotActivationsCount;

PlotSectionKind plot_activations_section (const NnModel *m, int layer);

/* Height of every section at this width. */
double plot_activations_height (const NnModel *m, double width);
/* Draws every section at (0, 0) downwards; counts may be NULL. */
void   plot_activations_draw (cairo_t *cr, const PlotActivations *a, double width,
                              const PlotTheme *theme, PlotActivationsCount *counts);

/* The first Conv2D's index, or -1 when the model has none. */
int    plot_filters_layer (const NnModel *m);
/* The filters most responding to this image: indices of the top n channels by
 * the mean magnitude of the filter layer's output (written to top, best first).
 * Returns how many were written. */
int    plot_filters_top (const NnModel *m, const float *layer_output, int *top, int n);
double plot_filters_height (const NnModel *m, double width);
/* Each filter (its kernel averaged over input channels) as a small grey square,
 * 0 mid-grey, scaled by its own largest weight; those in top (n_top of them, may
 * be 0) outlined and numbered by rank. */
void   plot_filters_draw (cairo_t *cr, const NnModel *m, const int *top, int n_top, double width,
                          const PlotTheme *theme);

/* The model as boxes, one per layer in order (name; kind, output shape and
 * parameter count), joined by arrows from each layer to the layers that read it;
 * a layer whose first input already feeds the box below goes into a new column,
 * so branches sit side by side. */
double plot_model_graph_height (const NnModel *m, double width);
void   plot_model_graph_draw (cairo_t *cr, const NnModel *m, double width, const PlotTheme *theme);

/* A PNG of width pixels (0 picks 720): a title, the input, the filters and every
 * section, on a light page. */
gboolean plot_activations_write_png (const PlotActivations *a, const float *input, const char *title,
                                     int width, const char *path, PlotActivationsCount *counts,
                                     GError **error);

G_END_DECLS
