/* nn-perturb.h: the robustness perturbations of the original project, defined exactly.
 *
 * All work on float images in [0, 1], row-major (H, W), and write to a separate
 * output (out != in). They reproduce the Python reference:
 *   noise       x + N(0, sigma^2), then clipped to [0, 1]; our own seeded generator
 *               (numpy's stream cannot be reproduced, the distribution can)
 *   blur        scipy.ndimage.gaussian_filter(x, sigma): truncate 4.0, so a kernel
 *               radius of int(4 sigma + 0.5); mode 'reflect' (d c b a | a b c d);
 *               separable, rows (axis 0) first, the intermediate kept in float32
 *   rotation    scipy.ndimage.rotate(x, deg, reshape=False, order=1, mode='nearest'):
 *               output (r, c) samples the input at
 *                 r' = cos a (r - cr) + sin a (c - cc) + cr
 *                 c' = -sin a (r - cr) + cos a (c - cc) + cc,    cr = (H-1)/2, cc = (W-1)/2
 *               bilinearly, coordinates clamped to the edge; positive angles turn
 *               the picture counter-clockwise as displayed (row 0 at the top)
 *   shift       scipy.ndimage.shift(x, (dy, dx), order=1, mode='nearest'):
 *               output (r, c) samples the input at (r - dy, c - dx)
 *   thickening  cv2.dilate(uint8 image, ones((k, k)), anchor (k//2, k//2)):
 *               out(r, c) = max of in(r + i - k//2, c + j - k//2), 0 <= i, j < k,
 *               pixels outside the image ignored; the float image is quantised to
 *               uint8 by rounding first and divided by 255 after
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef enum {
  NN_PERTURB_CLEAN,     /* the image as it is: the reference row */
  NN_PERTURB_NOISE,     /* severity: sigma of the additive Gaussian noise */
  NN_PERTURB_BLUR,      /* severity: sigma of the Gaussian blur, in pixels */
  NN_PERTURB_ROTATION,  /* severity: degrees */
  NN_PERTURB_SHIFT,     /* severity: pixels, both down and right */
  NN_PERTURB_THICKEN,   /* severity: dilation kernel side k */
  NN_PERTURB_N_KINDS
} NnPerturbKind;

typedef struct {
  NnPerturbKind kind;
  double severity;
} NnPerturbation;

/* "clean", "noise", "blur", "rotation", "shift", "thickening" */
const char *nn_perturb_kind_name (NnPerturbKind kind);
/* What the severity measures: "", "σ", "σ", "°", "px", "k". */
const char *nn_perturb_kind_unit (NnPerturbKind kind);
/* A short label: "clean", "noise σ=0.05", "blur σ=1.2", "rotation 15°",
 * "shift (2, 2)", "thickening k=3". Free with g_free. */
char       *nn_perturbation_describe (const NnPerturbation *p);

/* The original project's sweep: clean, noise 0.05 0.10 0.20 0.30, blur 0.8 1.2 1.6,
 * rotation 10 15 20, shift 2 3, thickening 2 3 4. 16 rows, static. */
const NnPerturbation *nn_perturbation_standard_set (int *n_out);

/* Applies p to one h x w image. seed only matters for noise: the same seed gives
 * the same noise. */
void nn_perturbation_apply (const NnPerturbation *p, float *out, const float *in, int h, int w,
                            guint64 seed);

void nn_perturb_noise (float *out, const float *in, int h, int w, double sigma, guint64 seed);
void nn_perturb_blur (float *out, const float *in, int h, int w, double sigma);
void nn_perturb_rotate (float *out, const float *in, int h, int w, double degrees);
void nn_perturb_shift (float *out, const float *in, int h, int w, double dy, double dx);
void nn_perturb_thicken (float *out, const float *in, int h, int w, int k);
void nn_perturb_dilate_u8 (guint8 *out, const guint8 *in, int h, int w, int k);

/* The normalised 1-D kernel gaussian_filter uses: 2 radius + 1 taps, radius =
 * int(4 sigma + 0.5). Writes at most max_taps values and returns the radius. */
int  nn_gaussian_kernel1d (double sigma, double *taps, int max_taps);

G_END_DECLS
