/* nn-plan.c: planning a workspace from the model alone (see nn-plan.h):
 * fusions, image groups, buffer aliases and sizes, gradient-buffer sharing and
 * the backward pass's gradient flow. */
#include <string.h>
#include "nn-plan.h"

int
nn_plan_consumers (const NnModel *m, int p, int *only)
{
  int n = 0;
  for (int i = p + 1; i < m->n_layers; i++)
    for (int j = 0; j < m->layers[i].n_inputs; j++)
      if (m->layers[i].inputs[j] == p)
        {
          n++;
          *only = i;
        }
  return n;
}

static NnActivation
fused_activation (const NnModel *m, int index)
{
  const NnLayer *l = &m->layers[index];
  NnActivation act;
  switch (l->kind)
    {
    case NN_LAYER_CONV2D:
    case NN_LAYER_DEPTHWISE_CONV2D:
    case NN_LAYER_SEPARABLE_CONV2D:
      act = l->cfg.conv.activation;
      break;
    case NN_LAYER_DENSE:
      act = l->cfg.dense.activation;
      break;
    case NN_LAYER_ACTIVATION:
      act = l->cfg.act.activation;
      break;
    default:
      return NN_ACT_LINEAR;
    }
  /* The final softmax is left to nn_model_predict: passes stop at the logits. */
  if (index == m->output && m->output_softmax)
    return NN_ACT_LINEAR;
  return act;
}

/* pool_of (nn-plan.h) for BN j, whose relu k is fused into it. */
static void
plan_pool_fusion (NnPlan *p, const NnModel *m, int j, int k)
{
  int q = -1;
  p->pool_of[j] = -1;
  if (nn_plan_consumers (m, k, &q) != 1 || q == m->output || q > m->output)
    return;
  if (nn_max_pool_records_cells (&m->layers[q]) && m->layers[q].n_inputs == 1)
    {
      p->pool_of[j] = q;
      p->pool_fused[q] = TRUE;
    }
}

static void
plan_training_fusion (NnPlan *p, const NnModel *m)
{
  for (int j = 0; j < m->n_layers; j++)
    {
      int k = -1;
      p->relu_of[j] = -1;
      p->pool_of[j] = -1;
      if (p->mode != NN_MODE_TRAINING || m->layers[j].kind != NN_LAYER_BATCH_NORM
          || j == m->output || nn_plan_consumers (m, j, &k) != 1)
        continue;
      const NnLayer *a = &m->layers[k];
      if (a->kind == NN_LAYER_ACTIVATION && a->cfg.act.activation == NN_ACT_RELU
          && a->n_inputs == 1 && k != m->output && k <= m->output)
        {
          p->relu_of[j] = k;
          p->relu_fused[k] = TRUE;
          plan_pool_fusion (p, m, j, k);
        }
    }
}

/* relu_in_pool (nn-plan.h); after act[] is known. */
static void
plan_relu_in_pool (NnPlan *p, const NnModel *m)
{
  for (int i = 1; i < m->n_layers; i++)
    {
      NnLayerKind kind = m->layers[i].kind;
      int k = -1;
      if (p->mode != NN_MODE_TRAINING || p->act[i] != NN_ACT_RELU || p->needs_z[i]
          || i == m->output || nn_plan_consumers (m, i, &k) != 1)
        continue;
      gboolean applies_own_relu = kind == NN_LAYER_CONV2D || kind == NN_LAYER_DEPTHWISE_CONV2D
                                  || kind == NN_LAYER_DENSE;
      p->relu_in_pool[i] = applies_own_relu && m->layers[k].kind == NN_LAYER_MAX_POOL;
    }
}

/* The layers up to split_layer keep a grid. */
static void
plan_split (NnPlan *p, const NnModel *m)
{
  p->split_layer = 0;
  for (int i = 1; i < m->n_layers; i++)
    if (m->layers[i].in_shape.h * m->layers[i].in_shape.w > 1)
      p->split_layer = i;
}

/* Training runs the layers between two batch-wide ones a few images at a time
 * (nn-pass.c, forward_training), about this many bytes of each map, so that a
 * chunk's maps stay in L2 from one layer to the next. */
#define TRAIN_CHUNK_BYTES (256 * 1024)

