/* nn-photo-private.h: the photo step of the preprocessing (nn-photo.c), shared
 * by nn-preprocess.c alone. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The written digit of a photo or scan of paper (ink darker than the paper when
 * light, lighter otherwise) as light ink on black, width x height: the lighting
 * divided out, ruled lines and specks removed, only the digit's pieces kept.
 * All black when no ink stands out. */
guint8 *nn_photo_ink (const guint8 *grey, int width, int height, int stride, gboolean light);

G_END_DECLS
