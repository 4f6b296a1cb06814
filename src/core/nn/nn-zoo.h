/* nn-zoo.h: the project's architectures, built with the layer names a fresh
 * Keras 3 session would give them, so files written from them read like Keras's.
 *
 * Each returns a finished model with Glorot-uniform weights from seed 0; call
 * nn_model_init_weights() for another seed.
 */
#pragma once

#include "nn-model.h"

G_BEGIN_DECLS

/* Sequential: InputLayer (28, 28, 1), Flatten, Dense (10, softmax). */
NnModel *nn_zoo_logreg (void);
/* Sequential: 2 x [Conv2D same relu, Conv2D valid relu, MaxPool 2, Dropout .25] with
 * 32 then 64 filters, Flatten, Dense 128 relu, Dropout .5, Dense 10 softmax. */
NnModel *nn_zoo_cnn (void);
/* Functional: 3 x [Conv2D (f, 3, same, no bias), BN, relu, DepthwiseConv2D (3, same,
 * no bias), Conv2D (f, 1, no bias), BN, relu, MaxPool 2, Dropout] with f = 32, 64, 96
 * and dropout .2, .3, .4, then Flatten, Dense 128 relu, Dropout .5, Dense 10 softmax. */
NnModel *nn_zoo_advanced (void);
/* Sequential, made to train in a minute: Conv2D (32, 5, stride 2), Conv2D (32, 3),
 * MaxPool 2, Conv2D (80, 3), Conv2D (80, 3), MaxPool 2 (same padding, no bias,
 * each followed by BN and relu), then Flatten, Dropout .1, Dense 10 softmax
 * (12 MFLOP per image, 99k parameters). */
NnModel *nn_zoo_quick (void);
/* The pieces model of nn-number.h: nn_zoo_quick's layers with
 * NN_NUMBER_PIECE_CLASSES (11) outputs. */
NnModel *nn_zoo_pieces (void);
/* "logreg" (or "baseline"), "cnn", "advanced" or "quick"; NULL for another name. */
NnModel *nn_zoo_build (const char *name);

G_END_DECLS
