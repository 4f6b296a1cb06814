/* Must not compile: the metrics library (what src/plot links) depends on nn only. */
#include "nn-dataset.h"
