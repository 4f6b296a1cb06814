/* test-forward.c: every layer's forward pass against a naive double-precision
 * reference written from the Keras/TensorFlow definitions, in both modes; the
 * whole-model paths (threads, predict, zoo). TAP output. */
#include "nn-test-util.h"
#include "nn-zoo.h"
#include "nn-kernels.h"

/* ---- naive references ------------------------------------------------------- */

static int
ref_out (int in, int k, int s, NnPadding pad)
{
  return pad == NN_PAD_SAME ? (in + s - 1) / s : (in - k) / s + 1;
}

static int
ref_pad (int in, int k, int s, NnPadding pad)
{
  if (pad == NN_PAD_VALID)
    return 0;
  int out = ref_out (in, k, s, pad);
  int total = (out - 1) * s + k - in;
  return total > 0 ? total / 2 : 0;
}

static double
ref_act (double v, NnActivation a)
{
  switch (a)
    {
    case NN_ACT_RELU: return v > 0 ? v : 0;
    case NN_ACT_RELU6: return v < 0 ? 0 : v > 6 ? 6 : v;
    case NN_ACT_SIGMOID: return 1 / (1 + exp (-v));
    case NN_ACT_TANH: return tanh (v);
    case NN_ACT_ELU: return v > 0 ? v : exp (v) - 1;
    case NN_ACT_GELU: return 0.5 * v * (1 + erf (v / sqrt (2)));
    case NN_ACT_SILU: return v / (1 + exp (-v));
    default: return v;
    }
}

static void
ref_act_rows (double *y, size_t rows, int C, NnActivation a)
{
  for (size_t r = 0; r < rows; r++)
    {
      double *yr = y + r * C;
      if (a == NN_ACT_SOFTMAX)
        {
          double mx = yr[0], s = 0;
          for (int k = 1; k < C; k++)
            mx = fmax (mx, yr[k]);
          for (int k = 0; k < C; k++)
            s += (yr[k] = exp (yr[k] - mx));
          for (int k = 0; k < C; k++)
            yr[k] /= s;
        }
      else
        for (int k = 0; k < C; k++)
          yr[k] = ref_act (yr[k], a);
    }
}

/* A general grouped convolution: output channel o reads input channels of group
 * o / per_group. Conv2D is one group; depthwise has C groups of M outputs. */
static void
ref_conv (double *y, const float *x, int n, NnShape in, NnShape out, int kh, int kw, int sh,
          int sw, NnPadding pad, const float *k, gboolean depthwise, int M)
{
  int pt = ref_pad (in.h, kh, sh, pad), pl = ref_pad (in.w, kw, sw, pad);
  for (int i = 0; i < n; i++)
    for (int oh = 0; oh < out.h; oh++)
      for (int ow = 0; ow < out.w; ow++)
        for (int o = 0; o < out.c; o++)
          {
            double s = 0;
            for (int ky = 0; ky < kh; ky++)
              for (int kx = 0; kx < kw; kx++)
                {
                  int ih = oh * sh - pt + ky, iw = ow * sw - pl + kx;
                  if (ih < 0 || ih >= in.h || iw < 0 || iw >= in.w)
                    continue;
                  const float *xr = x + (((size_t) i * in.h + ih) * in.w + iw) * in.c;
                  if (depthwise)
                    s += xr[o / M] * (double) k[((ky * kw + kx) * in.c + o / M) * M + o % M];
                  else
                    for (int c = 0; c < in.c; c++)
                      s += xr[c] * (double) k[((ky * kw + kx) * in.c + c) * out.c + o];
                }
            y[(((size_t) i * out.h + oh) * out.w + ow) * out.c + o] = s;
          }
}

/* Reference output of layer li on the workspace's inputs; BN training uses the
 * batch's statistics. */
