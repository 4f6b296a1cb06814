/* test-shape.c: the engine's one shape inference (nn-shape.c): absurd shapes
 * and counts are a GError naming the layer, before anything is allocated, and
 * the .keras reader's limits give its "refusing" errors. */
#include "nn-test-util.h"
#include "nn-shape.h"

static NnModel *
with_input (NnShape in)
{
  NnModel *m = nn_model_new ("absurd", NN_MODEL_FUNCTIONAL);
  nn_model_add_input (m, in, NN_INPUT_IMAGE, "input");
  return m;
}

/* A convolution config, in a static: the builders copy it. */
static const NnConvConfig *
conv (int filters, int k, int dm)
{
  static NnConvConfig c;
  c = (NnConvConfig){ .filters = filters, .kh = k, .kw = k, .stride_h = 1, .stride_w = 1,
                      .padding = NN_PAD_SAME, .use_bias = TRUE, .depth_multiplier = dm,
                      .activation = NN_ACT_LINEAR };
  return &c;
}

/* nn_model_finish fails with code and every substring, and allocates nothing. */
static void
expect_finish_fails (NnModel *m, int code, const char *what, const char *a, const char *b)
{
  g_autoptr (GError) error = NULL;
  gboolean ok = nn_model_finish (m, &error);
  tap_ok (!ok && g_error_matches (error, NN_ERROR, code) && strstr (error->message, a)
          && (b == NULL || strstr (error->message, b)) && m->params == NULL && m->grads == NULL,
          "%s: %s", what, error ? error->message : "no error");
}

int
main (void)
{
  {
    g_autoptr (NnModel) m = with_input ((NnShape){ 28, 28, 1 });
    nn_model_add_conv2d (m, "wide", 0, conv (1 << 30, 3, 1));
    expect_finish_fails (m, NN_ERROR_SHAPE, "a Conv2D of 2^30 filters", "“wide”",
                         "absurdly large");
  }
  {
    /* 28 x 28 x 2^30 x 2^30 in 64 bits wraps: the check must not. */
    g_autoptr (NnModel) m = with_input ((NnShape){ 28, 28, 1 });
    int l = nn_model_add_conv2d (m, "c", 0, conv (1 << 16, 1, 1));
    nn_model_add_dense (m, "huge", l, &(NnDenseConfig){ 1 << 30, TRUE, NN_ACT_LINEAR });
    expect_finish_fails (m, NN_ERROR_SHAPE, "a Dense of 2^30 units on 2^16 channels", "“huge”",
                         NULL);
  }
  {
    g_autoptr (NnModel) m = with_input ((NnShape){ 28, 28, 64 });
    nn_model_add_separable_conv2d (m, "sep", 0, conv (8, 3, 1 << 30));
    expect_finish_fails (m, NN_ERROR_SHAPE, "a depth multiplier of 2^30 on 64 channels",
                         "“sep”", "depth multiplier");
  }
  {
    g_autoptr (NnModel) m = with_input ((NnShape){ 28, 28, 1 });
    nn_model_add_reshape (m, "shape", 0, (NnShape){ -1, 1 << 20, 1 << 20 });
    expect_finish_fails (m, NN_ERROR_SHAPE, "a Reshape to (-1, 2^20, 2^20)", "“shape”",
                         "cannot reshape");
  }
  {
    g_autoptr (NnModel) m = with_input ((NnShape){ 28, 28, 1 });
    nn_model_add_conv2d (m, "k", 0, conv (4, 29, 1));
    m->layers[1].cfg.conv.padding = NN_PAD_VALID;
    expect_finish_fails (m, NN_ERROR_SHAPE, "a 29x29 'valid' kernel on 28x28", "“k”",
                         "does not fit");
  }
  /* The reader's limits: the weights so far, and one layer's output. */
  {
    g_autoptr (NnModel) m = with_input ((NnShape){ 28, 28, 1 });
    int l = nn_model_add_flatten (m, "flat", 0);
    nn_model_add_dense (m, "dense", l, &(NnDenseConfig){ 65536, TRUE, NN_ACT_LINEAR });
    NnShapeLimits lim = { 32u << 20, 2u << 20 };
    g_autoptr (GError) error = NULL;
    gboolean ok = nn_layers_infer_shapes (m->layers, m->n_layers, &lim, &error);
    tap_ok (!ok && g_error_matches (error, NN_ERROR, NN_ERROR_UNSUPPORTED)
            && strstr (error->message, "“dense”") && strstr (error->message, "refusing")
            && strstr (error->message, "32 million weights"),
            "784 x 65536 weights over a limit of 32 Mi: %s", error ? error->message : "none");
    g_clear_error (&error);
    ok = nn_layers_infer_shapes (m->layers, m->n_layers, NULL, &error);
    tap_ok (ok && m->layers[2].vars[0].size == (size_t) 784 * 65536 && m->params == NULL,
            "without limits the shapes and variable sizes are there, nothing allocated");
  }
  {
    g_autoptr (NnModel) m = with_input ((NnShape){ 28, 28, 1 });
    nn_model_add_conv2d (m, "conv2d", 0, conv (4096, 3, 1));
    NnShapeLimits lim = { 0, 2u << 20 };
    g_autoptr (GError) error = NULL;
    gboolean ok = nn_layers_infer_shapes (m->layers, m->n_layers, &lim, &error);
    tap_ok (!ok && g_error_matches (error, NN_ERROR, NN_ERROR_UNSUPPORTED)
            && strstr (error->message, "“conv2d”")
            && strstr (error->message, "(28 x 28 x 4096) would exceed 2 million values"),
            "a 28 x 28 x 4096 output over 2 Mi values: %s", error ? error->message : "none");
  }
  return tap_done ();
}
