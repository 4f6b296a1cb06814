/* nn-error.h: the one error domain of the core library.
 *
 * Every public function that touches a file or user data reports failure through
 * a GError in NN_ERROR. Messages name the file (when there is one) and the problem,
 * and are written for the person who handed us the file.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define NN_ERROR (nn_error_quark ())

typedef enum {
  NN_ERROR_IO,            /* cannot open, read or write a file */
  NN_ERROR_FORMAT,        /* the file is corrupt or not what it claims to be */
  NN_ERROR_UNSUPPORTED,   /* valid, but uses a layer or option the engine lacks */
  NN_ERROR_SHAPE,         /* shapes do not fit together (weights, inputs) */
  NN_ERROR_NOTHING_DRAWN, /* a blank or nearly blank drawing */
  NN_ERROR_NO_DATA,       /* an empty dataset, class folder or selection */
  NN_ERROR_NUMERIC,       /* NaN or Inf in weights or in the loss */
  NN_ERROR_CANCELLED,     /* the caller's cancel flag was raised */
  NN_ERROR_INVALID,       /* a bad argument from the caller */
  NN_ERROR_SYSTEM,        /* the system refused a resource (a thread) */
} NnErrorCode;

GQuark nn_error_quark (void);

G_END_DECLS