static void
ref_forward (const NnModel *m, const NnWorkspace *ws, int li, int n, gboolean training, double *y)
{
  const NnLayer *l = &m->layers[li];
  const float *x = nn_workspace_layer_output (ws, l->inputs[0]);
  NnShape in = l->in_shape, out = l->out_shape;
  size_t count = (size_t) n * nn_shape_size (out), rows = (size_t) n * out.h * out.w;
  const float *P[4];
  for (int v = 0; v < l->n_vars; v++)
    P[v] = m->params + l->vars[v].offset;
  switch (l->kind)
    {
    case NN_LAYER_CONV2D:
    case NN_LAYER_DEPTHWISE_CONV2D:
      {
        const NnConvConfig *c = &l->cfg.conv;
        ref_conv (y, x, n, in, out, c->kh, c->kw, c->stride_h, c->stride_w, c->padding, P[0],
                  l->kind == NN_LAYER_DEPTHWISE_CONV2D, c->depth_multiplier);
        for (size_t r = 0; r < rows && c->use_bias; r++)
          for (int o = 0; o < out.c; o++)
            y[r * out.c + o] += P[1][o];
        ref_act_rows (y, rows, out.c, c->activation);
        break;
      }
    case NN_LAYER_SEPARABLE_CONV2D:
      {
        const NnConvConfig *c = &l->cfg.conv;
        int CM = in.c * c->depth_multiplier;
        NnShape mid = { out.h, out.w, CM };
        double *d = g_new (double, rows * CM);
        ref_conv (d, x, n, in, mid, c->kh, c->kw, c->stride_h, c->stride_w, c->padding, P[0],
                  TRUE, c->depth_multiplier);
        for (size_t r = 0; r < rows; r++)
          for (int o = 0; o < out.c; o++)
            {
              double s = c->use_bias ? P[2][o] : 0;
              for (int j = 0; j < CM; j++)
                s += d[r * CM + j] * P[1][j * out.c + o];
              y[r * out.c + o] = s;
            }
        ref_act_rows (y, rows, out.c, c->activation);
        g_free (d);
        break;
      }
    case NN_LAYER_BATCH_NORM:
      {
        int v = 0;
        const float *gamma = l->cfg.bn.scale ? P[v++] : NULL;
        const float *beta = l->cfg.bn.center ? P[v++] : NULL;
        const float *mm = P[v], *mv = P[v + 1];
        for (int k = 0; k < in.c; k++)
          {
            double mean = mm[k], var = mv[k];
            if (training)
              {
                double s = 0, s2 = 0;
                for (size_t r = 0; r < rows; r++)
                  s += x[r * in.c + k];
                mean = s / rows;
                for (size_t r = 0; r < rows; r++)
                  s2 += (x[r * in.c + k] - mean) * (x[r * in.c + k] - mean);
                var = s2 / rows;
              }
            for (size_t r = 0; r < rows; r++)
              y[r * in.c + k] = (x[r * in.c + k] - mean) / sqrt (var + l->cfg.bn.epsilon)
                                * (gamma ? gamma[k] : 1) + (beta ? beta[k] : 0);
          }
        break;
      }
    case NN_LAYER_ACTIVATION:
      for (size_t i = 0; i < count; i++)
        y[i] = x[i];
      ref_act_rows (y, rows, out.c, l->cfg.act.activation);
      break;
    case NN_LAYER_MAX_POOL:
    case NN_LAYER_AVG_POOL:
      {
        const NnPoolConfig *p = &l->cfg.pool;
        int pt = ref_pad (in.h, p->pool_h, p->stride_h, p->padding);
        int pl = ref_pad (in.w, p->pool_w, p->stride_w, p->padding);
        for (int i = 0; i < n; i++)
          for (int oh = 0; oh < out.h; oh++)
            for (int ow = 0; ow < out.w; ow++)
              for (int c = 0; c < in.c; c++)
                {
                  double best = -INFINITY, sum = 0;
                  int cnt = 0;
                  for (int ky = 0; ky < p->pool_h; ky++)
                    for (int kx = 0; kx < p->pool_w; kx++)
                      {
                        int ih = oh * p->stride_h - pt + ky, iw = ow * p->stride_w - pl + kx;
                        if (ih < 0 || ih >= in.h || iw < 0 || iw >= in.w)
                          continue;
                        double v = x[(((size_t) i * in.h + ih) * in.w + iw) * in.c + c];
                        best = fmax (best, v);
                        sum += v;
                        cnt++;
                      }
                  y[(((size_t) i * out.h + oh) * out.w + ow) * out.c + c]
                    = l->kind == NN_LAYER_MAX_POOL ? best : sum / cnt;
                }
        break;
      }
    case NN_LAYER_GLOBAL_AVG_POOL:
      for (int i = 0; i < n; i++)
        for (int c = 0; c < in.c; c++)
          {
            double s = 0;
            for (int p = 0; p < in.h * in.w; p++)
              s += x[((size_t) i * in.h * in.w + p) * in.c + c];
            y[i * in.c + c] = s / (in.h * in.w);
          }
      break;
    case NN_LAYER_DENSE:
      for (size_t r = 0; r < rows; r++)
        for (int o = 0; o < out.c; o++)
          {
            double s = l->cfg.dense.use_bias ? P[1][o] : 0;
            for (int k = 0; k < in.c; k++)
              s += x[r * in.c + k] * (double) P[0][k * out.c + o];
            y[r * out.c + o] = s;
          }
      ref_act_rows (y, rows, out.c, l->cfg.dense.activation);
      break;
    case NN_LAYER_RESCALING:
      for (size_t i = 0; i < count; i++)
        y[i] = x[i] * (double) l->cfg.rescaling.scale + l->cfg.rescaling.offset;
      break;
    case NN_LAYER_ADD:
      for (size_t i = 0; i < count; i++)
        {
          y[i] = 0;
          for (int j = 0; j < l->n_inputs; j++)
            y[i] += nn_workspace_layer_output (ws, l->inputs[j])[i];
        }
      break;
    case NN_LAYER_CONCATENATE:
      for (size_t r = 0; r < rows; r++)
        {
          int at = 0;
          for (int j = 0; j < l->n_inputs; j++)
            {
              int cj = m->layers[l->inputs[j]].out_shape.c;
              const float *xj = nn_workspace_layer_output (ws, l->inputs[j]);
              for (int k = 0; k < cj; k++)
                y[r * out.c + at + k] = xj[r * cj + k];
              at += cj;
            }
        }
      break;
    default: /* Flatten, Reshape, Dropout in inference: NHWC order is kept */
      for (size_t i = 0; i < count; i++)
        y[i] = x[i];
      break;
    }
}

/* ---- single-layer checks ------------------------------------------------------ */

typedef int (*AddFn) (NnModel *m, int input, const void *cfg);

static double
max_abs (const double *v, size_t n)
{
  double m = 0;
  for (size_t k = 0; k < n; k++)
    m = fmax (m, fabs (v[k]));
  return m;
}

/* Input (in) -> [Rescaling pair for merges] -> the layer; compares every layer
 * after the input with the reference, in inference and training mode. */
