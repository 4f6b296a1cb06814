/* nn-error.c: the NN_ERROR quark (see nn-error.h). */
#include "nn-error.h"

G_DEFINE_QUARK (nn-error-quark, nn_error)
