/* nn-elementwise.c: the fused activations (and softmax), and the layers
 * Activation, Dropout, Rescaling, Add, Concatenate, Flatten and Reshape.
 * Forward and backward side by side; their sizes at the end. */
#include <math.h>
#include <string.h>
#include "nn-private.h"
#include "nn-kernels.h"

/* ---- fused activations ---------------------------------------------------- */

gboolean
nn_act_needs_z (NnActivation act)
{
  /* The others have derivatives that are functions of their output. */
  return act == NN_ACT_GELU || act == NN_ACT_SILU;
}

static inline float
sigmoidf (float x)
{
  return 1.0f / (1.0f + expf (-x));
}

// y (rows, C) = act (x (rows, C)); y may be x
void
nn_act_forward_from (float *y, const float *x, size_t rows, int channels, NnActivation act)
{
  size_t n = rows * (size_t) channels;
  switch (act)
    {
    case NN_ACT_LINEAR:
      if (y != x)
        memcpy (y, x, n * sizeof (float));
      break;
    case NN_ACT_RELU:
      for (size_t i = 0; i < n; i++)
        {
          float v = x[i];
          y[i] = v > 0.0f ? v : 0.0f;
        }
      break;
    case NN_ACT_RELU6:
      for (size_t i = 0; i < n; i++)
        {
          float v = x[i];
          y[i] = v > 0.0f ? (v < 6.0f ? v : 6.0f) : 0.0f;
        }
      break;
    case NN_ACT_SIGMOID:
      for (size_t i = 0; i < n; i++)
        y[i] = sigmoidf (x[i]);
      break;
    case NN_ACT_TANH:
      for (size_t i = 0; i < n; i++)
        y[i] = tanhf (x[i]);
      break;
    case NN_ACT_ELU:
      for (size_t i = 0; i < n; i++)
        y[i] = x[i] > 0.0f ? x[i] : expm1f (x[i]);
      break;
    case NN_ACT_GELU:
      for (size_t i = 0; i < n; i++)
        y[i] = 0.5f * x[i] * (1.0f + erff (x[i] * (float) M_SQRT1_2));
      break;
    case NN_ACT_SILU:
      for (size_t i = 0; i < n; i++)
        y[i] = x[i] * sigmoidf (x[i]);
      break;
    case NN_ACT_SOFTMAX:
      nn_softmax_rows (y, x, (int) rows, channels);
      break;
    default:
      g_assert_not_reached ();
    }
}

// y (rows, C) in place: holds z on entry
void
nn_act_forward (float *y, size_t rows, int channels, NnActivation act)
{
  nn_act_forward_from (y, y, rows, channels, act);
}

// dz, dy, y, z (rows, C); dz may alias dy
void
nn_act_backward (float *dz, const float *dy, const float *y, const float *z, size_t rows,
                 int channels, NnActivation act)
{
  size_t n = rows * (size_t) channels;
  switch (act)
    {
    case NN_ACT_LINEAR:
      if (dz != dy)
        memcpy (dz, dy, n * sizeof (float));
      break;
    case NN_ACT_RELU:
      if (nn_relu_kernel_backward (dz, dy, y, n))
        break;
      /* Loads first, then a select: branch-free, so it vectorises. */
      for (size_t i = 0; i < n; i++)
        {
          float d = dy[i], v = y[i];
          dz[i] = v > 0.0f ? d : 0.0f;
        }
      break;
    case NN_ACT_RELU6:
      for (size_t i = 0; i < n; i++)
        {
          float d = dy[i], v = y[i];
          dz[i] = (v > 0.0f) & (v < 6.0f) ? d : 0.0f;
        }
      break;
    case NN_ACT_SIGMOID:
      for (size_t i = 0; i < n; i++)
        dz[i] = dy[i] * y[i] * (1.0f - y[i]);
      break;
    case NN_ACT_TANH:
      for (size_t i = 0; i < n; i++)
        dz[i] = dy[i] * (1.0f - y[i] * y[i]);
      break;
    case NN_ACT_ELU:
      for (size_t i = 0; i < n; i++)
        dz[i] = y[i] > 0.0f ? dy[i] : dy[i] * (y[i] + 1.0f);
      break;
    case NN_ACT_GELU:
      for (size_t i = 0; i < n; i++)
        {
          float x = z[i];
          float cdf = 0.5f * (1.0f + erff (x * (float) M_SQRT1_2));
          float pdf = expf (-0.5f * x * x) * 0.3989422804014327f;
          dz[i] = dy[i] * (cdf + x * pdf);
        }
      break;
    case NN_ACT_SILU:
      for (size_t i = 0; i < n; i++)
        {
          float s = sigmoidf (z[i]);
          dz[i] = dy[i] * s * (1.0f + z[i] * (1.0f - s));
        }
      break;
    case NN_ACT_SOFTMAX:
      for (size_t r = 0; r < rows; r++)
        {
          const float *yr = y + r * channels, *dyr = dy + r * channels;
          float *dzr = dz + r * channels;
          float dot = 0.0f;
          for (int k = 0; k < channels; k++)
            dot += dyr[k] * yr[k];
          for (int k = 0; k < channels; k++)
            dzr[k] = yr[k] * (dyr[k] - dot);
        }
      break;
    default:
      g_assert_not_reached ();
    }
}