static void
check_model (const char *what, NnModel *m, int n, double atol)
{
  g_autoptr (GError) error = NULL;
  if (!nn_model_finish (m, &error))
    {
      tap_ok (FALSE, "%s: finish: %s", what, error->message);
      return;
    }
  test_randomize_params (m, 7);
  size_t in = nn_shape_size (m->layers[0].out_shape);
  g_autofree float *x = g_new (float, n * in);
  test_fill (x, n * in, 11, 2.0f);
  for (int mode = 0; mode < 2; mode++)
    {
      /* At the bf16 and amx levels a training pass's convolutions multiply in
       * bf16 (8 bits of mantissa): their worst error is about 2e-3 of the
       * layer's largest output, so each layer is held to 1e-2 of it (a wrong
       * tap errs by about the outputs themselves). */
      gboolean bf16 = mode == NN_MODE_TRAINING && nn_kernels_level () >= NN_KERNELS_BF16;
      NnWorkspace *ws = nn_workspace_new (m, n + 1, mode);
      /* Training mode moves the BN statistics: keep the ones the reference needs. */
      size_t bytes = MAX (m->n_params, 1) * sizeof (float);
      g_autofree float *saved = g_memdup2 (m->params, bytes);
      nn_model_forward (m, ws, x, n);
      g_autofree float *after = g_memdup2 (m->params, bytes);
      memcpy (m->params, saved, bytes);
      double worst = 0;
      int worst_layer = -1;
      size_t where = 0, w = 0;
      for (int li = 1; li < m->n_layers; li++)
        {
          const NnLayer *l = &m->layers[li];
          if (l->kind == NN_LAYER_DROPOUT && mode == NN_MODE_TRAINING)
            continue; /* checked by check_dropout */
          size_t count = n * nn_shape_size (l->out_shape);
          g_autofree double *ref = g_new (double, count);
          ref_forward (m, ws, li, n, mode == NN_MODE_TRAINING, ref);
          double abs_tol = bf16 ? 1e-2 * max_abs (ref, count) : atol;
          double rel_tol = bf16 ? 0.0 : 1e-4;
          const float *got = nn_workspace_layer_output (ws, li);
          if (li == m->output && m->output_softmax)
            {
              /* The workspace holds logits: compare probabilities. */
              g_autofree float *p = g_new (float, count);
              nn_softmax_rows (p, got, n, m->n_classes);

              double e = test_max_err (p, ref, count, abs_tol, rel_tol, &w);
              if (e > worst)
                worst = e, worst_layer = li, where = w;
              continue;
            }

          double e = test_max_err (got, ref, count, abs_tol, rel_tol, &w);
          if (e > worst)
            worst = e, worst_layer = li, where = w;
        }
      tap_ok (worst <= 1.0, "[%s] %s (%s): worst error %.3g%s%s at %zu",
              nn_kernels_level_name (nn_kernels_level ()), what,
              mode ? "training" : "inference", worst, worst_layer >= 0 ? " in " : "",
              worst_layer >= 0 ? m->layers[worst_layer].name : "", where);
      memcpy (m->params, after, bytes);
      nn_workspace_free (ws);
    }
  nn_model_free (m);
}

static NnModel *
input_model (NnShape s, int *l)
{
  NnModel *m = nn_model_new ("test", NN_MODEL_FUNCTIONAL);
  *l = nn_model_add_input (m, s, NN_INPUT_IMAGE, "input_layer");
  return m;
}

static void
check_conv (const char *what, NnLayerKind kind, NnShape s, NnConvConfig cfg)
{
  int l;
  NnModel *m = input_model (s, &l);
  if (kind == NN_LAYER_CONV2D)
    nn_model_add_conv2d (m, "conv", l, &cfg);
  else if (kind == NN_LAYER_DEPTHWISE_CONV2D)
    nn_model_add_depthwise_conv2d (m, "dw", l, &cfg);
  else
    nn_model_add_separable_conv2d (m, "sep", l, &cfg);
  check_model (what, m, 3, 1e-4);
}

