/* photos.h: photos of digits written on paper, drawn from a seed.
 *
 * For measuring how well a photo or scan of a digit is read: a digit of the
 * handwriting fonts the tests use (tests/finetune/font-digits.c; fonts are for
 * tests only, never for the shipped models) on an off-white or tinted page, lit
 * unevenly (a gradient and a vignette), crossed by a notebook's ruled lines or
 * squares or by none, with sensor noise, saved as a JPEG of quality 30 to 90. The
 * digit covers a fifth to two thirds of the picture's shorter side; pictures are
 * 300 to 1,200 px on a side. The same digit and seed give the same picture; with
 * effects off, the same glyph, at the same place and size, is drawn black on
 * white, which tells how well the glyph itself is read.
 */
#pragma once

#include <glib.h>

typedef enum { PHOTO_PLAIN, PHOTO_RULED, PHOTO_SQUARES, PHOTO_N_PAPERS } PhotoPaper;

typedef struct {
  int width, height;
  guint8 *rgb;        /* (height, width, 3) */
  PhotoPaper paper;
  int quality;        /* the JPEG quality it is saved with */
  double digit_share; /* the glyph's height / the shorter side */
} PhotoImage;

const char *photo_paper_name (PhotoPaper paper);
/* Fills out (free with photo_image_clear). */
void     photo_render (int digit, guint32 seed, gboolean effects, PhotoImage *out);
void     photo_image_clear (PhotoImage *img);
/* Writes img as a colour JPEG of img->quality (libjpeg). */
gboolean photo_save_jpeg (const PhotoImage *img, const char *path, GError **error);