/* Only a chain is run in chunks: each layer reads the one before it and nobody
 * else does, so no gradient is summed from two consumers. A Winograd Conv2D or
 * a Dense keeps its stretch whole: their kernels transform or turn the weights
 * and add up dW over groups of images at each call, work that chunks would
 * repeat (advanced's conv2d_4 backward went from 67 to 172 µs per image in
 * chunks of 5). bench --train -a advanced, three rounds alternating, whole
 * slices against chunks of 256 KB: 1,094 / 1,125 / 1,063 -> 1,150 / 1,187 /
 * 1,146 img/s at one thread. On the AMX tiles, which neither transform the
 * weights nor use Winograd, chunks lost too: nn-layer-bench advanced 128 20 amx,
 * three rounds alternating, 590-604 -> 611-632 µs of CPU per image (conv2d_4's
 * backward 23 -> 35 µs, its dz transposed and dW stored at every call). */
static void
plan_training_chunks (NnPlan *p, const NnModel *m)
{
  p->train_chunk_bytes = 0;
  if (p->mode != NN_MODE_TRAINING)
    return;
  for (int i = 1; i < m->n_layers; i++)
    p->batch_wide[i] = nn_layer_ops (m->layers[i].kind)->batch_wide && m->layers[i].trainable;
  for (int i = 1; i < m->n_layers; i++)
    {
      const NnLayer *l = &m->layers[i];
      if (l->n_inputs != 1 || l->inputs[0] != i - 1)
        return;
      p->whole_slices[i] = l->kind == NN_LAYER_DENSE || nn_conv_winograd_eligible (l);
    }
  p->train_chunk_bytes = TRAIN_CHUNK_BYTES;
}

/* Images per chunk for layers from .. to of a training pass: 0 for whole slices. */
int
nn_plan_train_chunk (const NnPlan *p, const NnModel *m, int from, int to)
{
  size_t bytes = 0;
  for (int i = from; i <= to; i++)
    {
      if (p->whole_slices[i])
        return 0;
      bytes = MAX (bytes, nn_shape_size (m->layers[i].out_shape) * sizeof (float));
    }
  if (p->train_chunk_bytes == 0)
    return 0;
  return (int) CLAMP (p->train_chunk_bytes / MAX (bytes, 1), 1, (size_t) p->max_batch);
}

/* The end of the part of a training stretch from .. to that runs chunk by
 * chunk: the layer before the first one that keeps its stretch whole (from - 1
 * when that is from, or when training does not go in chunks). */
int
nn_plan_chunked_to (const NnPlan *p, int from, int to)
{
  if (p->train_chunk_bytes == 0)
    return from - 1;
  for (int i = from; i <= to; i++)
    if (p->whole_slices[i])
      return i - 1;
  return to;
}

int
nn_plan_stretch_chunks (const NnPlan *p, const NnModel *m, int from, int to, int *last)
{
  int cto = nn_plan_chunked_to (p, from, to);
  int chunk = cto >= from ? nn_plan_train_chunk (p, m, from, cto) : 0;
  *last = chunk > 0 ? cto : from - 1;
  return chunk;
}

/* The layer whose backward reads layer i's output gradient: i itself, or the
 * BatchNormalization that does i's relu or pool. */
static int
gradient_reader (const NnPlan *p, int i)
{
  for (int j = 1; (p->relu_fused[i] || p->pool_fused[i]) && j < p->n_layers; j++)
    if (p->relu_of[j] == i || p->pool_of[j] == i)
      return j;
  return i;
}

/* Backward runs the stretches from a batch-wide layer (top) down to the layer
 * above the next one (bottom) chunk by chunk (nn-pass.c, backward_training).
 * In a chunked stretch the gradients of the layers below top, whose reader is
 * in the stretch too, are written and read within each chunk: they go to the
 * thread's area, in two slots taking turns (each layer reads one and writes
 * the other), and stay in L2. nn-layer-bench advanced 128 20 amx, three rounds
 * alternating: 704 / 701 / 724 -> 679 / 676 / 721 µs of CPU per image. */
