/* nn-loss.h: cross-entropy losses computed from logits.
 *
 * Keras semantics: the loss is the mean over the batch ("sum_over_batch_size"),
 * label smoothing turns a one-hot target y into y * (1 - ls) + ls / K, and from
 * logits the softmax is folded into a log-sum-exp for stability. dlogits is the
 * gradient of that mean loss: (softmax - target) / N.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Sparse categorical cross-entropy of logits (N, K) against integer labels (N,).
 * label_smoothing 0 is Keras's SparseCategoricalCrossentropy(from_logits=True); a
 * positive value equals CategoricalCrossentropy(from_logits=True,
 * label_smoothing=ls) on the one-hot labels. dlogits (N, K) and n_correct (argmax
 * hits) may be NULL. Returns the mean loss. */
float nn_loss_sparse_ce (const float *logits, const guint8 *labels, int n, int k,
                         float label_smoothing, float *dlogits, int *n_correct);

/* Categorical cross-entropy of logits (N, K) against target distributions (N, K),
 * e.g. one-hot rows, smoothed as Keras does. dlogits may be NULL. */
float nn_loss_categorical_ce (const float *logits, const float *targets, int n, int k,
                              float label_smoothing, float *dlogits);

G_END_DECLS