static void
test_convolutions (void)
{
  check_conv ("conv2d 3x3 same relu", NN_LAYER_CONV2D, (NnShape){ 7, 7, 3 },
              (NnConvConfig){ 5, 1, 3, 3, 1, 1, NN_PAD_SAME, TRUE, NN_ACT_RELU });
  check_conv ("conv2d 3x3 valid stride 2 no bias", NN_LAYER_CONV2D, (NnShape){ 8, 9, 2 },
              (NnConvConfig){ 4, 1, 3, 3, 2, 2, NN_PAD_VALID, FALSE, NN_ACT_LINEAR });
  check_conv ("conv2d 5x3 same stride 2 sigmoid", NN_LAYER_CONV2D, (NnShape){ 8, 7, 3 },
              (NnConvConfig){ 6, 1, 5, 3, 2, 2, NN_PAD_SAME, TRUE, NN_ACT_SIGMOID });
  check_conv ("conv2d 2x2 same (pad after) elu", NN_LAYER_CONV2D, (NnShape){ 5, 6, 2 },
              (NnConvConfig){ 3, 1, 2, 2, 1, 1, NN_PAD_SAME, TRUE, NN_ACT_ELU });
  check_conv ("conv2d 1x1 tanh", NN_LAYER_CONV2D, (NnShape){ 4, 4, 8 },
              (NnConvConfig){ 5, 1, 1, 1, 1, 1, NN_PAD_VALID, TRUE, NN_ACT_TANH });
  check_conv ("conv2d 3x3 same 32 -> 32 (the cnn shape)", NN_LAYER_CONV2D, (NnShape){ 12, 12, 32 },
              (NnConvConfig){ 32, 1, 3, 3, 1, 1, NN_PAD_SAME, TRUE, NN_ACT_RELU });
  check_conv ("conv2d 3x3 valid 1 -> 32", NN_LAYER_CONV2D, (NnShape){ 28, 28, 1 },
              (NnConvConfig){ 32, 1, 3, 3, 1, 1, NN_PAD_VALID, TRUE, NN_ACT_LINEAR });
  check_conv ("conv2d 3x3 same stride 2, 16 -> 32", NN_LAYER_CONV2D, (NnShape){ 9, 8, 16 },
              (NnConvConfig){ 32, 1, 3, 3, 2, 2, NN_PAD_SAME, TRUE, NN_ACT_RELU });
  check_conv ("conv2d 5x5 valid, 16 -> 16", NN_LAYER_CONV2D, (NnShape){ 9, 8, 16 },
              (NnConvConfig){ 16, 1, 5, 5, 1, 1, NN_PAD_VALID, FALSE, NN_ACT_LINEAR });
  /* The kernels built for 32, 64 and 96 input channels: pointwise convolutions
   * (pixels one after another) and Winograd's products per point. 49 and 30
   * pixels leave tiles of 4 and of 1 after the large ones. */
  check_conv ("conv2d 1x1 32 -> 32, 7 x 7", NN_LAYER_CONV2D, (NnShape){ 7, 7, 32 },
              (NnConvConfig){ 32, 1, 1, 1, 1, 1, NN_PAD_VALID, FALSE, NN_ACT_RELU });
  check_conv ("conv2d 1x1 64 -> 64", NN_LAYER_CONV2D, (NnShape){ 5, 6, 64 },
              (NnConvConfig){ 64, 1, 1, 1, 1, 1, NN_PAD_SAME, TRUE, NN_ACT_LINEAR });
  check_conv ("conv2d 1x1 96 -> 96, 7 x 7", NN_LAYER_CONV2D, (NnShape){ 7, 7, 96 },
              (NnConvConfig){ 96, 1, 1, 1, 1, 1, NN_PAD_VALID, TRUE, NN_ACT_RELU });
  check_conv ("conv2d 1x1 stride 2, 32 -> 16", NN_LAYER_CONV2D, (NnShape){ 7, 6, 32 },
              (NnConvConfig){ 16, 1, 1, 1, 2, 2, NN_PAD_VALID, TRUE, NN_ACT_LINEAR });
  check_conv ("conv2d 3x3 same 64 -> 96", NN_LAYER_CONV2D, (NnShape){ 7, 7, 64 },
              (NnConvConfig){ 96, 1, 3, 3, 1, 1, NN_PAD_SAME, FALSE, NN_ACT_RELU });
  check_conv ("conv2d 3x3 same 96 -> 48", NN_LAYER_CONV2D, (NnShape){ 5, 5, 96 },
              (NnConvConfig){ 48, 1, 3, 3, 1, 1, NN_PAD_SAME, TRUE, NN_ACT_LINEAR });
  /* The forward's Winograd F(4x4, 3x3) reads several images per product: 16
   * tiles of a 14 x 14 map go two images at a time (and the third alone), and a
   * valid 11 x 11 output fills its last tiles in part. */
  check_conv ("conv2d 3x3 same 32 -> 64, 14 x 14", NN_LAYER_CONV2D, (NnShape){ 14, 14, 32 },
              (NnConvConfig){ 64, 1, 3, 3, 1, 1, NN_PAD_SAME, FALSE, NN_ACT_RELU });
  check_conv ("conv2d 3x3 valid 64 -> 64, 13 x 13", NN_LAYER_CONV2D, (NnShape){ 13, 13, 64 },
              (NnConvConfig){ 64, 1, 3, 3, 1, 1, NN_PAD_VALID, TRUE, NN_ACT_LINEAR });
  check_conv ("depthwise 3x3 same stride 2, 16 channels", NN_LAYER_DEPTHWISE_CONV2D,
              (NnShape){ 7, 8, 16 },
              (NnConvConfig){ 0, 1, 3, 3, 2, 2, NN_PAD_SAME, TRUE, NN_ACT_RELU });
  check_conv ("depthwise 3x3 same relu6", NN_LAYER_DEPTHWISE_CONV2D, (NnShape){ 6, 6, 4 },
              (NnConvConfig){ 0, 1, 3, 3, 1, 1, NN_PAD_SAME, TRUE, NN_ACT_RELU6 });
  check_conv ("depthwise 3x3 valid stride 2 multiplier 2 gelu", NN_LAYER_DEPTHWISE_CONV2D,
              (NnShape){ 9, 8, 3 },
              (NnConvConfig){ 0, 2, 3, 3, 2, 2, NN_PAD_VALID, FALSE, NN_ACT_GELU });
  // 49 pixels: the kernel's groups of four pixels and the three left over.
  check_conv ("depthwise 3x3 same 7 x 7, 16 channels, relu", NN_LAYER_DEPTHWISE_CONV2D,
              (NnShape){ 7, 7, 16 },
              (NnConvConfig){ 0, 1, 3, 3, 1, 1, NN_PAD_SAME, TRUE, NN_ACT_RELU });
  check_conv ("depthwise 3x3 same 32 channels (the advanced shape)", NN_LAYER_DEPTHWISE_CONV2D,
              (NnShape){ 14, 14, 32 },
              (NnConvConfig){ 0, 1, 3, 3, 1, 1, NN_PAD_SAME, FALSE, NN_ACT_LINEAR });
  check_conv ("separable 3x3 same multiplier 2 silu", NN_LAYER_SEPARABLE_CONV2D,
              (NnShape){ 6, 5, 3 },
              (NnConvConfig){ 4, 2, 3, 3, 1, 1, NN_PAD_SAME, TRUE, NN_ACT_SILU });
  check_conv ("separable 3x3 valid stride 2", NN_LAYER_SEPARABLE_CONV2D, (NnShape){ 7, 7, 2 },
              (NnConvConfig){ 3, 1, 3, 3, 2, 2, NN_PAD_VALID, FALSE, NN_ACT_LINEAR });
}

static void
test_norm_and_pools (void)
{
  int l;
  NnModel *m = input_model ((NnShape){ 5, 4, 6 }, &l);
  nn_model_add_batch_norm (m, "bn", l, &(NnBatchNormConfig){ 0.9f, 1e-3f, TRUE, TRUE });
  check_model ("batch_normalization", m, 3, 1e-4);
  m = input_model ((NnShape){ 5, 4, 6 }, &l);
  nn_model_add_batch_norm (m, "bn", l, &(NnBatchNormConfig){ 0.9f, 1e-3f, FALSE, FALSE });
  check_model ("batch_normalization without gamma and beta", m, 3, 1e-4);

  struct { const char *what; NnLayerKind kind; NnPoolConfig cfg; } pools[] = {
    { "max_pool 2 valid", NN_LAYER_MAX_POOL, { 2, 2, 2, 2, NN_PAD_VALID } },
    { "max_pool 3 stride 2 same", NN_LAYER_MAX_POOL, { 3, 3, 2, 2, NN_PAD_SAME } },
    { "max_pool 2 stride 1 same", NN_LAYER_MAX_POOL, { 2, 2, 1, 1, NN_PAD_SAME } },
    { "avg_pool 2 valid", NN_LAYER_AVG_POOL, { 2, 2, 2, 2, NN_PAD_VALID } },
    { "max_pool 2 valid, 32 channels", NN_LAYER_MAX_POOL, { 2, 2, 2, 2, NN_PAD_VALID } },
    { "avg_pool 3 stride 2 same", NN_LAYER_AVG_POOL, { 3, 3, 2, 2, NN_PAD_SAME } },
  };
  for (size_t i = 0; i < G_N_ELEMENTS (pools); i++)
    {
      m = input_model ((NnShape){ 7, 6, strstr (pools[i].what, "32") ? 32 : 3 }, &l);
      if (pools[i].kind == NN_LAYER_MAX_POOL)
        nn_model_add_max_pool (m, "pool", l, &pools[i].cfg);
      else
        nn_model_add_avg_pool (m, "pool", l, &pools[i].cfg);
      check_model (pools[i].what, m, 3, 1e-5);
    }
  m = input_model ((NnShape){ 5, 3, 4 }, &l);
  nn_model_add_global_avg_pool (m, "gap", l);
  check_model ("global_average_pooling2d", m, 3, 1e-5);
}