static void
plan_local_gradients (NnPlan *p, const NnModel *m)
{
  size_t slot[2] = { 0, 0 };
  int *turn_of = g_new0 (int, p->n_layers);
  for (int top = m->output, bottom; top >= 1 && p->train_chunk_bytes > 0; top = bottom - 1)
    {
      for (bottom = top; bottom > 1 && !p->batch_wide[bottom - 1]; bottom--)
        ;
      int ctop, turn = 0;
      int chunk = nn_plan_stretch_chunks (p, m, bottom, top, &ctop);
      for (int i = ctop - 1; chunk > 0 && i >= bottom; i--)
        if (gradient_reader (p, i) >= bottom)
          {
            size_t floats = (size_t) chunk * nn_shape_size (m->layers[i].out_shape);
            p->grad_local[i] = TRUE;
            turn_of[i] = turn;
            slot[turn] = MAX (slot[turn], floats);
            turn ^= 1;
          }
    }
  for (int i = 1; i < p->n_layers; i++)
    p->grad_local_at[i] = turn_of[i] ? slot[0] : 0;
  p->grad_local_floats = slot[0] + slot[1];
  g_free (turn_of);
}

/* Whether training's backward of layer i reads the map of its input, or of its
 * output. Only the kinds that chunk-local maps need are told apart; any other
 * is taken to read both. */
static gboolean
backward_reads_input (const NnPlan *p, const NnModel *m, int i)
{
  switch (m->layers[i].kind)
    {
    case NN_LAYER_MAX_POOL:
      return p->sizes[i].aux == 0; /* the 2 x 2 pool reads the cells it recorded */
    case NN_LAYER_DROPOUT:
      return FALSE; /* it computes its mask again */
    case NN_LAYER_ACTIVATION:
      return !p->relu_fused[i];
    default:
      return TRUE;
    }
}

static gboolean
backward_reads_output (const NnPlan *p, const NnModel *m, int i)
{
  /* BatchNormalization finds where its fused relu passed from its input. */
  return m->layers[i].kind != NN_LAYER_BATCH_NORM && backward_reads_input (p, m, i);
}

/* Whether the map of buffer b (an owner: out_of[b] = b) lives and dies within
 * the chunked part of a stretch, part[] numbering each part's layers: everyone
 * who writes or reads it runs in that part, and no backward reads it. */
static gboolean
stays_in_chunk (const NnPlan *p, const NnModel *m, const int *part, int b)
{
  if (part[b] == 0 || b == m->output)
    return FALSE;
  for (int i = 1; i < m->n_layers; i++)
    {
      if (p->out_of[i] == b
          && (part[i] != part[b] || (!p->relu_fused[i] && backward_reads_output (p, m, i))))
        return FALSE;
      for (int j = 0; j < m->layers[i].n_inputs && !p->relu_fused[i]; j++)
        if (p->out_of[m->layers[i].inputs[j]] == b
            && (part[i] != part[b] || backward_reads_input (p, m, i)))
          return FALSE;
    }
  return TRUE;
}

/* Forward's counterpart of plan_local_gradients: a map that forward writes
 * and reads within a chunk and that no backward reads (the relu's output that
 * a 2 x 2 pool reads, and the pool's, which Dropout reads) goes to the
 * thread's area, in two slots taking turns, and never out to memory. */
static void
plan_local_outputs (NnPlan *p, const NnModel *m)
{
  int L = m->n_layers, n_parts = 0;
  int *part = g_new0 (int, L), *chunk_of = g_new0 (int, L);
  for (int from = 1, to; from <= m->output && p->train_chunk_bytes > 0; from = to + 1)
    {
      for (to = from; to < m->output && !p->batch_wide[to + 1]; to++)
        ;
      int cto, chunk = nn_plan_stretch_chunks (p, m, from, to, &cto);
      n_parts++;
      for (int i = from; i <= cto; i++)
        {
          part[i] = n_parts;
          chunk_of[i] = chunk;
        }
    }
  size_t slot[2] = { 0, 0 };
  for (int b = 1, turn = 0, last_part = 0; b < L; b++)
    if (p->out_of[b] == b && stays_in_chunk (p, m, part, b))
      {
        turn = part[b] == last_part ? turn ^ 1 : 0;
        last_part = part[b];
        p->out_local[b] = TRUE;
        p->out_local_at[b] = turn ? 1 : 0; /* the slot, made an offset below */
        slot[turn] = MAX (slot[turn], (size_t) chunk_of[b] * nn_shape_size (m->layers[b].out_shape));
      }
  for (int b = 1; b < L; b++)
    p->out_local_at[b] = p->out_local_at[b] ? slot[0] : 0;
  p->out_local_floats = slot[0] + slot[1];
  g_free (part);
  g_free (chunk_of);
}

