/* nn-augment.h: on-the-fly augmentation of 28 x 28 digit batches.
 *
 * Every image gets its own random stream derived from (seed, epoch, index), so a
 * seeded run is repeatable whatever the thread count. The geometric part is one
 * affine warp (rotation, zoom, translation about the centre) with bilinear
 * sampling and black outside; then, each with its own probability: elastic
 * distortion, stroke thickening (grey dilation) or thinning (grey erosion),
 * Gaussian blur and additive Gaussian noise clipped to [0, 1].
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct {
  /* Keras RandomRotation / RandomTranslation / RandomZoom factors */
  float rotation;     /* fraction of 2 pi: angle uniform in +-rotation * 2 pi */
  float translation;  /* fraction of the side: shift uniform in +-translation * 28 */
  float zoom;         /* scale uniform in [1 - zoom, 1 + zoom] */
  /* elastic distortion (Simard et al.): random field smoothed by sigma, times alpha */
  float elastic_p, elastic_alpha, elastic_sigma;
  /* grey dilation with a k x k square, k uniform in [2, thicken_max] */
  float thicken_p;
  int thicken_max;
  /* grey erosion with a 2 x 2 square */
  float thin_p;
  /* Gaussian blur, sigma uniform in [0.5, blur_max] */
  float blur_p, blur_max;
  /* additive Gaussian noise, sigma uniform in [0, noise_max], then clipped */
  float noise_p, noise_max;
} NnAugmentConfig;

/* TRUE when the config changes images at all. */
gboolean nn_augment_enabled (const NnAugmentConfig *cfg);

/* Augments one image in place: img (28, 28) floats in [0, 1]. */
void nn_augment_image (const NnAugmentConfig *cfg, float *img, guint64 seed,
                       guint64 epoch, guint64 index);

/* Augments images (N, 28, 28, 1) in place; image i uses the stream
 * (seed, epoch, first_index + i). */
void nn_augment_batch (const NnAugmentConfig *cfg, float *images, int n, guint64 seed,
                       guint64 epoch, guint64 first_index);

/* The building blocks, also usable on their own. All work on (28, 28) images;
 * dst and src must differ. */
void nn_augment_affine (float *dst, const float *src, float angle_rad, float scale,
                        float dx, float dy);
void nn_augment_dilate (float *dst, const float *src, int k);
void nn_augment_erode (float *dst, const float *src, int k);
void nn_augment_blur (float *img, float sigma);

G_END_DECLS
