/* test-plan.c: the workspace plan (nn-plan.c) on its own, without a workspace:
 * which layers fuse in the project's models, where layers write, and that two
 * gradient buffers live at the same time never share memory. */
#include "nn-test-util.h"
#include "nn-plan.h"
#include "nn-zoo.h"

static int
count_kind (const NnModel *m, NnLayerKind kind)
{
  int n = 0;
  for (int i = 0; i < m->n_layers; i++)
    n += m->layers[i].kind == kind;
  return n;
}

/* The one consumer of layer p, or -1. */
static int
next_of (const NnModel *m, int p)
{
  int only = -1;
  return nn_plan_consumers (m, p, &only) == 1 ? only : -1;
}

static void
test_cnn (void)
{
  g_autoptr (NnModel) m = nn_zoo_cnn ();
  NnPlan *p = nn_plan_new (m, NN_MODE_INFERENCE, 32);
  gboolean none = TRUE, aliases = TRUE;
  for (int i = 0; i < m->n_layers; i++)
    {
      const NnLayer *l = &m->layers[i];
      none &= p->fuse_target[i] < 0 && !p->fuse_skip[i] && p->relu_of[i] < 0
              && !p->relu_in_pool[i];
      if (l->kind == NN_LAYER_FLATTEN || l->kind == NN_LAYER_DROPOUT)
        aliases &= p->out_of[i] == p->out_of[l->inputs[0]] && p->out_of[i] != i;
      else
        aliases &= p->out_of[i] == i;
    }
  tap_ok (none, "cnn, inference: nothing fuses (no BatchNormalization)");
  tap_ok (aliases, "cnn, inference: Flatten and Dropout write into their input's buffer");
  tap_ok (p->group >= 1 && p->group <= 16 && p->split_layer > 0
          && m->layers[p->split_layer + 1].in_shape.h * m->layers[p->split_layer + 1].in_shape.w == 1,
          "cnn, inference: groups of %d images up to layer %d, the last with a spatial input",
          p->group, p->split_layer);
  nn_plan_free (p);

  p = nn_plan_new (m, NN_MODE_TRAINING, 32);
  gboolean own = TRUE;
  for (int i = 0; i < m->n_layers; i++)
    if (m->layers[i].kind == NN_LAYER_DROPOUT)
      own &= p->out_of[i] == i && p->sizes[i].aux == 0;
  tap_ok (own, "cnn, training: Dropout has its own output and keeps no mask (backward "
          "recomputes it)");
  GString *pooled = g_string_new (NULL);
  for (int i = 0; i < m->n_layers; i++)
    if (p->relu_in_pool[i])
      g_string_append_printf (pooled, " %s", m->layers[i].name);
  tap_ok (strcmp (pooled->str, " conv2d_1 conv2d_3") == 0,
          "cnn, training: the two Conv2D before a MaxPooling2D leave their relu's backward to "
          "it (%s)", pooled->str);
  g_string_free (pooled, TRUE);
  nn_plan_free (p);
}

/* The chunked backward stretch from the BatchNormalization after pointwise
 * down to the relu after bn: the gradients written and read inside it (those
 * of the depthwise and pointwise outputs) live in the thread's area, one chunk
 * each, a layer's input and output gradients in different slots. The relus'
 * gradients, the stretch's own input and output, stay in the batch's block:
 * bn reads the lower one outside the stretch, the layer above writes the upper. */
static void
check_local_gradients (const NnPlan *p, const NnModel *m, int bn, int pointwise, int chunk)
{
  int relu = bn + 1, upper_relu = pointwise + 2;
  gboolean inside = TRUE;
  for (int i = relu + 1; i <= pointwise; i++)
    {
      size_t floats = (size_t) chunk * nn_shape_size (m->layers[i].out_shape);
      inside &= p->grad_local[i] && p->grad_block[i] < 0
                && p->grad_local_at[i] + floats <= p->grad_local_floats;
    }
  tap_ok (inside, "advanced, training: the gradients of %s and %s live in the thread's area, "
          "%d images of each", m->layers[relu + 1].name, m->layers[pointwise].name, chunk);
  int pool = upper_relu + 1;
  tap_ok (!p->grad_local[relu] && p->grad_block[relu] >= 0 && !p->grad_local[pool]
          && p->grad_block[pool] >= 0 && p->grad_block[upper_relu] < 0
          && p->pool_of[pointwise + 1] == pool && p->pool_fused[pool],
          "advanced, training: the stretch's own input gradient (%s) and the gradient that "
          "its top BatchNormalization reads (%s's, whose backward it does) stay in the batch's "
          "block; %s's is never written", m->layers[relu].name, m->layers[pool].name,
          m->layers[upper_relu].name);
  gboolean turns = TRUE;
  for (int i = 1; i + 1 < m->n_layers; i++)
    if (p->grad_local[i] && p->grad_local[i + 1])
      turns &= p->grad_local_at[i] != p->grad_local_at[i + 1];
  tap_ok (turns, "advanced, training: a layer reads its local gradient from one slot and "
          "writes the next to the other");
}

