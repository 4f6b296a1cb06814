/* dg-canvas.h: the square drawing canvas.
 *
 * Strokes are kept in canvas units of a 280 x 280 canvas, whatever the widget's
 * size on screen, so the brush size means the same at every window size and the
 * raster handed to the model is always 280 x 280.
 *
 * The gesture handlers call the plain stroke functions below; tests and the
 * latency benchmark call them too.
 */
#pragma once

#include <gtk/gtk.h>
#include "nn-image.h"

G_BEGIN_DECLS

#define DG_CANVAS_UNITS 280
#define DG_CANVAS_MAX_UNITS (4 * DG_CANVAS_UNITS)  /* the widest drawing, for numbers */

#define DG_TYPE_CANVAS (dg_canvas_get_type ())
G_DECLARE_FINAL_TYPE (DgCanvas, dg_canvas, DG, CANVAS, GtkWidget)

GtkWidget *dg_canvas_new (void);

/* Positions in canvas units (0 .. 280). */
void     dg_canvas_stroke_begin (DgCanvas *self, double x, double y);
void     dg_canvas_stroke_add (DgCanvas *self, double x, double y);
void     dg_canvas_stroke_end (DgCanvas *self);

void     dg_canvas_undo (DgCanvas *self);
void     dg_canvas_redo (DgCanvas *self);
void     dg_canvas_clear (DgCanvas *self);
gboolean dg_canvas_get_can_undo (DgCanvas *self);
gboolean dg_canvas_get_can_redo (DgCanvas *self);
gboolean dg_canvas_is_empty (DgCanvas *self);
guint    dg_canvas_get_n_strokes (DgCanvas *self);
guint    dg_canvas_get_n_points (DgCanvas *self);

/* An opened image: ink (280 x 280 grey, white ink on black, stride 280) replaces
 * the drawing as its raster layer, in one step of history (Undo brings back what
 * was there). Strokes may be drawn over it. placement, if not NULL, is where the
 * model input came from: the canvas position of input pixel (14, 14) and input
 * pixels per canvas unit, for the heat map. data (freed with destroy) is the
 * opener's and dg_canvas_get_image_data() gives it back while the image is the
 * whole drawing, NULL once strokes are drawn over it or it is gone. */
void     dg_canvas_set_image (DgCanvas *self, const guint8 *ink, const double placement[3],
                              gpointer data, GDestroyNotify destroy);
gboolean dg_canvas_has_image (DgCanvas *self);
gpointer dg_canvas_get_image_data (DgCanvas *self);

int      dg_canvas_get_brush_size (DgCanvas *self);
void     dg_canvas_set_brush_size (DgCanvas *self, int size);
gboolean dg_canvas_get_dark (DgCanvas *self);
void     dg_canvas_set_dark (DgCanvas *self, gboolean dark);

/* The drawing's width in canvas units (280 .. 1120; 280: square). Its height is
 * always 280 units, so a wide canvas (840 for a number) keeps the brush's size. */
int      dg_canvas_get_width_units (DgCanvas *self);
void     dg_canvas_set_width_units (DgCanvas *self, int width_units);
/* Where the drawing shows inside the widget, in widget pixels (its height spans
 * 280 canvas units). */
void     dg_canvas_get_area (DgCanvas *self, graphene_rect_t *area);

/* Rasterises the drawing as white ink on black into grey (280 x 280, stride 280),
 * whatever the on-screen colours; a wide drawing's left square. */
void     dg_canvas_render_grey (DgCanvas *self, guint8 *grey);
/* The same into width x height pixels (stride: Cairo's A8 stride for width) at
 * scale pixels per canvas unit, stroke i moved right by shifts[i] units (shifts
 * NULL: none). */
void     dg_canvas_render_grey_shifted (DgCanvas *self, guint8 *grey, int width, int height,
                                        int stride, double scale, const double *shifts);
/* The columns stroke i covers, with half its width on each side (an image layer:
 * its 280 units). FALSE when there is no such stroke. */
gboolean dg_canvas_get_stroke_extent (DgCanvas *self, guint i, double *x0, double *x1);

/* A 28 x 28 heat map in [0, 1] over the model input, laid over the drawing as a
 * wash over the whole canvas: mapped back (nn_explain_map_to_picture) through
 * info, the preprocessing's crop, scale and centring of dg_canvas_render_grey's
 * picture, or, for an opened picture alone (info NULL), through its placement.
 * NULL removes it. */
void     dg_canvas_set_heatmap (DgCanvas *self, const float *heatmap28,
                                const NnPreprocessInfo *info);
/* The same for an input that came from a part of the drawing: placement is the
 * canvas position of input pixel (14, 14) and input pixels per canvas unit. */
void     dg_canvas_set_heatmap_at (DgCanvas *self, const float *heatmap28,
                                   const double placement[3]);
/* The map as laid over the canvas, (280, width units) in canvas units, or NULL. */
const float *dg_canvas_get_heatmap_picture (DgCanvas *self);
void     dg_canvas_set_show_heatmap (DgCanvas *self, gboolean show);
gboolean dg_canvas_get_show_heatmap (DgCanvas *self);

G_END_DECLS
