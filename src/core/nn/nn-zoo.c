/* nn-zoo.c: the project's architectures (see nn-zoo.h). */
#include <string.h>
#include "nn-zoo.h"

static NnModel *
finish (NnModel *m)
{
  g_autoptr (GError) error = NULL;
  if (!nn_model_finish (m, &error))
    g_error ("nn-zoo: %s", error->message); /* a programming error, not a user's */
  nn_model_init_weights (m, 0);
  return m;
}

/* Keras's auto-naming: the first layer of a class gets its snake_case name, the
 * next ones "_1", "_2" and so on. */
static const char *
auto_name (GHashTable *seen, const char *base, char buf[64])
{
  int k = GPOINTER_TO_INT (g_hash_table_lookup (seen, base));
  g_hash_table_insert (seen, (gpointer) base, GINT_TO_POINTER (k + 1));
  if (k == 0)
    g_strlcpy (buf, base, 64);
  else
    g_snprintf (buf, 64, "%s_%d", base, k);
  return buf;
}

NnModel *
nn_zoo_logreg (void)
{
  NnModel *m = nn_model_new ("sequential", NN_MODEL_SEQUENTIAL);
  int l = nn_model_add_input (m, (NnShape){ 28, 28, 1 }, NN_INPUT_IMAGE, "input_layer");
  l = nn_model_add_flatten (m, "flatten", l);
  nn_model_add_dense (m, "dense", l, &(NnDenseConfig){ 10, TRUE, NN_ACT_SOFTMAX });
  return finish (m);
}

