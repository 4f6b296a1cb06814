/* nn-explain-canvas.h: an explanation map put back on the picture it came from.
 *
 * Preprocessing (nn-image.h) crops the ink, scales it and shifts it by its centre
 * of mass into the 28 x 28 field; NnPreprocessInfo records how. This inverts that
 * mapping, so a map over the field can be drawn over the user's own canvas.
 */
#pragma once

#include "nn-image.h"

G_BEGIN_DECLS

/* out (height, width) row-major, width x height being the picture's size that
 * nn_preprocess_digit_info() read: every picture pixel gets the map's value at
 * its centre's field position (bilinear between field pixel centres). Field pixels
 * beyond the 28 x 28 grid count as 0, since the model saw nothing there: so the
 * whole picture is covered, and parts of it far from the digit are 0. */
void nn_explain_map_to_picture (const float map[28 * 28], const NnPreprocessInfo *info,
                                int width, int height, float *out);

/* The same for a picture placed by any scale and shift: picture pixel (x, y)'s
 * centre lies at field coordinates (u0 + (x + 0.5) * scale, v0 + (y + 0.5) * scale).
 * For a picture shown at another size or place than the one preprocessed (the
 * app's canvas showing an opened file). */
void nn_explain_map_to_grid (const float map[28 * 28], double u0, double v0, double scale,
                             int width, int height, float *out);

G_END_DECLS