void
nn_softmax_rows (float *out, const float *logits, int n, int classes)
{
  g_return_if_fail (out != NULL && logits != NULL);
  for (int r = 0; r < n; r++)
    {
      const float *l = logits + (size_t) r * classes;
      float *o = out + (size_t) r * classes;
      float mx = l[0];
      for (int k = 1; k < classes; k++)
        mx = l[k] > mx ? l[k] : mx;
      float sum = 0.0f;
      for (int k = 0; k < classes; k++)
        {
          o[k] = expf (l[k] - mx);
          sum += o[k];
        }
      float inv = 1.0f / sum;
      for (int k = 0; k < classes; k++)
        o[k] *= inv;
    }
}

/* ---- Activation ------------------------------------------------------------- */

static size_t
out_count (const NnCall *c)
{
  return (size_t) c->n * nn_shape_size (c->l->out_shape);
}

static void
nn_activation_forward (NnCall *c)
{
  size_t count = out_count (c);
  nn_act_forward_from (c->y, c->x[0], count / c->l->out_shape.c, c->l->out_shape.c, c->act);
}

static void
nn_activation_backward (NnCall *c)
{
  if (c->dx[0] == NULL)
    return;
  size_t count = out_count (c);
  /* z of an Activation layer is its input, kept anyway. */
  nn_act_backward (c->dx[0], c->dy, c->y, c->x[0], count / c->l->out_shape.c,
                   c->l->out_shape.c, c->act);
}

/* ---- Dropout ---------------------------------------------------------------- */

/* Keras's inverted dropout: kept values are scaled by 1 / (1 - rate) in training,
 * so inference is the identity. The mask of element i of image k depends only on
 * the seed, the pass, the layer and (k, i): the same whatever the thread split. */
static inline guint32
dropout_hash (guint32 key, guint32 i)
{
  /* A counter-based integer hash (lowbias32): every element independent of the
   * others, so the loop vectorises. */
  guint32 h = (i ^ key) * 0x9e3779b1u;
  h ^= h >> 16;
  h *= 0x7feb352du;
  h ^= h >> 15;
  h *= 0x846ca68bu;
  h ^= h >> 16;
  return h;
}

/* One image's y = x * m, m being scale where the hash passes the threshold and
 * 0 elsewhere. Backward recomputes the mask the same way (dx = dy * m) rather
 * than keeping it: a stored mask was one more map written in forward and read
 * in backward, and these passes are bound by memory, not by the hash.
 * Built for AVX-512 and AVX2 as well, chosen at load time: the hash's 32-bit
 * multiplies vectorise only from SSE4.1 on, and the baseline build is plain
 * x86-64 (the plain loop runs 4 to 5 times slower).
 * Not under ThreadSanitizer: the clones' resolver runs before its runtime starts. */
#if defined(__SANITIZE_THREAD__)
#define DROPOUT_CLONES
#else
#define DROPOUT_CLONES __attribute__ ((target_clones ("avx512f", "avx2", "default")))
#endif
DROPOUT_CLONES
static void
dropout_image (float *yk, const float *xk, size_t per, guint32 ik, guint32 threshold,
               float scale)
{
  for (size_t i = 0; i < per; i++)
    yk[i] = dropout_hash (ik, (guint32) i) >= threshold ? xk[i] * scale : 0.0f;
}

/* y = dropout (x) over the call's images, x and y (n, per): forward with the
 * layer's input and output, backward with dy and dx. */
static void
dropout_images (const NnCall *c, float *y, const float *x)
{
  size_t per = nn_shape_size (c->l->out_shape);
  float rate = c->l->cfg.dropout.rate;
  float scale = 1.0f / (1.0f - rate);
  guint32 threshold = (guint32) MIN ((double) rate * 4294967296.0, 4294967295.0);
  for (int k = 0; k < c->n; k++)
    {
      /* per image: a key from the pass, the layer and the image's index in the batch */
      guint64 s = c->dropout_key ^ ((guint64) (c->t->n0 + k) * 0xd1b54a32d192ed03ull);
      guint32 ik = (guint32) nn_rng_next (&s);
      dropout_image (y + k * per, x + k * per, per, ik, threshold, scale);
    }
}