NnModel *
nn_zoo_cnn (void)
{
  NnModel *m = nn_model_new ("sequential", NN_MODEL_SEQUENTIAL);
  g_autoptr (GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  char buf[64];
  int l = nn_model_add_input (m, (NnShape){ 28, 28, 1 }, NN_INPUT_IMAGE, "input_layer");
  for (int block = 0; block < 2; block++)
    {
      int f = block == 0 ? 32 : 64;
      NnConvConfig same = { f, 1, 3, 3, 1, 1, NN_PAD_SAME, TRUE, NN_ACT_RELU };
      NnConvConfig valid = same;
      valid.padding = NN_PAD_VALID;
      l = nn_model_add_conv2d (m, auto_name (seen, "conv2d", buf), l, &same);
      l = nn_model_add_conv2d (m, auto_name (seen, "conv2d", buf), l, &valid);
      l = nn_model_add_max_pool (m, auto_name (seen, "max_pooling2d", buf), l,
                                 &(NnPoolConfig){ 2, 2, 2, 2, NN_PAD_VALID });
      l = nn_model_add_dropout (m, auto_name (seen, "dropout", buf), l, 0.25f);
    }
  l = nn_model_add_flatten (m, auto_name (seen, "flatten", buf), l);
  l = nn_model_add_dense (m, auto_name (seen, "dense", buf), l,
                          &(NnDenseConfig){ 128, TRUE, NN_ACT_RELU });
  l = nn_model_add_dropout (m, auto_name (seen, "dropout", buf), l, 0.5f);
  nn_model_add_dense (m, auto_name (seen, "dense", buf), l,
                      &(NnDenseConfig){ 10, TRUE, NN_ACT_SOFTMAX });
  return finish (m);
}

NnModel *
nn_zoo_advanced (void)
{
  NnModel *m = nn_model_new ("functional", NN_MODEL_FUNCTIONAL);
  g_autoptr (GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  char buf[64];
  static const int filters[3] = { 32, 64, 96 };
  static const float rates[3] = { 0.2f, 0.3f, 0.4f };
  const NnBatchNormConfig bn = { 0.99f, 0.001f, TRUE, TRUE };
  int l = nn_model_add_input (m, (NnShape){ 28, 28, 1 }, NN_INPUT_IMAGE, "input_layer");
  for (int b = 0; b < 3; b++)
    {
      int f = filters[b];
      l = nn_model_add_conv2d (m, auto_name (seen, "conv2d", buf), l,
                               &(NnConvConfig){ f, 1, 3, 3, 1, 1, NN_PAD_SAME, FALSE, NN_ACT_LINEAR });
      l = nn_model_add_batch_norm (m, auto_name (seen, "batch_normalization", buf), l, &bn);
      l = nn_model_add_activation (m, auto_name (seen, "activation", buf), l, NN_ACT_RELU);
      l = nn_model_add_depthwise_conv2d (m, auto_name (seen, "depthwise_conv2d", buf), l,
                                         &(NnConvConfig){ 0, 1, 3, 3, 1, 1, NN_PAD_SAME, FALSE,
                                                          NN_ACT_LINEAR });
      l = nn_model_add_conv2d (m, auto_name (seen, "conv2d", buf), l,
                               &(NnConvConfig){ f, 1, 1, 1, 1, 1, NN_PAD_VALID, FALSE, NN_ACT_LINEAR });
      l = nn_model_add_batch_norm (m, auto_name (seen, "batch_normalization", buf), l, &bn);
      l = nn_model_add_activation (m, auto_name (seen, "activation", buf), l, NN_ACT_RELU);
      l = nn_model_add_max_pool (m, auto_name (seen, "max_pooling2d", buf), l,
                                 &(NnPoolConfig){ 2, 2, 2, 2, NN_PAD_VALID });
      l = nn_model_add_dropout (m, auto_name (seen, "dropout", buf), l, rates[b]);
    }
  l = nn_model_add_flatten (m, auto_name (seen, "flatten", buf), l);
  l = nn_model_add_dense (m, auto_name (seen, "dense", buf), l,
                          &(NnDenseConfig){ 128, TRUE, NN_ACT_RELU });
  l = nn_model_add_dropout (m, auto_name (seen, "dropout", buf), l, 0.5f);
  nn_model_add_dense (m, auto_name (seen, "dense", buf), l,
                      &(NnDenseConfig){ 10, TRUE, NN_ACT_SOFTMAX });
  return finish (m);
}

/* Four [Conv2D, BN, relu] with the given filters (a 5 x 5 window striding by 2,
 * then 3 x 3), max pooling after the second and the fourth, Flatten, Dropout .1,
 * Dense softmax. */
static NnModel *
quick_layers (const int filters[4], int classes)
{
  NnModel *m = nn_model_new ("sequential", NN_MODEL_SEQUENTIAL);
  g_autoptr (GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  char buf[64];
  /* kernel, stride, max pooling after it */
  static const int convs[4][3] = { { 5, 2, 0 }, { 3, 1, 1 }, { 3, 1, 0 }, { 3, 1, 1 } };
  const NnBatchNormConfig bn = { 0.9f, 0.001f, TRUE, TRUE };
  int l = nn_model_add_input (m, (NnShape){ 28, 28, 1 }, NN_INPUT_IMAGE, "input_layer");
  for (int i = 0; i < 4; i++)
    {
      const int *c = convs[i];
      l = nn_model_add_conv2d (m, auto_name (seen, "conv2d", buf), l,
                               &(NnConvConfig){ filters[i], 1, c[0], c[0], c[1], c[1], NN_PAD_SAME,
                                                FALSE, NN_ACT_LINEAR });
      l = nn_model_add_batch_norm (m, auto_name (seen, "batch_normalization", buf), l, &bn);
      l = nn_model_add_activation (m, auto_name (seen, "activation", buf), l, NN_ACT_RELU);
      if (c[2])
        l = nn_model_add_max_pool (m, auto_name (seen, "max_pooling2d", buf), l,
                                   &(NnPoolConfig){ 2, 2, 2, 2, NN_PAD_VALID });
    }
  l = nn_model_add_flatten (m, auto_name (seen, "flatten", buf), l);
  l = nn_model_add_dropout (m, auto_name (seen, "dropout", buf), l, 0.1f);
  nn_model_add_dense (m, auto_name (seen, "dense", buf), l,
                      &(NnDenseConfig){ classes, TRUE, NN_ACT_SOFTMAX });
  return finish (m);
}

/* Most of a training step's time goes to the passes over the feature maps (BN
 * sums and applies, ReLU, pooling, the first convolution, whose one input channel
 * leaves it out of Winograd), not to the Winograd 3x3 convolutions:
 * a map at full 28 x 28 resolution costs the most. So the first convolution
 * strides by 2 (a 5 x 5 window, to still see every pixel), and the depth goes
 * where maps are small. Measured on the 54,000 training images, 5 epochs of the
 * quick recipe, one thread on a loaded machine (CPU time per image, test accuracy
 * of seed 1): 3 x [conv 32/64/128, pool] 730 us, 99.53%; 16/48/96 370 us,
 * 99.50%; 16, 32+32, 64+64 480 us, 99.55%; 32, 32+32, 64+64 360 us, 99.60% (seed 2
 * 99.45%). The last two are 80 wide, not 64: with AdamW's weight decay, seeds 1
 * to 6 (one thread each) went from 99.44-99.54% (mean 99.49%) to 99.50-99.64%
 * (mean 99.56%) for 1.16 times the cost of a step (models/README.md). */
NnModel *
nn_zoo_quick (void)
{
  return quick_layers ((const int[]){ 32, 32, 80, 80 }, 10);
}

/* The quick network's filters: at half of them (16, 16, 40, 40), read-bench's
 * touching numbers read 79.3% at seed 1, against 80.9% so (models/README.md). */
NnModel *
nn_zoo_pieces (void)
{
  return quick_layers ((const int[]){ 32, 32, 80, 80 }, 11);
}

NnModel *
nn_zoo_build (const char *name)
{
  g_return_val_if_fail (name != NULL, NULL);
  if (strcmp (name, "logreg") == 0 || strcmp (name, "baseline") == 0)
    return nn_zoo_logreg ();
  if (strcmp (name, "cnn") == 0)
    return nn_zoo_cnn ();
  if (strcmp (name, "advanced") == 0)
    return nn_zoo_advanced ();
  if (strcmp (name, "quick") == 0)
    return nn_zoo_quick ();
  return NULL;
}