/* Training: the maps around each pool (the relu's output it reads, its own
 * output that Dropout reads) never leave the thread's area; the maps that a
 * backward reads (the depthwise input, the Dropout output that a Conv2D
 * reads) and the logits keep the batch's buffers. */
static void
check_local_outputs (const NnPlan *p, const NnModel *m)
{
  int pools = 0, local = 0;
  gboolean right = TRUE;
  for (int i = 1; i < m->n_layers; i++)
    {
      NnLayerKind kind = m->layers[i].kind;
      if (p->out_local[i])
        local++;
      if (kind == NN_LAYER_MAX_POOL)
        {
          pools++;
          right &= p->out_local[i] && p->out_local[m->layers[i].inputs[0]]
                   && p->out_local_at[i] != p->out_local_at[i - 1]
                   && p->out_local_at[i] + nn_shape_size (m->layers[i].out_shape)
                        <= p->out_local_floats;
        }
      if (kind == NN_LAYER_DROPOUT || i == m->output)
        right &= !p->out_local[i];
      if (kind == NN_LAYER_DEPTHWISE_CONV2D)
        right &= !p->out_local[m->layers[i].inputs[0]];
    }
  tap_ok (right && pools == 3 && local == 6,
          "advanced, training: %d maps kept within a chunk, the pools' inputs and outputs", local);
}

/* Inference: a segment per block, each ending at its MaxPooling2D, more images at
 * a time as the maps shrink; a pooling's output, which the next segment reads,
 * holds a group, a map that only its block reads holds a segment's group, and
 * the features (Flatten) the slice. */
static void
check_segments (const NnPlan *p, const NnModel *m)
{
  gboolean ends = p->n_segments == 3 && p->seg_from[0] == 1, grows = TRUE, reach = TRUE;
  for (int s = 0; s < p->n_segments && ends; s++)
    {
      int to = p->seg_to[s], pool = to;
      while (m->layers[pool].kind != NN_LAYER_MAX_POOL)
        pool--;
      ends &= (s == 0 || p->seg_from[s] == p->seg_to[s - 1] + 1)
              && (s < 2 ? to == pool : to == p->split_layer);
      grows &= p->seg_group[s] >= 1 && p->seg_group[s] <= p->group
               && (s == 0 || p->seg_group[s] >= p->seg_group[s - 1]);
      reach &= p->reach[p->out_of[pool]] == (s < 2 ? NN_REACH_GROUP : NN_REACH_SLICE);
      for (int i = p->seg_from[s]; i < pool; i++)
        if (p->out_of[i] == i && !p->fuse_skip[i] && m->layers[i].kind != NN_LAYER_DROPOUT)
          reach &= p->reach[i] == NN_REACH_SEGMENT;
    }
  tap_ok (ends, "advanced, inference: three segments, each ending at its block's pooling "
          "(the last at layer %d, the last spatial one)", p->split_layer);
  tap_ok (grows && p->seg_group[0] < p->seg_group[2] && p->group == p->seg_group[2],
          "advanced, inference: %d, %d and %d images at a time, in groups of %d",
          p->seg_group[0], p->seg_group[1], p->seg_group[2], p->group);
  tap_ok (reach && p->reach[0] == NN_REACH_SLICE,
          "advanced, inference: the poolings' outputs hold a group, the maps within a block "
          "a segment's group, the input and features the slice");
}

