/* dg-image-reader.h: a picture (a PNG or JPEG file, a pasted texture, an MNIST
 * image) made ready for the Draw page: the model input, preprocessed the way
 * `digits-cli predict` does it (background detected, ink cropped, scaled and
 * centred from the picture's own pixels), and the canvas's raster layer, the
 * picture as white ink on black fitted into 280 x 280.
 *
 * Files and textures are decoded and prepared off the GUI thread.
 */
#pragma once

#include <gtk/gtk.h>
#include "dg-canvas.h"
#include "nn-image.h"

G_BEGIN_DECLS

typedef struct {
  float input[NN_IMAGE_PIXELS];                  /* the model input */
  guint8 ink[DG_CANVAS_UNITS * DG_CANVAS_UNITS]; /* the raster layer */
  double placement[3];  /* for dg_canvas_set_image(): input (14, 14) on the canvas, scale */
} DgReadImage;

void         dg_read_image_free (DgReadImage *image);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (DgReadImage, dg_read_image_free)

/* grey (width x height, stride width, 0 black .. 255 white); background AUTO
 * detects it as the CLI does. NN_ERROR_NOTHING_DRAWN for a blank picture. */
DgReadImage *dg_read_image_from_grey (const guint8 *grey, int width, int height,
                                      NnBackground background, GError **error);

/* Decodes file (by its content, not its name) in a worker thread. */
void         dg_read_image_file_async (GFile *file, GCancellable *cancellable,
                                       GAsyncReadyCallback callback, gpointer data);
/* Prepares a texture (a pasted picture; alpha over white) in a worker thread. */
void         dg_read_image_texture_async (GdkTexture *texture, GCancellable *cancellable,
                                          GAsyncReadyCallback callback, gpointer data);
DgReadImage *dg_read_image_finish (GAsyncResult *result, GError **error);

G_END_DECLS