static void
test_elementwise (void)
{
  for (NnActivation a = 0; a < NN_ACT_N_KINDS; a++)
    {
      int l;
      NnModel *m = input_model ((NnShape){ 3, 4, 5 }, &l);
      l = nn_model_add_activation (m, "act", l, a);
      nn_model_add_rescaling (m, "after", l, 1.0f, 0.0f); /* so softmax is not the output */
      g_autofree char *what = g_strdup_printf ("activation %s", nn_activation_to_keras (a));
      check_model (what, m, 3, 1e-5);
    }
  int l, a, b;
  NnModel *m = input_model ((NnShape){ 4, 3, 2 }, &l);
  l = nn_model_add_rescaling (m, "rescaling", l, 1.0f / 255.0f, 0.5f);
  l = nn_model_add_reshape (m, "reshape", l, (NnShape){ 2, -1, 3 });
  l = nn_model_add_flatten (m, "flatten", l);
  l = nn_model_add_dropout (m, "dropout", l, 0.3f);
  l = nn_model_add_dense (m, "dense", l, &(NnDenseConfig){ 7, TRUE, NN_ACT_RELU });
  nn_model_add_dense (m, "dense_1", l, &(NnDenseConfig){ 4, TRUE, NN_ACT_SOFTMAX });
  check_model ("rescaling reshape flatten dropout dense dense(softmax)", m, 3, 1e-5);

  m = input_model ((NnShape){ 3, 3, 4 }, &l);
  nn_model_add_dense (m, "dense", l, &(NnDenseConfig){ 5, FALSE, NN_ACT_TANH });
  check_model ("dense on a (3, 3, 4) input keeps the grid", m, 3, 1e-5);
  m = input_model ((NnShape){ 1, 1, 40 }, &l);
  nn_model_add_dense (m, "dense", l, &(NnDenseConfig){ 48, TRUE, NN_ACT_RELU });
  check_model ("dense 40 -> 48, a few rows", m, 3, 1e-5);
  /* 3 images x 15 rows: past the few-rows kernel, the tile's matrix product, with
   * full tiles, tiles of 4 and single rows. */
  m = input_model ((NnShape){ 3, 5, 40 }, &l);
  nn_model_add_dense (m, "dense", l, &(NnDenseConfig){ 48, TRUE, NN_ACT_RELU });
  check_model ("dense 40 -> 48 on 45 rows", m, 3, 1e-5);

  m = input_model ((NnShape){ 4, 4, 3 }, &l);
  a = nn_model_add_rescaling (m, "a", l, 2.0f, 0.0f);
  b = nn_model_add_rescaling (m, "b", l, -1.0f, 0.5f);
  int ab[3] = { a, b, a };
  l = nn_model_add_add (m, "add", ab, 3);
  nn_model_add_concatenate (m, "concatenate", (int[]){ l, b, a }, 3);
  check_model ("add and concatenate, with a repeated input", m, 3, 1e-5);
}

/* Inverted dropout: each value is 0 or x / (1 - rate), about rate of them 0,
 * identical for the same seed and for any thread split, different for the next pass. */
static void
test_dropout (void)
{
  int l;
  NnModel *m = input_model ((NnShape){ 16, 16, 8 }, &l);
  nn_model_add_dropout (m, "dropout", l, 0.25f);
  g_autoptr (GError) error = NULL;
  g_assert_true (nn_model_finish (m, &error));
  int n = 8;
  size_t count = n * 16 * 16 * 8;
  g_autofree float *x = g_new (float, count);
  test_fill (x, count, 3, 1.0f);
  for (size_t i = 0; i < count; i++)
    x[i] += 2.0f; /* nonzero, so a zero output is a dropped value */
  NnWorkspace *ws1 = nn_workspace_new (m, n, NN_MODE_TRAINING);
  NnWorkspace *ws2 = nn_workspace_new (m, n, NN_MODE_TRAINING);
  nn_workspace_set_seed (ws1, 42);
  nn_workspace_set_seed (ws2, 42);
  g_autofree float *y1 = g_memdup2 (nn_model_forward (m, ws1, x, n), count * sizeof (float));
  nn_model_set_threads (m, 2);
  const float *y2 = nn_model_forward (m, ws2, x, n);
  nn_model_set_threads (m, 1);
  size_t zeros = 0, bad = 0, same = 0;
  for (size_t i = 0; i < count; i++)
    {
      if (y1[i] == 0.0f)
        zeros++;
      else if (fabsf (y1[i] - x[i] / 0.75f) > 1e-5f)
        bad++;
      same += y1[i] == y2[i];
    }
  double frac = (double) zeros / count;
  tap_ok (bad == 0 && fabs (frac - 0.25) < 0.02,
          "dropout 0.25 drops %.3f of the values and scales the rest by 1/0.75 (%zu wrong)",
          frac, bad);
  tap_ok (same == count, "dropout mask is the same for the same seed on 1 and 2 threads");
  const float *y3 = nn_model_forward (m, ws1, x, n);
  same = 0;
  for (size_t i = 0; i < count; i++)
    same += y1[i] == y3[i];
  tap_ok (same < count * 0.8, "the next pass draws a new mask");
  nn_workspace_free (ws1);
  nn_workspace_free (ws2);
  nn_model_free (m);
}

