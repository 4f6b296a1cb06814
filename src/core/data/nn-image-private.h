/* nn-image-private.h: image decoding with the problem kept apart from the path,
 * so that the folder reader can print "path: reason" in its own words. */
#pragma once

#include "nn-image.h"

G_BEGIN_DECLS

typedef enum {
  NN_IMAGE_OK,
  NN_IMAGE_UNREADABLE, /* cannot open or read: an I/O problem */
  NN_IMAGE_SPECIAL,    /* a FIFO, device, socket or directory */
  NN_IMAGE_EMPTY,      /* zero bytes */
  NN_IMAGE_NOT_IMAGE,  /* neither PNG nor JPEG magic bytes */
  NN_IMAGE_TOO_LARGE,  /* over NN_IMAGE_MAX_SIDE on a side */
  NN_IMAGE_CORRUPT,    /* a decoder error or truncated data */
} NnImageProblem;

/* Decodes path; on failure returns NULL, sets *problem and *reason (g_free). */
NnGreyImage *nn_grey_image_decode (const char *path, NnImageProblem *problem, char **reason);

G_END_DECLS