static void
test_advanced (void)
{
  g_autoptr (NnModel) m = nn_zoo_advanced ();
  NnPlan *p = nn_plan_new (m, NN_MODE_INFERENCE, 32);
  int fused = 0;
  gboolean right = TRUE;
  for (int i = 1; i < m->n_layers; i++)
    {
      const NnLayer *l = &m->layers[i];
      int bn = next_of (m, i), relu = bn >= 0 ? next_of (m, bn) : -1;
      gboolean should = l->kind == NN_LAYER_CONV2D && bn >= 0
                        && m->layers[bn].kind == NN_LAYER_BATCH_NORM;
      if (!should)
        {
          right &= p->fuse_target[i] < 0;
          continue;
        }
      fused++;
      right &= p->fuse_target[i] == relu && p->fuse_relu[i] && p->fuse_skip[bn]
               && p->fuse_skip[relu] && m->layers[relu].kind == NN_LAYER_ACTIVATION;
    }
  tap_ok (fused == 6 && right, "advanced, inference: the 6 Conv2D -> BN -> relu run as one "
          "kernel each, writing the relu's output (%d)", fused);
  gboolean dw = TRUE;
  for (int i = 0; i < m->n_layers; i++)
    if (m->layers[i].kind == NN_LAYER_DEPTHWISE_CONV2D)
      dw &= p->fuse_target[i] < 0;
  tap_ok (dw, "advanced, inference: DepthwiseConv2D (followed by a Conv2D) does not fuse");
  gboolean no_train = TRUE;
  for (int i = 0; i < m->n_layers; i++)
    no_train &= p->relu_of[i] < 0 && !p->relu_fused[i];
  tap_ok (no_train, "advanced, inference: no training fusion");
  int wino = 0;
  for (int i = 0; i < m->n_layers; i++)
    wino += p->winograd[i];
  tap_ok (wino == 2, "advanced: Winograd covers the two 3x3 Conv2D with 16k channels in and "
          "out (%d)", wino);
  check_segments (p, m);
  nn_plan_free (p);

  p = nn_plan_new (m, NN_MODE_TRAINING, 32);
  int relus = 0;
  right = TRUE;
  for (int j = 0; j < m->n_layers; j++)
    {
      if (m->layers[j].kind != NN_LAYER_BATCH_NORM)
        {
          right &= p->relu_of[j] < 0;
          continue;
        }
      int k = next_of (m, j);
      relus++;
      right &= p->relu_of[j] == k && p->relu_fused[k] && p->act[j] == NN_ACT_RELU
               && p->out_of[j] == k && p->fuse_target[j] < 0;
    }
  tap_ok (relus == count_kind (m, NN_LAYER_BATCH_NORM) && relus == 6 && right,
          "advanced, training: each of the 6 BatchNormalization layers does its relu");
  gboolean none = TRUE;
  for (int i = 0; i < m->n_layers; i++)
    none &= p->fuse_target[i] < 0;
  tap_ok (none, "advanced, training: no inference fusion");

  /* The first block's stretch after its BatchNormalization (relu, depthwise,
   * pointwise) goes a few images at a time; the stretch that ends in the 3x3
   * Winograd Conv2D, and the one with the Dense layers, go whole. */
  int bn = -1, depthwise = -1, wino_conv = -1;
  for (int i = 1; i < m->n_layers; i++)
    {
      NnLayerKind kind = m->layers[i].kind;
      if (bn < 0 && kind == NN_LAYER_BATCH_NORM)
        bn = i;
      if (depthwise < 0 && kind == NN_LAYER_DEPTHWISE_CONV2D)
        depthwise = i;
      if (wino_conv < 0 && p->winograd[i])
        wino_conv = i;
    }
  int first = nn_plan_train_chunk (p, m, bn, depthwise + 1);
  tap_ok (first > 1 && first < 32 && nn_plan_train_chunk (p, m, wino_conv - 3, wino_conv) == 0
          && nn_plan_train_chunk (p, m, m->output - 1, m->output) == 0,
          "advanced, training: %d images at a time from %s to %s, whole slices through "
          "%s and the Dense layers", first, m->layers[bn].name, m->layers[depthwise + 1].name,
          m->layers[wino_conv].name);
  check_local_gradients (p, m, bn, depthwise + 1, first);
  /* The stretch from the BatchNormalization before the first pool goes in
   * chunks up to the Winograd Conv2D, which runs whole: the pool reads the
   * relu's output from L2. */
  int bn_pool = wino_conv - 4;
  tap_ok (m->layers[bn_pool].kind == NN_LAYER_BATCH_NORM
          && nn_plan_chunked_to (p, bn_pool, wino_conv) == wino_conv - 1
          && nn_plan_chunked_to (p, wino_conv, wino_conv + 1) == wino_conv - 1
          && nn_plan_chunked_to (p, bn, depthwise + 1) == depthwise + 1,
          "advanced, training: %s to %s in chunks, %s whole", m->layers[bn_pool].name,
          m->layers[wino_conv - 1].name, m->layers[wino_conv].name);
  check_local_outputs (p, m);
  nn_plan_free (p);
  p = nn_plan_new (m, NN_MODE_INFERENCE, 32);
  tap_ok (nn_plan_chunked_to (p, bn, depthwise + 1) == bn - 1,
          "advanced, inference: no part of a stretch in training chunks");
  tap_ok (nn_plan_train_chunk (p, m, bn, depthwise + 1) == 0, "advanced, inference: no training chunks");
  nn_plan_free (p);
}

