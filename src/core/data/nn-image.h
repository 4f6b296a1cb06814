/* nn-image.h: PNG and JPEG files as grey pixels, and drawings as MNIST input.
 *
 * Preprocessing follows how MNIST itself was made: find the ink, crop to it, scale
 * the longer side to 20 px with area averaging, centre by centre of mass in a
 * 28 x 28 field, white ink on black.
 */
#pragma once

#include <glib.h>
#include "nn-dataset.h"

G_BEGIN_DECLS

#define NN_IMAGE_MAX_SIDE 4096 /* larger files are refused, not decoded */
#define NN_IMAGE_MAX_PIXELS (4096 * 4096) /* 16.8 megapixels, whatever the sides */
/* Progressive JPEGs take one pass over the coefficients per scan: cameras and
 * encoders write about 10, a file of 2,000 took 5.5 s to decode. */
#define NN_IMAGE_MAX_JPEG_SCANS 100

typedef struct {
  int width, height;
  guint8 *pixels; /* (height, width) row-major grey, 0 black .. 255 white */
} NnGreyImage;

/* Decodes a PNG or JPEG (any bit depth, grey, colour, palette or alpha; alpha is
 * composited over white; CMYK JPEG converted; a JPEG's EXIF orientation applied,
 * so phone photos come out upright) by its content, not its name. Colour becomes
 * grey by Rec. 601 luma. Over 4096 pixels on a side is refused before decoding.
 * Empty, truncated or corrupt files are NN_ERROR_FORMAT naming the file. */
NnGreyImage *nn_grey_image_load (const char *path, GError **error);
NnGreyImage *nn_grey_image_new (int width, int height);
void         nn_grey_image_free (NnGreyImage *img);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (NnGreyImage, nn_grey_image_free)
/* Writes an 8-bit grey PNG through a temporary file and a rename. */
gboolean     nn_grey_image_save_png (const NnGreyImage *img, const char *path, GError **error);

typedef enum {
  NN_BACKGROUND_AUTO,  /* guess from the border pixels */
  NN_BACKGROUND_DARK,  /* light ink on a dark background, like MNIST */
  NN_BACKGROUND_LIGHT, /* dark ink on a light background, like paper */
} NnBackground;

/* Turns grey pixels (any size, with row stride in bytes) into the model input
 * out (28, 28, 1) in [0, 1], ink = 1: the ink's bounding box scaled so its longer
 * side is exactly 20 pixels, its centre of mass within half a pixel of (14, 14)
 * (pixel-index coordinates, as in MNIST), the strongest pixel 1.0. Ink levels
 * are measured from the background's own level, so grey paper works too. A blank
 * or nearly blank picture (no contrast, only a dot, a few stray pixels) gives
 * NN_ERROR_NOTHING_DRAWN and leaves out untouched. About 0.3 ms for 560 x 560.
 * A photo or scan (paper whose level varies along the border: sensor noise, a
 * lighting gradient) first has its lighting divided out, ruled lines and specks
 * removed and only the digit's own pieces kept; a drawing on a clean background
 * does not take that road. */
gboolean nn_preprocess_digit (const guint8 *grey, int width, int height, int stride,
                              NnBackground background, float out[NN_IMAGE_PIXELS],
                              GError **error);

/* Where the digit came from, to map the 28 x 28 field (a Grad-CAM heat map, say)
 * back onto the picture: source pixel x lands at field coordinate
 *   u = off_x + (x - x0) * scale     (and y likewise, with y0 and off_y);
 * coordinates are continuous, pixel i spanning [i, i + 1). */
typedef struct {
  NnBackground background; /* the polarity used (AUTO resolved) */
  gboolean flattened;      /* uneven lighting was flattened first */
  int x0, y0, x1, y1;      /* the ink box in the source: [x0, x1) x [y0, y1) */
  double scale;            /* field pixels per source pixel: 20 / longer side */
  int off_x, off_y;        /* the field position of the box's top-left corner */
} NnPreprocessInfo;

/* nn_preprocess_digit() that also tells where the digit came from. */
gboolean nn_preprocess_digit_info (const guint8 *grey, int width, int height, int stride,
                                   NnBackground background, float out[NN_IMAGE_PIXELS],
                                   NnPreprocessInfo *info, GError **error);

/* The guess NN_BACKGROUND_AUTO makes for this picture: the background is the
 * median of a band along the border, and ink is whichever side (darker or
 * lighter) strays further from it. */
NnBackground nn_detect_background (const guint8 *grey, int width, int height, int stride);

G_END_DECLS
