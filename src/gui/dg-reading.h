/* dg-reading.h: a drawing with the model's reading of it, as it leaves the app:
 * on the clipboard (the digit as text for text editors, the drawing as a picture
 * for image programs) and exported as a PNG with the prediction and the heat map.
 *
 *   DgReading *r = dg_reading_new (canvas, model, input, digit);
 *   gdk_clipboard_set_content (clipboard, dg_reading_content_provider (r));
 *   dg_reading_export_async (r, "/path/seven.png", NULL, done, data);  // takes r
 */
#pragma once

#include <gtk/gtk.h>
#include "dg-canvas.h"
#include "dg-context.h"
#include "dg-model.h"

G_BEGIN_DECLS

typedef struct {
  guint8 *grey;            /* width x side, white ink on black, as the model reads it */
  int side, width;         /* width: side, or 3 x side for a number's drawing */
  int digit;               /* -1: nothing read (no model, or a blank canvas) */
  float probs[DG_N_CLASSES];
  float *heat;             /* side x side: the heat map as the canvas lays it, or NULL */
  char *number;            /* a number's reading, for the clipboard's text; or NULL */
  char *model;             /* the model's title, or NULL */
} DgReading;

/* The canvas's drawing and, when model is not NULL and digit >= 0, the model's
 * reading of input (28 x 28, the drawing as the model saw it) with the heat map the
 * canvas lays over it (when it has one). */
DgReading          *dg_reading_new (DgCanvas *canvas, DgModel *model, const float *input, int digit);
/* Number mode: the whole wide drawing and the number read ("2026") as the text. */
void                dg_reading_set_number (DgReading *r, DgCanvas *canvas, const char *number);
void                dg_reading_free (DgReading *r);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (DgReading, dg_reading_free)

/* The drawing as a picture, and the digit ("7") or the number as text when there is one. */
GdkContentProvider *dg_reading_content_provider (const DgReading *r);

/* The exported picture: the drawing under its heat map, the digit, how sure the
 * model is, its probabilities and the model's name. 640 x 320. */
cairo_surface_t    *dg_reading_render (const DgReading *r);

/* Renders and encodes the PNG in a worker thread and writes it atomically (a
 * temporary file beside path, renamed into place). Takes r. */
void                dg_reading_export_async (DgReading *r, const char *path,
                                             GCancellable *cancellable,
                                             GAsyncReadyCallback callback, gpointer user_data);
gboolean            dg_reading_export_finish (GAsyncResult *result, GError **error);

/* Export Reading…: asks for a file name (digit-7.png in the Pictures folder to
 * start with), exports, and says how it went in a toast about "export". Takes r. */
void                dg_reading_export_ask (DgReading *r, GtkWidget *parent, DgContext *context);

G_END_DECLS