/* BN moving statistics after one training pass, Keras 3 rule with the biased variance. */
static void
test_bn_moving (void)
{
  int l;
  NnModel *m = input_model ((NnShape){ 3, 3, 2 }, &l);
  nn_model_add_batch_norm (m, "bn", l, &(NnBatchNormConfig){ 0.8f, 1e-3f, TRUE, TRUE });
  g_autoptr (GError) error = NULL;
  g_assert_true (nn_model_finish (m, &error));
  test_randomize_params (m, 5);
  int n = 5;
  size_t count = n * 18;
  g_autofree float *x = g_new (float, count);
  test_fill (x, count, 9, 3.0f);
  const NnLayer *bn = &m->layers[1];
  float *mm = m->params + bn->vars[2].offset, *mv = m->params + bn->vars[3].offset;
  double want_m[2], want_v[2];
  for (int k = 0; k < 2; k++)
    {
      double s = 0, s2 = 0;
      for (int r = 0; r < n * 9; r++)
        s += x[r * 2 + k];
      double mean = s / (n * 9);
      for (int r = 0; r < n * 9; r++)
        s2 += (x[r * 2 + k] - mean) * (x[r * 2 + k] - mean);
      want_m[k] = mm[k] * 0.8 + mean * 0.2;
      want_v[k] = mv[k] * 0.8 + s2 / (n * 9) * 0.2;
    }
  nn_model_set_threads (m, 2);
  NnWorkspace *ws = nn_workspace_new (m, n, NN_MODE_TRAINING);
  nn_model_forward (m, ws, x, n);
  double e = 0;
  for (int k = 0; k < 2; k++)
    e = fmax (e, fmax (fabs (mm[k] - want_m[k]), fabs (mv[k] - want_v[k])));
  tap_ok (e < 1e-5, "BN moving mean/variance follow Keras (2 threads): error %.3g", e);
  /* A frozen BN runs on its moving statistics, and leaves them alone. */
  m->layers[1].trainable = FALSE;
  float before = mm[0];
  nn_model_forward (m, ws, x, n);
  tap_ok (mm[0] == before, "a frozen BN does not move its statistics in training");
  nn_workspace_free (ws);
  nn_model_free (m);
}

/* ---- whole models ---------------------------------------------------------- */

static void
test_zoo (void)
{
  g_autoptr (NnModel) cnn = nn_zoo_cnn ();
  tap_ok (nn_model_count_params (cnn, FALSE) == 271210, "cnn has Keras's 271,210 parameters (%zu)",
          nn_model_count_params (cnn, FALSE));
  static const char *cnn_names[] = { "input_layer", "conv2d", "conv2d_1", "max_pooling2d",
    "dropout", "conv2d_2", "conv2d_3", "max_pooling2d_1", "dropout_1", "flatten", "dense",
    "dropout_2", "dense_1" };
  gboolean ok = cnn->n_layers == G_N_ELEMENTS (cnn_names);
  for (int i = 0; ok && i < cnn->n_layers; i++)
    ok = strcmp (cnn->layers[i].name, cnn_names[i]) == 0;
  tap_ok (ok && cnn->output_softmax && cnn->n_classes == 10, "cnn layer names are Keras's");
  g_autoptr (NnModel) adv = nn_zoo_advanced ();
  ok = adv->n_layers == 32 && strcmp (adv->layers[30].name, "dropout_3") == 0
       && strcmp (adv->layers[24].name, "batch_normalization_5") == 0
       && adv->layers[29].in_shape.c == 864;
  tap_ok (ok, "advanced has 32 layers, Keras's names and an 864-wide flatten");
  size_t want = 288 + 4 * 32 + 288 + 1024 + 4 * 32          /* block 1 */
                + 18432 + 4 * 64 + 576 + 4096 + 4 * 64      /* block 2 */
                + 55296 + 4 * 96 + 864 + 9216 + 4 * 96      /* block 3 */
                + 864 * 128 + 128 + 1290;
  tap_ok (nn_model_count_params (adv, FALSE) == want, "advanced has %zu parameters (%zu)", want,
          nn_model_count_params (adv, FALSE));
  g_autoptr (NnModel) lr = nn_zoo_logreg ();
  tap_ok (nn_model_count_params (lr, FALSE) == 7850, "logreg has 7,850 parameters");
}

/* Forward of the two project models: 1 and 2 threads agree, predict gives
 * probabilities, and a batch of one agrees with the same image inside a batch. */
static void
test_models_threads (void)
{
  const char *names[] = { "cnn", "advanced" };
  for (int k = 0; k < 2; k++)
    for (int mode = 0; mode < 2; mode++)
      {
        g_autoptr (NnModel) m = nn_zoo_build (names[k]);
        test_randomize_params (m, 3);
        int n = 9;
        g_autofree float *x = g_new (float, n * 784);
        test_fill (x, n * 784, 5, 0.5f);
        for (int i = 0; i < n * 784; i++)
          x[i] += 0.5f;
        g_autoptr (NnModel) m2 = nn_model_copy (m);
        nn_model_set_threads (m2, 2);
        NnWorkspace *ws1 = nn_workspace_new (m, n, mode);
        NnWorkspace *ws2 = nn_workspace_new (m2, n, mode);
        nn_workspace_set_seed (ws1, 1);
        nn_workspace_set_seed (ws2, 1);
        g_autofree float *a = g_memdup2 (nn_model_forward (m, ws1, x, n), n * 10 * sizeof (float));
        const float *b = nn_model_forward (m2, ws2, x, n);
        double e = 0;
        for (int i = 0; i < n * 10; i++)
          e = fmax (e, fabs (a[i] - b[i]) / (1e-4 + fabs (a[i])));
        double pe = 0;
        for (size_t i = 0; i < m->n_params; i++)
          pe = fmax (pe, fabs (m->params[i] - m2->params[i]));
        tap_ok (e < 1e-3 && pe < 1e-6, "%s %s: 1 and 2 threads agree (logits %.3g, params %.3g)",
                names[k], mode ? "training" : "inference", e, pe);
        nn_workspace_free (ws1);
        nn_workspace_free (ws2);
        if (mode == NN_MODE_TRAINING)
          continue;
        ws1 = nn_workspace_new (m, 4, NN_MODE_INFERENCE);
        g_autofree float *p = g_new (float, n * 10);
        nn_model_predict (m, ws1, x, n, p);
        double se = 0, de = 0;
        for (int i = 0; i < n; i++)
          {
            double s = 0;
            for (int c = 0; c < 10; c++)
              s += p[i * 10 + c];
            se = fmax (se, fabs (s - 1));
          }
        g_autofree float *p1 = g_new (float, 10);
        nn_model_predict (m, ws1, x + 5 * 784, 1, p1);
        for (int c = 0; c < 10; c++)
          de = fmax (de, fabs (p1[c] - p[50 + c]));
        tap_ok (se < 1e-5 && de < 1e-5, "%s: predict in chunks of 4 sums to 1 (%.2g), batch of 1 "
                "agrees (%.2g)", names[k], se, de);
        nn_workspace_free (ws1);
      }
}

