/* Must not compile: data depends on nn only. */
#include "nn-keras.h"