/* A functional model with fan-out: a residual Add and a Concatenate. */
static NnModel *
residual_model (void)
{
  NnModel *m = nn_model_new ("residual", NN_MODEL_FUNCTIONAL);
  NnConvConfig c3 = { .filters = 16, .kh = 3, .kw = 3, .stride_h = 1, .stride_w = 1,
                      .padding = NN_PAD_SAME, .use_bias = TRUE, .depth_multiplier = 1,
                      .activation = NN_ACT_RELU };
  NnBatchNormConfig bn = { .momentum = 0.99f, .epsilon = 1e-3f, .center = TRUE, .scale = TRUE };
  int in = nn_model_add_input (m, (NnShape){ 8, 8, 3 }, NN_INPUT_IMAGE, "input");
  int a = nn_model_add_conv2d (m, "a", in, &c3);
  int b = nn_model_add_conv2d (m, "b", a, &c3);
  int n = nn_model_add_batch_norm (m, "bn", b, &bn);
  int r = nn_model_add_activation (m, "relu", n, NN_ACT_RELU);
  int s = nn_model_add_add (m, "add", (int[]){ a, r }, 2);
  int c = nn_model_add_concatenate (m, "cat", (int[]){ s, a }, 2);
  int f = nn_model_add_flatten (m, "flatten", c);
  nn_model_add_dense (m, "out", f, &(NnDenseConfig){ 10, TRUE, NN_ACT_SOFTMAX });
  g_autoptr (GError) error = NULL;
  if (!nn_model_finish (m, &error))
    g_error ("%s", error->message);
  return m;
}

/* Checks the plan's gradient layout against lifetimes worked out here: the
 * gradient of p is written at the backward step of p's last consumer (the
 * output's at the start) and read down to p's own step, or to the step of the
 * BatchNormalization that does p's relu. Backward runs from the last layer
 * down, so lives are index ranges [end, start]. */