static void
nn_dropout_forward (NnCall *c)
{
  if (c->training && c->l->cfg.dropout.rate > 0.0f)
    dropout_images (c, c->y, c->x[0]);
  else if (c->y != c->x[0])
    memcpy (c->y, c->x[0], out_count (c) * sizeof (float));
}

static void
nn_dropout_backward (NnCall *c)
{
  if (c->dx[0] == NULL)
    return;
  if (c->training && c->l->cfg.dropout.rate > 0.0f)
    dropout_images (c, c->dx[0], c->dy);
  else
    memcpy (c->dx[0], c->dy, out_count (c) * sizeof (float));
}

/* ---- Rescaling, Flatten, Reshape ---------------------------------------------- */

static void
nn_rescaling_forward (NnCall *c)
{
  size_t count = out_count (c);
  float s = c->l->cfg.rescaling.scale, o = c->l->cfg.rescaling.offset;
  for (size_t i = 0; i < count; i++)
    c->y[i] = c->x[0][i] * s + o;
}

static void
nn_rescaling_backward (NnCall *c)
{
  if (c->dx[0] == NULL)
    return;
  size_t count = out_count (c);
  float s = c->l->cfg.rescaling.scale;
  for (size_t i = 0; i < count; i++)
    c->dx[0][i] = c->dy[i] * s;
}

static void
nn_copy_forward (NnCall *c)
{
  if (c->y != c->x[0])
    memcpy (c->y, c->x[0], out_count (c) * sizeof (float));
}

static void
nn_copy_backward (NnCall *c)
{
  if (c->dx[0] != NULL)
    memcpy (c->dx[0], c->dy, out_count (c) * sizeof (float));
}

/* ---- Add, Concatenate ------------------------------------------------------- */

static void
nn_add_forward (NnCall *c)
{
  size_t count = out_count (c);
  memcpy (c->y, c->x[0], count * sizeof (float));
  for (int j = 1; j < c->l->n_inputs; j++)
    for (size_t i = 0; i < count; i++)
      c->y[i] += c->x[j][i];
}

static void
nn_add_backward (NnCall *c)
{
  for (int j = 0; j < c->l->n_inputs; j++)
    if (c->dx[j])
      memcpy (c->dx[j], c->dy, out_count (c) * sizeof (float));
}

// y (n, H, W, sum C_j), x_j (n, H, W, C_j)
static void
nn_concat_forward (NnCall *c)
{
  const NnLayer *l = c->l;
  size_t pixels = (size_t) c->n * l->out_shape.h * l->out_shape.w;
  int co = l->out_shape.c, at = 0;
  for (int j = 0; j < l->n_inputs; j++)
    {
      int cj = c->m->layers[l->inputs[j]].out_shape.c;
      for (size_t p = 0; p < pixels; p++)
        memcpy (c->y + p * co + at, c->x[j] + p * cj, cj * sizeof (float));
      at += cj;
    }
}

static void
nn_concat_backward (NnCall *c)
{
  const NnLayer *l = c->l;
  size_t pixels = (size_t) c->n * l->out_shape.h * l->out_shape.w;
  int co = l->out_shape.c, at = 0;
  for (int j = 0; j < l->n_inputs; j++)
    {
      int cj = c->m->layers[l->inputs[j]].out_shape.c;
      if (c->dx[j])
        for (size_t p = 0; p < pixels; p++)
          memcpy (c->dx[j] + p * cj, c->dy + p * co + at, cj * sizeof (float));
      at += cj;
    }
}

/* ---- sizes ------------------------------------------------------------------ */

static void
no_sizes (const NnLayer *l, int n, NnMode mode, NnLayerSizes *s)
{
  (void) l, (void) n, (void) mode, (void) s;
}

const NnLayerOps nn_activation_ops = { nn_activation_forward, nn_activation_backward, no_sizes };
const NnLayerOps nn_dropout_ops = { nn_dropout_forward, nn_dropout_backward, no_sizes };
const NnLayerOps nn_rescaling_ops = { nn_rescaling_forward, nn_rescaling_backward, no_sizes };
const NnLayerOps nn_add_ops = { nn_add_forward, nn_add_backward, no_sizes };
const NnLayerOps nn_concat_ops = { nn_concat_forward, nn_concat_backward, no_sizes };
/* Flatten, Reshape: NHWC order is unchanged */
const NnLayerOps nn_copy_ops = { nn_copy_forward, nn_copy_backward, no_sizes };
