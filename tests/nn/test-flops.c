/* test-flops.c: the FLOP count that benchmarks divide by the measured peak
 * (nn_model_forward_flops) and the FMA loop that measures the peak. */
#include <math.h>
#include "nn-test-util.h"
#include "nn-kernels.h"
#include "nn-zoo.h"

static const NnConvConfig *
conv (int filters, int k, int dm)
{
  static NnConvConfig c;
  c = (NnConvConfig){ .filters = filters, .kh = k, .kw = k, .stride_h = 1, .stride_w = 1,
                      .padding = NN_PAD_VALID, .use_bias = TRUE, .depth_multiplier = dm,
                      .activation = NN_ACT_RELU };
  return &c;
}

/* Every counted kind, with the multiply-adds written out by hand. */
static void
test_counted_kinds (void)
{
  g_autoptr (NnModel) m = nn_model_new ("kinds", NN_MODEL_FUNCTIONAL);
  int l = nn_model_add_input (m, (NnShape){ 10, 10, 2 }, NN_INPUT_IMAGE, "in");
  l = nn_model_add_conv2d (m, "conv", l, conv (4, 3, 1));             /* 8x8x4 */
  l = nn_model_add_depthwise_conv2d (m, "dw", l, conv (8, 3, 2));     /* 6x6x8 */
  l = nn_model_add_separable_conv2d (m, "sep", l, conv (5, 3, 1));    /* 4x4x5 */
  l = nn_model_add_batch_norm (m, "bn", l, &(NnBatchNormConfig){ 0.99f, 1e-3f, TRUE, TRUE });
  l = nn_model_add_flatten (m, "flat", l);
  nn_model_add_dense (m, "dense", l, &(NnDenseConfig){ 10, TRUE, NN_ACT_SOFTMAX });
  g_autoptr (GError) error = NULL;
  tap_ok (nn_model_finish (m, &error), "the model builds: %s", error ? error->message : "ok");
  double macs = 8.0 * 8 * 4 * 9 * 2     /* conv: out pixels x filters x taps x C */
                + 6.0 * 6 * 8 * 9       /* depthwise: out values x taps */
                + 4.0 * 4 * 8 * 9       /* separable, depthwise part */
                + 4.0 * 4 * 8 * 5       /* separable, pointwise part */
                + 80.0 * 10;            /* dense */
  double got = nn_model_forward_flops (m);
  tap_ok (got == 2 * macs, "forward FLOPs %.0f, two per multiply-add of %.0f", got, macs);
}

/* The zoo's models against the PyTorch peer's FLOP table
 * (../shared/bench/README.md: cnn 28.5, advanced 18.2 MFLOP per image). */
static void
test_zoo_matches_peer (void)
{
  struct { const char *arch; double mflop; } peer[] = { { "cnn", 28.5 }, { "advanced", 18.2 } };
  for (guint i = 0; i < G_N_ELEMENTS (peer); i++)
    {
      g_autoptr (NnModel) m = nn_zoo_build (peer[i].arch);
      double mflop = nn_model_forward_flops (m) / 1e6;
      tap_ok (fabs (mflop - peer[i].mflop) < 0.05, "%s: %.2f MFLOP per image, the peer's %.1f",
              peer[i].arch, mflop, peer[i].mflop);
    }
}

/* The loop reports work in proportion to its iterations at each level the CPU
 * has, and its result is finite (no overflow or NaN to slow it down). */
static void
test_fma_loop (void)
{
  for (int level = NN_KERNELS_GENERIC; level <= (int) nn_kernels_level (); level++)
    {
      float a = NAN, b = NAN;
      guint64 one = nn_kernels_fma_loop (level, 1000, &a);
      guint64 two = nn_kernels_fma_loop (level, 2000, &b);
      tap_ok (one > 0 && two == 2 * one && isfinite (a) && isfinite (b),
              "%s: %" G_GUINT64_FORMAT " FLOPs per 1000 rounds, result %g",
              nn_kernels_level_name (level), one, a);
    }
}

int
main (void)
{
  test_counted_kinds ();
  test_zoo_matches_peer ();
  test_fma_loop ();
  return tap_done ();
}