static void
check_sharing (const char *name, NnModel *m)
{
  int L = m->n_layers;
  NnPlan *p = nn_plan_new (m, NN_MODE_TRAINING, 8);
  int *start = g_new (int, L), *end = g_new (int, L);
  for (int q = 0; q < L; q++)
    {
      start[q] = q == m->output ? L : -1;
      end[q] = q;
      for (int i = q + 1; i < L; i++)
        for (int j = 0; j < m->layers[i].n_inputs; j++)
          if (m->layers[i].inputs[j] == q)
            start[q] = MAX (start[q], i);
    }
  gboolean fused_none = TRUE;
  for (int j = 0; j < L; j++)
    if (p->relu_of[j] >= 0)
      {
        end[p->relu_of[j]] = j;
        fused_none &= p->grad_block[j] < 0;
        if (p->pool_of[j] >= 0)
          {
            end[p->pool_of[j]] = j;    /* the BN reads the pool's gradient */
            start[p->relu_of[j]] = -1; /* and nobody writes the relu's */
            fused_none &= p->grad_block[p->relu_of[j]] < 0;
          }
      }
  int pairs = 0, shared = 0;
  gboolean ok = TRUE, inside = TRUE, every = TRUE;
  for (int a = 1; a < L; a++)
    {
      if (p->grad_block[a] < 0)
        {
          every &= p->relu_of[a] >= 0 || start[a] < 0 || p->grad_local[a];
          continue;
        }
      size_t sa = (size_t) p->max_batch * nn_shape_size (m->layers[a].out_shape);
      inside &= p->grad_at[a] + sa <= p->grad_floats;
      for (int b = a + 1; b < L; b++)
        {
          if (p->grad_block[b] < 0)
            continue;
          pairs++;
          size_t sb = (size_t) p->max_batch * nn_shape_size (m->layers[b].out_shape);
          gboolean overlap = p->grad_at[a] < p->grad_at[b] + sb && p->grad_at[b] < p->grad_at[a] + sa;
          if (!overlap)
            continue;
          shared++;
          gboolean live_together = !(end[a] > start[b] || end[b] > start[a]);
          ok &= !live_together && p->grad_at[a] == p->grad_at[b] && sa == sb
                && p->grad_shared[a] && p->grad_shared[b];
        }
    }
  tap_ok (every && fused_none, "%s: every gradient that is written has a buffer; a BN doing "
          "its relu has none of its own, nor the relu of a pool it does", name);
  tap_ok (inside, "%s: every gradient buffer lies inside the block", name);
  tap_ok (ok, "%s: of %d pairs of gradients, %d share memory, none of them live at the same "
          "time, each at the same place and size", name, pairs, shared);
  tap_ok (shared > 0, "%s: sharing saves memory (%d pairs share)", name, shared);
  g_free (start);
  g_free (end);
  nn_plan_free (p);

  p = nn_plan_new (m, NN_MODE_INFERENCE, 8);
  gboolean own = TRUE;
  for (int a = 1; a < L; a++)
    own &= p->grad_block[a] >= 0 && !p->grad_shared[a];
  tap_ok (own, "%s, inference: every layer keeps its own gradient (Grad-CAM reads them)", name);
  nn_plan_free (p);
}

static void
test_backward (void)
{
  g_autoptr (NnModel) m = residual_model ();
  NnPlan *p = nn_plan_new (m, NN_MODE_TRAINING, 8);
  int L = m->n_layers;
  gboolean *up = g_new (gboolean, L);
  int *writer = g_new (int, L), n_tmp = -1;
  size_t tmp = 0;
  nn_plan_backward (p, m, FALSE, TRUE, up, writer, &n_tmp, &tmp);
  int a = nn_model_find_layer (m, "a"), add = nn_model_find_layer (m, "add");
  int cat = nn_model_find_layer (m, "cat");
  tap_ok (!up[0] && up[a] && up[add], "backward: the input needs no gradient, the layers do");
  tap_ok (writer[a] == cat && n_tmp == 1
          && tmp == (size_t) 8 * nn_shape_size (m->layers[a].out_shape),
          "backward: layer a's last consumer writes its gradient first, the other adds "
          "through one temporary of a's size");
  nn_plan_backward (p, m, TRUE, FALSE, up, writer, &n_tmp, &tmp);
  tap_ok (up[0] && up[a], "backward for the input only: the gradient flows back to it");
  g_free (up);
  g_free (writer);
  nn_plan_free (p);
}

static void
test_bytes (void)
{
  g_autoptr (NnModel) m = nn_zoo_advanced ();
  NnPlan *p = nn_plan_new (m, NN_MODE_TRAINING, 64);
  double b = nn_plan_bytes (p, m, 1);
  tap_ok ((guint64) b == nn_workspace_estimate_bytes (m, 64, NN_MODE_TRAINING),
          "the workspace's estimate is the plan's bytes (%.0f)", b);
  tap_ok (nn_plan_bytes (p, m, 2) > b, "a second thread costs its scratch and gradients");
  nn_plan_free (p);
}

int
main (void)
{
  test_cnn ();
  test_advanced ();
  g_autoptr (NnModel) adv = nn_zoo_advanced ();
  g_autoptr (NnModel) cnn = nn_zoo_cnn ();
  g_autoptr (NnModel) res = residual_model ();
  check_sharing ("advanced", adv);
  check_sharing ("cnn", cnn);
  check_sharing ("residual", res);
  NnPlan *p = nn_plan_new (res, NN_MODE_TRAINING, 32);
  tap_ok (nn_plan_train_chunk (p, res, 1, 2) == 0,
          "residual, training: a model with fan-out goes in whole slices");
  nn_plan_free (p);
  test_backward ();
  test_bytes ();
  return tap_done ();
}
