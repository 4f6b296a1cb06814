/* Must not compile: read sees nn, data and the metrics, not io. */
#include "nn-keras.h"
int layering_read_io;