/* ---- inference: segments and groups ---------------------------------------- */

/* A segment's maps, per image, fill about half of a 1 MB L2 with a group. */
#define GROUP_BYTES (512 * 1024)
#define GROUP_MAX 16

/* A pooling that shrinks the map ends a segment. */
static gboolean
ends_segment (const NnLayer *l)
{
  return (l->kind == NN_LAYER_MAX_POOL || l->kind == NN_LAYER_AVG_POOL)
         && l->out_shape.h * l->out_shape.w < l->in_shape.h * l->in_shape.w;
}

/* Per image, the bytes of the buffers that segment from .. to writes in a fused
 * pass (a layer fused into a convolution or aliasing its input writes none). */
static size_t
segment_bytes (const NnPlan *p, const NnModel *m, int from, int to)
{
  size_t bytes = 0;
  for (int i = from; i <= to; i++)
    if (p->out_of[i] == i && !p->fuse_skip[i])
      bytes += nn_shape_size (m->layers[i].out_shape) * sizeof (float);
    else if (p->fuse_target[i] >= 0)
      bytes += nn_shape_size (m->layers[p->fuse_target[i]].out_shape) * sizeof (float);
  return bytes;
}

static void
plan_segments (NnPlan *p, const NnModel *m, int *seg_of)
{
  int split = p->split_layer;
  p->n_segments = 0;
  p->group = 1;
  for (int from = 1, to; from <= split; from = to + 1)
    {
      for (to = from; to < split && !ends_segment (&m->layers[to]); to++)
        ;
      size_t bytes = segment_bytes (p, m, from, to);
      if (bytes == 0 && p->n_segments > 0) /* Dropout or Flatten after the last pooling */
        {
          for (int i = from; i <= to; i++)
            seg_of[i] = p->n_segments - 1;
          p->seg_to[p->n_segments - 1] = to;
          continue;
        }
      int s = p->n_segments++;
      p->seg_from[s] = from;
      p->seg_to[s] = to;
      p->seg_group[s] = (int) CLAMP (GROUP_BYTES / MAX (bytes, 1), 1, GROUP_MAX);
      p->group = MAX (p->group, p->seg_group[s]);
      for (int i = from; i <= to; i++)
        seg_of[i] = s;
    }
}

/* How far each buffer's readers lie from its writers (NnPlan.reach). */
static void
plan_reach (NnPlan *p, const NnModel *m, const int *seg_of)
{
  int L = m->n_layers, split = p->split_layer, feat = m->layers[m->output].inputs[0];
  int *first = g_new (int, L);
  for (int b = 0; b < L; b++)
    {
      first[b] = G_MAXINT;
      p->reach[b] = NN_REACH_SEGMENT;
    }
  /* the segment that writes each buffer: its owner's, an alias's or a fused conv's */
  for (int i = 1; i <= split; i++)
    {
      int b = p->fuse_target[i] >= 0 ? p->out_of[p->fuse_target[i]] : p->out_of[i];
      first[b] = MIN (first[b], seg_of[i]);
    }
  for (int i = 0; i < L; i++)
    {
      int b = p->out_of[i];
      if (i == 0 || i > split || i == m->output || i == feat)
        p->reach[b] = NN_REACH_SLICE;
      for (int k = i + 1; k < L; k++)
        for (int j = 0; j < m->layers[k].n_inputs; j++)
          if (m->layers[k].inputs[j] == i)
            p->reach[b] = MAX (p->reach[b], k > split ? NN_REACH_SLICE
                                            : seg_of[k] > first[b] ? NN_REACH_GROUP
                                                                   : NN_REACH_SEGMENT);
    }
  g_free (first);
}

/* Conv2D / DepthwiseConv2D (linear, channels a multiple of NN_LANES) whose only
 * consumer is a BatchNormalization, and that BN's only consumer a relu. */
