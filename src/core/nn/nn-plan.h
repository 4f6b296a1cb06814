/* nn-plan.h: what a workspace will hold and how its passes run, worked out
 * from the model alone: which layers fuse, where each layer writes, which
 * gradient buffers share memory, how big every buffer is. Planning allocates
 * nothing but the plan itself, so it can be tested (tests/nn/test-plan.c) and
 * sized (nn_workspace_estimate_bytes) without making a workspace. */
#pragma once

#include "nn-private.h"

G_BEGIN_DECLS

typedef enum {
  NN_REACH_SEGMENT,
  NN_REACH_GROUP,
  NN_REACH_SLICE,
} NnReach;

typedef struct {
  int n_layers;
  NnMode mode;
  int max_batch;

  /* Per layer. */
  NnLayerSizes *sizes;   /* the layer's own needs (nn_layer_sizes at max_batch) */
  NnActivation *act;     /* the activation the layer applies itself: its fused one,
                          * relu when it does a fused relu, linear for the final
                          * softmax (passes stop at the logits) */
  int *out_of;           /* the layer whose output buffer this layer's output is:
                          * itself, its input's (Flatten, Reshape, identity Dropout),
                          * or the relu's it does (training fusion) */
  gboolean *needs_z;     /* a pre-activation buffer (gelu, silu) */
  gboolean *winograd;    /* a Conv2D the Winograd kernels cover */
  size_t *stats_off;     /* floats into the stats buffer, NN_MAX_THREADS copies */
  size_t stats_floats;
  size_t scratch_floats; /* per thread: the most any layer asks for */
  int reduce_len;        /* doubles of the widest cross-thread sum (at least 1) */

  /* Training fuses BatchNormalization -> Activation (relu), when the activation
   * is the BN's only consumer: relu_of[j] = k means BN j writes relu (BN) into
   * k's output and takes k's output gradient in backward; relu_fused[k]: layer k
   * does nothing itself. Saves a pass over the map each way, and a map-sized
   * buffer. */
  int *relu_of;
  gboolean *relu_fused;
  /* And when that relu's only consumer is a 2 x 2 MaxPooling2D (which records
   * its window cells in training), the pool's backward too: pool_of[j] = q
   * means BN j takes q's output gradient and window cells in backward and
   * routes each to its cell as it goes (pool_fused[q]: q's backward does
   * nothing). The full-size gradient between them is never written. */
  int *pool_of;
  gboolean *pool_fused;
  /* Training also leaves a Conv2D's or Dense's fused relu to its only consumer
   * when that is a MaxPooling2D (relu_in_pool[i]): the pool sends no gradient
   * where the maximum it kept is not positive, which is where the relu would
   * have stopped it, so the layer takes its output gradient as it comes. Saves
   * a pass over the map in backward. Not in inference: Grad-CAM reads the
   * gradient of a layer's output itself. */
  gboolean *relu_in_pool;

  /* Inference runs the spatial layers, up to split_layer, in segments that end at
   * a pooling: segment s, layers seg_from[s] .. seg_to[s], goes seg_group[s]
   * images at a time so that its maps stay in L2. Past a pooling the maps are
   * smaller and more images go at once, which the GEMMs want (a 7 x 7 map has 4
   * Winograd tiles). The segments take turns over groups of `group` images, the
   * largest seg_group. The layers after split_layer run on whole slices, so that
   * Dense reads its weights once per slice. */
  int split_layer;
  int group;
  int n_segments;
  int *seg_from, *seg_to, *seg_group;
  /* Training runs the layers between two BatchNormalizations a few images at a
   * time, for the same reason: about train_chunk_bytes of each map (0: whole
   * slices), up to the first layer that needs whole slices (whole_slices[i]),
   * from which the stretch goes whole (nn_plan_chunked_to). */
  size_t train_chunk_bytes;
  gboolean *whole_slices;
  /* Training: the layers that need the whole batch at once (BatchNormalization
   * that learns), which bound the stretches that run chunk by chunk. */
  gboolean *batch_wide;
  /* Training: a gradient that backward writes and reads within one chunk of a
   * stretch (grad_local[i]) lives in a per-thread area of grad_local_floats, at
   * grad_local_at[i], with room for one chunk, instead of in the batch's
   * gradient block: it stays in L2 instead of going out to memory and back. */
  gboolean *grad_local;
  size_t *grad_local_at;
  size_t grad_local_floats;
  /* Training: a map that forward writes and reads within one chunk of a stretch
   * and that no backward reads (out_local[b], b the buffer's owner, out_of[b] =
   * b) lives likewise in a per-thread area of out_local_floats, at
   * out_local_at[b]; the workspace has no buffer for the batch's. So the
   * chunks of a pass may be made smaller than planned (tests do), never larger. */
  gboolean *out_local;
  size_t *out_local_at;
  size_t out_local_floats;
  /* Per buffer (out_of's owners), in a fused pass: how much of a thread's slice
   * it holds. A buffer that only its own segment reads holds a segment's group,
   * reused by each (NN_REACH_SEGMENT), so that it stays in cache; one that later
   * segments read holds a group (NN_REACH_GROUP); the input, the layers after
   * split_layer, and the features and output that callers read hold the slice. */
  NnReach *reach;
  /* nn_model_predict fuses Conv -> BatchNormalization [-> relu] into one kernel
   * epilogue: fuse_target[i] is where conv i writes (-1: no fusion), fuse_skip[j]
   * the layers it covers, fuse_relu[i] whether the relu is among them. */
  int *fuse_target;
  gboolean *fuse_skip;
  gboolean *fuse_relu;

  /* Output gradients: layer i's lies at grad_at[i] floats into one block of
   * grad_floats (grad_block[i] = -1: none). Training lets layers whose
   * gradients are never live at the same time share (grad_shared[i]: someone
   * else uses i's memory too, so it is not kept after the pass); inference gives
   * each layer its own (Grad-CAM reads a layer's gradient after the pass). */
  int *grad_block;
  size_t *grad_at;
  size_t grad_floats;
  gboolean *grad_shared;
} NnPlan;

