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

/* Rasterises the drawing as white ink on black into grey (280 x 280, stride 280),
 * whatever the on-screen colours. */
void     dg_canvas_render_grey (DgCanvas *self, guint8 *grey);

/* A 28 x 28 heat map in [0, 1] over the model input, laid over the drawing as a
 * wash over the whole canvas: mapped back (nn_explain_map_to_picture) through
 * info, the preprocessing's crop, scale and centring of dg_canvas_render_grey's
 * picture, or, for an opened picture alone (info NULL), through its placement.
 * NULL removes it. */
void     dg_canvas_set_heatmap (DgCanvas *self, const float *heatmap28,
                                const NnPreprocessInfo *info);
/* The map as laid over the canvas, (280, 280) in canvas units, or NULL. */
const float *dg_canvas_get_heatmap_picture (DgCanvas *self);
void     dg_canvas_set_show_heatmap (DgCanvas *self, gboolean show);
gboolean dg_canvas_get_show_heatmap (DgCanvas *self);

G_END_DECLS