static void
plan_inference_fusion (NnPlan *p, const NnModel *m)
{
  if (p->mode != NN_MODE_INFERENCE)
    return;
  for (int i = 1; i < m->n_layers; i++)
    {
      const NnLayer *l = &m->layers[i];
      int j = -1, k = -1;
      if ((l->kind != NN_LAYER_CONV2D && l->kind != NN_LAYER_DEPTHWISE_CONV2D)
          || l->cfg.conv.activation != NN_ACT_LINEAR || l->out_shape.c % NN_LANES != 0
          || (l->kind == NN_LAYER_DEPTHWISE_CONV2D && l->cfg.conv.depth_multiplier != 1)
          || nn_plan_consumers (m, i, &j) != 1 || m->layers[j].kind != NN_LAYER_BATCH_NORM
          || j == m->output)
        continue;
      p->fuse_target[i] = j;
      p->fuse_skip[j] = TRUE;
      if (nn_plan_consumers (m, j, &k) == 1 && m->layers[k].kind == NN_LAYER_ACTIVATION
          && m->layers[k].cfg.act.activation == NN_ACT_RELU && k != m->output)
        {
          p->fuse_target[i] = k;
          p->fuse_skip[k] = TRUE;
          p->fuse_relu[i] = TRUE;
        }
    }
}

/* Dropout is the identity outside training. In training it writes a map of its
 * own: the layer before may read its output in backward (MaxPooling2D does at
 * the generic level and for windows other than 2 x 2). */
static gboolean
aliases_input (const NnLayer *l, NnMode mode)
{
  return l->kind == NN_LAYER_FLATTEN || l->kind == NN_LAYER_RESHAPE
         || (l->kind == NN_LAYER_DROPOUT
             && (mode != NN_MODE_TRAINING || l->cfg.dropout.rate <= 0.0f));
}

/* Training shares the output-gradient buffers between layers whose gradients are
 * never live at the same time: a chain needs two or three buffers per map size
 * instead of one per layer (the advanced model at batch 128, 2 threads: the
 * backward buffers went from 157 to 56 MB resident).
 * grad[p] is live from the backward step of its last consumer (which writes it
 * first) down to p's own step. Only layers of the same per-image size share, so
 * that every thread's slice lies at the same place in both layers and a fast
 * thread never writes into a slower thread's slice. */
static int
plan_grad_sharing (const NnPlan *pl, const NnModel *m, int *block)
{
  int L = m->n_layers;
  int *last = g_new (int, L), *end = g_new (int, L), *order = g_new (int, L);
  int *block_end = g_new (int, L);
  size_t *block_size = g_new (size_t, L);
  int n = 0, nb = 0;
  for (int p = 1; p < L; p++)
    {
      block[p] = -1;
      last[p] = p == m->output ? L : -1;
      end[p] = p;
      for (int i = p + 1; i <= m->output; i++)
        for (int j = 0; j < m->layers[i].n_inputs; j++)
          if (m->layers[i].inputs[j] == p)
            last[p] = MAX (last[p], i);
    }
  for (int p = 1; p < L; p++)
    if (pl->relu_of[p] >= 0)
      {
        end[pl->relu_of[p]] = p; /* read by the BN that does the relu */
        last[p] = -1;            /* never written */
        if (pl->pool_of[p] >= 0)
          {
            end[pl->pool_of[p]] = p;   /* read by the BN that does the pool */
            last[pl->relu_of[p]] = -1; /* never written either */
          }
      }
  for (int p = 1; p < L; p++)
    if (last[p] > 0 && p <= m->output && !pl->grad_local[p])
      order[n++] = p;
  /* by start of life, latest (first in backward) first */
  for (int a = 1; a < n; a++)
    for (int b = a; b > 0 && last[order[b]] > last[order[b - 1]]; b--)
      {
        int t = order[b];
        order[b] = order[b - 1];
        order[b - 1] = t;
      }
  for (int k = 0; k < n; k++)
    {
      int p = order[k];
      size_t size = nn_shape_size (m->layers[p].out_shape);
      /* a block whose last owner's life ended before p's begins */
      for (int b = 0; b < nb && block[p] < 0; b++)
        if (block_end[b] > last[p] && block_size[b] == size)
          block[p] = b;
      if (block[p] < 0)
        {
          block[p] = nb++;
          block_size[block[p]] = size;
        }
      block_end[block[p]] = end[p];
    }
  g_free (last);
  g_free (end);
  g_free (order);
  g_free (block_end);
  g_free (block_size);
  return nb;
}