NnPlan *nn_plan_new (const NnModel *m, NnMode mode, int max_batch);
void    nn_plan_free (NnPlan *p);

/* Images per chunk for layers from .. to of a training pass, 0: whole slices. */
int     nn_plan_train_chunk (const NnPlan *p, const NnModel *m, int from, int to);
/* The last layer of the part of stretch from .. to that goes in chunks, the
 * layers before the first that keeps whole slices (from - 1: none). */
int     nn_plan_chunked_to (const NnPlan *p, int from, int to);
/* Both for stretch from .. to: the images per chunk of its chunked part (0:
 * none) and, in *last, that part's last layer (from - 1 when none). */
int     nn_plan_stretch_chunks (const NnPlan *p, const NnModel *m, int from, int to, int *last);

/* Consumers of layer p's output; *only is the last one. */
int     nn_plan_consumers (const NnModel *m, int p, int *only);

/* For one backward pass: up[i], some variable at or before layer i (or the
 * input, when want_dx) needs the gradient of layer i's output; writer[p], the
 * consumer of p that runs first in backward and overwrites p's gradient (the
 * others add into it through a temporary: n_tmp buffers per thread at most, of
 * tmp_floats each). */
void    nn_plan_backward (const NnPlan *p, const NnModel *m, gboolean want_dx,
                          gboolean weight_grads, gboolean *up, int *writer, int *n_tmp,
                          size_t *tmp_floats);

/* What a workspace of this plan allocates with n_threads threads, a training
 * one's backward buffers included: in doubles, so that no model overflows it. */
double  nn_plan_bytes (const NnPlan *p, const NnModel *m, int n_threads);

G_END_DECLS
