#include "nn-error.h"

G_DEFINE_QUARK (nn-error-quark, nn_error)