static void
plan_gradients (NnPlan *p, const NnModel *m)
{
  int L = m->n_layers, nb = 0;
  if (p->mode == NN_MODE_TRAINING)
    nb = plan_grad_sharing (p, m, p->grad_block);
  else
    for (int i = 1; i < L; i++)
      p->grad_block[i] = nb++;
  p->grad_block[0] = -1;
  size_t *at = g_new0 (size_t, MAX (nb, 1));
  p->grad_floats = 0;
  for (int b = 0; b < nb; b++)
    for (int i = 1; i < L; i++)
      if (p->grad_block[i] == b)
        {
          at[b] = p->grad_floats;
          p->grad_floats += (size_t) p->max_batch * nn_shape_size (m->layers[i].out_shape);
          break;
        }
  for (int i = 1; i < L; i++)
    {
      p->grad_at[i] = p->grad_block[i] >= 0 ? at[p->grad_block[i]] : 0;
      for (int j = 1; j < L; j++)
        p->grad_shared[i] |= j != i && p->grad_block[i] >= 0
                             && p->grad_block[j] == p->grad_block[i];
    }
  g_free (at);
}

NnPlan *
nn_plan_new (const NnModel *m, NnMode mode, int max_batch)
{
  g_return_val_if_fail (m != NULL && m->n_layers >= 1 && max_batch >= 1, NULL);
  NnPlan *p = g_new0 (NnPlan, 1);
  int L = m->n_layers;
  p->n_layers = L;
  p->mode = mode;
  p->max_batch = max_batch;
  p->sizes = g_new0 (NnLayerSizes, L);
  p->act = g_new0 (NnActivation, L);
  p->out_of = g_new (int, L);
  p->needs_z = g_new0 (gboolean, L);
  p->winograd = g_new0 (gboolean, L);
  p->stats_off = g_new0 (size_t, L);
  p->relu_of = g_new (int, L);
  p->relu_fused = g_new0 (gboolean, L);
  p->pool_of = g_new (int, L);
  p->pool_fused = g_new0 (gboolean, L);
  p->relu_in_pool = g_new0 (gboolean, L);
  p->fuse_target = g_new (int, L);
  p->fuse_skip = g_new0 (gboolean, L);
  p->fuse_relu = g_new0 (gboolean, L);
  p->grad_block = g_new (int, L);
  p->grad_at = g_new0 (size_t, L);
  p->grad_shared = g_new0 (gboolean, L);
  p->seg_from = g_new0 (int, L);
  p->seg_to = g_new0 (int, L);
  p->seg_group = g_new0 (int, L);
  p->reach = g_new0 (NnReach, L);
  p->whole_slices = g_new0 (gboolean, L);
  p->batch_wide = g_new0 (gboolean, L);
  p->grad_local = g_new0 (gboolean, L);
  p->grad_local_at = g_new0 (size_t, L);
  p->out_local = g_new0 (gboolean, L);
  p->out_local_at = g_new0 (size_t, L);
  p->reduce_len = 1;
  for (int i = 0; i < L; i++)
    p->fuse_target[i] = -1;

  plan_training_fusion (p, m);
  plan_split (p, m);
  plan_training_chunks (p, m);
  plan_local_gradients (p, m);
  plan_inference_fusion (p, m);
  for (int i = 0; i < L; i++)
    {
      const NnLayer *l = &m->layers[i];
      p->sizes[i] = nn_layer_sizes (l, max_batch, mode);
      p->scratch_floats = MAX (p->scratch_floats, p->sizes[i].scratch);
      p->reduce_len = MAX (p->reduce_len, p->sizes[i].sum);
      p->stats_off[i] = p->stats_floats;
      p->stats_floats += (size_t) NN_MAX_THREADS * p->sizes[i].stats;
      p->act[i] = p->relu_of[i] >= 0 ? NN_ACT_RELU : fused_activation (m, i);
      p->needs_z[i] = l->kind != NN_LAYER_ACTIVATION && nn_act_needs_z (fused_activation (m, i));
      p->winograd[i] = i > 0 && nn_conv_winograd_eligible (l);
      p->out_of[i] = i > 0 && aliases_input (l, mode) ? p->out_of[l->inputs[0]] : i;
    }
  for (int j = 0; j < L; j++)
    if (p->relu_of[j] >= 0)
      p->out_of[j] = p->out_of[p->relu_of[j]];
  plan_relu_in_pool (p, m);
  plan_local_outputs (p, m);
  int *seg_of = g_new0 (int, L);
  plan_segments (p, m, seg_of);
  plan_reach (p, m, seg_of);
  g_free (seg_of);
  plan_gradients (p, m);
  return p;
}

