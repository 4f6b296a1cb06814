/* Must not compile: explain depends on nn and data, not on io. */
#include "nn-keras.h"
