/* Must not compile: eval depends on nn, data and the metrics, not on train. */
#include "nn-fit.h"