static void
test_errors (void)
{
  int l;
  NnModel *m = input_model ((NnShape){ 4, 4, 1 }, &l);
  nn_model_add_conv2d (m, "too_big", l,
                       &(NnConvConfig){ 2, 1, 5, 5, 1, 1, NN_PAD_VALID, TRUE, NN_ACT_LINEAR });
  g_autoptr (GError) error = NULL;
  gboolean ok = nn_model_finish (m, &error);
  tap_ok (!ok && g_error_matches (error, NN_ERROR, NN_ERROR_SHAPE)
          && strstr (error->message, "too_big") != NULL,
          "a kernel larger than its input is a shape error naming the layer: %s",
          error ? error->message : "(none)");
  nn_model_free (m);
  g_clear_error (&error);
  m = input_model ((NnShape){ 4, 4, 2 }, &l);
  int a = nn_model_add_rescaling (m, "a", l, 1, 0);
  int b = nn_model_add_flatten (m, "b", l);
  nn_model_add_add (m, "add_bad", (int[]){ a, b }, 2);
  ok = nn_model_finish (m, &error);
  tap_ok (!ok && strstr (error->message, "add_bad") != NULL, "Add of different shapes: %s",
          error ? error->message : "(none)");
  nn_model_free (m);
  g_clear_error (&error);
  g_autoptr (NnModel) cnn = nn_zoo_cnn ();
  cnn->params[cnn->layers[10].vars[1].offset + 3] = NAN;
  ok = nn_model_check_finite (cnn, &error);
  tap_ok (!ok && strstr (error->message, "dense") && strstr (error->message, "bias"),
          "check_finite names the layer and variable: %s", error ? error->message : "(none)");
}

/* Both initialisers: kernels inside their limits and spread over them (the
 * variance of U(-a, a) is a^2 / 3), biases 0, BN gamma 1 and moving variance 1. */
static void
test_init (void)
{
  g_autoptr (NnModel) m = nn_zoo_advanced ();
  for (int rule = NN_INIT_GLOROT_UNIFORM; rule <= NN_INIT_FAN_IN_UNIFORM; rule++)
    {
      nn_model_init_weights_with (m, 7, (NnInit) rule);
      int dense = nn_model_find_layer (m, "dense"); // Flatten (3, 3, 96) -> 128
      const NnVar *k = &m->layers[dense].vars[0];
      double fan_in = k->dims[0], fan_out = k->dims[1];
      double a = rule == NN_INIT_FAN_IN_UNIFORM ? 1 / sqrt (fan_in) : sqrt (6 / (fan_in + fan_out));
      double max = 0, sq = 0;
      for (size_t i = 0; i < k->size; i++)
        {
          double w = m->params[k->offset + i];
          max = fmax (max, fabs (w));
          sq += w * w;
        }
      double var_ratio = sq / k->size / (a * a / 3);
      tap_ok (max <= a && max > 0.99 * a && fabs (var_ratio - 1) < 0.05,
              "init %d: dense kernel within +-%.4f (max %.4f), variance ratio %.3f", rule, a,
              max, var_ratio);
      const NnVar *bias = &m->layers[dense].vars[1];
      const NnLayer *bn = &m->layers[nn_model_find_layer (m, "batch_normalization")];
      tap_ok (m->params[bias->offset] == 0 && m->params[bn->vars[0].offset] == 1
                  && m->params[bn->vars[3].offset] == 1,
              "init %d: zero bias, BN gamma 1, moving variance 1", rule);
    }
}

/* predict (fused Conv -> BN -> relu kernels) agrees with the layer-by-layer
 * forward pass, and the vector kernels agree with the plain C ones. */