void
nn_plan_free (NnPlan *p)
{
  if (p == NULL)
    return;
  g_free (p->sizes);
  g_free (p->act);
  g_free (p->out_of);
  g_free (p->needs_z);
  g_free (p->winograd);
  g_free (p->stats_off);
  g_free (p->relu_of);
  g_free (p->relu_fused);
  g_free (p->pool_of);
  g_free (p->pool_fused);
  g_free (p->relu_in_pool);
  g_free (p->fuse_target);
  g_free (p->fuse_skip);
  g_free (p->fuse_relu);
  g_free (p->seg_from);
  g_free (p->seg_to);
  g_free (p->seg_group);
  g_free (p->reach);
  g_free (p->whole_slices);
  g_free (p->grad_block);
  g_free (p->grad_at);
  g_free (p->grad_shared);
  g_free (p->batch_wide);
  g_free (p->out_local);
  g_free (p->out_local_at);
  g_free (p->grad_local);
  g_free (p->grad_local_at);
  g_free (p);
}

void
nn_plan_backward (const NnPlan *p, const NnModel *m, gboolean want_dx, gboolean weight_grads,
                  gboolean *up, int *writer, int *n_tmp, size_t *tmp_floats)
{
  int L = m->n_layers;
  gboolean *reach = g_newa (gboolean, L);
  memset (reach, 0, L * sizeof (gboolean));
  reach[m->output] = TRUE;
  for (int i = m->output; i >= 1; i--)
    if (reach[i])
      for (int j = 0; j < m->layers[i].n_inputs; j++)
        reach[m->layers[i].inputs[j]] = TRUE;
  for (int i = 0; i < L; i++)
    {
      const NnLayer *l = &m->layers[i];
      gboolean learns = FALSE;
      for (int v = 0; v < l->n_vars; v++)
        learns |= l->vars[v].trainable;
      learns &= l->trainable && weight_grads;
      up[i] = i == 0 ? want_dx : learns;
      for (int j = 0; j < l->n_inputs; j++)
        up[i] |= up[l->inputs[j]];
      up[i] &= reach[i];
      writer[i] = -1;
    }
  /* The fan-out needs one scratch buffer per extra edge of a layer. */
  *tmp_floats = 0;
  *n_tmp = 0;
  for (int i = m->output; i >= 1; i--)
    {
      const NnLayer *l = &m->layers[i];
      if (!up[i])
        continue;
      int extra = 0;
      for (int j = 0; j < l->n_inputs; j++)
        {
          int q = l->inputs[j];
          if (!up[q])
            continue;
          gboolean repeated = FALSE;
          for (int k = 0; k < j; k++)
            repeated |= l->inputs[k] == q;
          if (writer[q] == -1)
            writer[q] = i;
          else
            repeated = TRUE;
          if (repeated)
            {
              extra++;
              *tmp_floats = MAX (*tmp_floats,
                                 (size_t) p->max_batch * nn_shape_size (m->layers[q].out_shape));
            }
        }
      *n_tmp = MAX (*n_tmp, extra);
    }
}

double
nn_plan_bytes (const NnPlan *p, const NnModel *m, int n_threads)
{
  double b = p->max_batch, floats = 0;
  for (int i = 0; i < p->n_layers; i++)
    {
      const NnLayer *l = &m->layers[i];
      double per = (double) nn_shape_size (l->out_shape);
      if (p->out_of[i] == i && !p->out_local[i])
        floats += b * per;
      if (p->needs_z[i])
        floats += b * per;
      floats += b * (double) p->sizes[i].aux;
      /* the forward's Winograd kernel (36 points per 9 taps) and the copy it came from */
      if (p->winograd[i])
        floats += ((double) NN_WINO4_POINTS / 9 + 1) * (double) l->vars[0].size;
    }
  floats += (double) p->stats_floats + (double) p->scratch_floats * n_threads;
  floats += 2.0 * p->n_layers * 2 * NN_MAX_THREADS * p->reduce_len; /* doubles */
  if (p->mode == NN_MODE_TRAINING)
    floats += (double) p->grad_floats + (double) (n_threads - 1) * m->n_params
              + (double) (p->grad_local_floats + p->out_local_floats) * n_threads;
  return floats * sizeof (float);
}
