/* Must not compile: the plot library sees nn and the metrics only. */
#include "nn-keras.h"