static void
test_fused_and_levels (void)
{
  const char *names[] = { "cnn", "advanced" };
  for (int k = 0; k < 2; k++)
    {
      g_autoptr (NnModel) m = nn_zoo_build (names[k]);
      test_randomize_params (m, 8);
      int n = 5;
      g_autofree float *x = g_new (float, n * 784);
      test_fill (x, n * 784, 6, 0.5f);
      for (int i = 0; i < n * 784; i++)
        x[i] += 0.5f;
      NnWorkspace *ws = nn_workspace_new (m, n, NN_MODE_INFERENCE);
      g_autofree float *p = g_new (float, n * 10);
      g_autofree float *q = g_new (float, n * 10);
      nn_model_predict (m, ws, x, n, p);
      nn_softmax_rows (q, nn_model_forward (m, ws, x, n), n, 10);
      double e = 0;
      for (int i = 0; i < n * 10; i++)
        e = fmax (e, fabs (p[i] - q[i]));
      tap_ok (e < 1e-5, "[%s] %s: predict (fused) agrees with forward: %.2g",
              nn_kernels_level_name (nn_kernels_level ()), names[k], e);
      /* The fused logits pass keeps the output layer's input (the feature space
       * the not-a-digit rule reads) as the layer-by-layer pass computes it. */
      int feat = m->layers[m->output].inputs[0];
      size_t width = nn_shape_size (m->layers[feat].out_shape);
      g_autofree float *plain = g_memdup2 (nn_workspace_layer_output (ws, feat),
                                           n * width * sizeof (float));
      g_autofree float *other = g_new (float, n * 784);
      for (int i = 0; i < n * 784; i++)
        other[i] = 1.0f - x[i];
      nn_model_forward (m, ws, other, n); /* the buffers now hold another batch's values */
      nn_softmax_rows (q, nn_model_forward_logits (m, ws, x, n), n, 10);
      double ef = 0, scale = 0;
      e = 0;
      for (int i = 0; i < n * 10; i++)
        e = fmax (e, fabs (p[i] - q[i]));
      for (size_t i = 0; i < n * width; i++)
        {
          scale = fmax (scale, fabs (plain[i]));
          ef = fmax (ef, fabs (plain[i] - nn_workspace_layer_output (ws, feat)[i]));
        }
      ef /= fmax (scale, 1e-6);
      tap_ok (e < 1e-5 && ef < 1e-5,
              "[%s] %s: forward_logits (fused) keeps logits and features: %.2g, %.2g",
              nn_kernels_level_name (nn_kernels_level ()), names[k], e, ef);
      NnKernelLevel lvl = nn_kernels_level ();
      nn_kernels_set_level (NN_KERNELS_GENERIC);
      nn_model_predict (m, ws, x, n, q);
      nn_kernels_set_level (lvl);
      e = 0;
      for (int i = 0; i < n * 10; i++)
        e = fmax (e, fabs (p[i] - q[i]));
      tap_ok (e < 1e-5, "[%s] %s: agrees with the plain C kernels: %.2g",
              nn_kernels_level_name (nn_kernels_level ()), names[k], e);
      nn_workspace_free (ws);
    }
}

/* Largest |a - b| over the largest |b| (at least 1). */
static double
scaled_diff (const float *a, const float *b, size_t n)
{
  double d = 0, scale = 1;
  for (size_t k = 0; k < n; k++)
    {
      d = fmax (d, fabs ((double) a[k] - b[k]));
      scale = fmax (scale, fabs (b[k]));
    }
  return d / scale;
}

/* A batch smaller than the pool: the threads share out each layer (rows of the
 * convolutions' outputs, columns of Dense) and must give the values one thread
 * gives, fused or layer by layer, at every pool size. Optimised builds give the
 * very bits; without optimisation GCC rounds the kernels' tile shapes apart
 * (multiply-adds fused in some and not others), so rounding is allowed. */
static void
test_layer_parts (void)
{
  const char *names[] = { "cnn", "advanced" };
  for (int k = 0; k < 2; k++)
    {
      g_autoptr (NnModel) m = nn_zoo_build (names[k]);
      test_randomize_params (m, 12);
      int n = 3, feat = m->layers[m->output].inputs[0];
      size_t width = nn_shape_size (m->layers[feat].out_shape);
      g_autofree float *x = g_new (float, n * 784);
      g_autofree float *want_feat = g_new (float, n * width);
      g_autofree float *other = g_new (float, n * 784);
      float want[2][3 * 10], got[3 * 10];
      int differ = 0, runs = 0;
      test_fill (x, n * 784, 4, 0.5f);
      for (int i = 0; i < n * 784; i++)
        other[i] = 0.5f - (x[i] += 0.5f);
      NnWorkspace *ws = nn_workspace_new (m, n, NN_MODE_INFERENCE);
      for (int b = 1; b <= n; b++)
        {
          nn_model_set_threads (m, 1);
          memcpy (want[0], nn_model_forward_logits (m, ws, x, b), b * 10 * sizeof (float));
          memcpy (want[1], nn_model_forward (m, ws, x, b), b * 10 * sizeof (float));
          memcpy (want_feat, nn_workspace_layer_output (ws, feat), b * width * sizeof (float));
          for (int threads = b + 1; threads <= 4; threads++)
            {
              /* another batch's values in every buffer first: nothing may be left over */
              nn_model_set_threads (m, 1);
              nn_model_predict (m, ws, other, n, got);
              nn_model_set_threads (m, threads);
              differ += scaled_diff (nn_model_forward_logits (m, ws, x, b), want[0], b * 10) > 1e-5;
              nn_model_set_threads (m, 1);
              nn_model_forward (m, ws, other, n);
              nn_model_set_threads (m, threads);
              memcpy (got, nn_model_forward (m, ws, x, b), b * 10 * sizeof (float));
              differ += scaled_diff (got, want[1], b * 10) > 1e-5;
              differ += scaled_diff (nn_workspace_layer_output (ws, feat), want_feat, b * width)
                        > 1e-5;
              runs += 3;
            }
        }
      tap_ok (differ == 0, "[%s] %s: batches smaller than the pool, shared out layer by layer, "
              "give one thread's values (%d of %d passes differ by more than 1e-5)",
              nn_kernels_level_name (nn_kernels_level ()), names[k], differ, runs);
      nn_model_set_threads (m, 1);
      nn_workspace_free (ws);
    }
}

int
main (void)
{
  /* Every level the CPU has, bf16 too where it is not the default. */
  NnKernelLevel best = nn_kernels_level ();
  for (int lvl = NN_KERNELS_GENERIC; lvl <= (int) nn_kernels_cpu_level (); lvl++)
    {
      nn_kernels_set_level (lvl);
      printf ("# kernels: %s\n", nn_kernels_level_name (lvl));
      test_convolutions ();
      test_norm_and_pools ();
      test_elementwise ();
      test_dropout ();
      test_bn_moving ();
      test_models_threads ();
      test_fused_and_levels ();
      test_layer_parts ();
    }
  nn_kernels_set_level (best);
  test_zoo ();
  test_init ();
  test_errors ();
  return tap_done ();
}
