/* test-keras-isolated.c: .keras files read in digits-model-reader. The models that come
 * back are the in-process loader's, bit for bit; a reader that crashes, hangs, runs
 * out of memory or sends a bad reply (reader-stub) is an error, and this process
 * carries on; the real reader runs under its limits and seccomp filter. */
#include <math.h>
#include <string.h>
#include <glib.h>
#include <glib/gstdio.h>
#include "nn-keras.h"
#include "nn-keras-isolated.h"
#include "nn-keras-config-write.h"
#include "nn-error.h"
#include "../test-models.h"

static char *tmp_dir;

/* Both loaders on one file must give the same model: same config text written
 * back, same metadata, same parameters and the same probabilities, bit for bit. */
static void
assert_same_load (const char *path)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (NnKerasInfo) ia = NULL, ib = NULL;
  g_autoptr (NnModel) a = nn_keras_load_with_info (path, &ia, &error);
  g_assert_no_error (error);
  g_autoptr (NnModel) b = nn_keras_load_isolated_with_info (path, &ib, &error);
  g_assert_no_error (error);
  g_assert_nonnull (b);
  g_assert_nonnull (ia);
  g_assert_nonnull (ib);

  g_autofree char *ca = nn_keras_config_write (a, &(NnKerasSaveOptions){ .info = ia }, &error);
  g_autofree char *cb = nn_keras_config_write (b, &(NnKerasSaveOptions){ .info = ib }, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (ca, ==, cb);
  g_assert_cmpint (a->style, ==, b->style);
  g_assert_cmpint (a->input_layout, ==, b->input_layout);
  g_assert_cmpint (a->output_softmax, ==, b->output_softmax);
  g_assert_cmpstr (ia->keras_version, ==, ib->keras_version);
  g_assert_cmpstr (ia->date_saved, ==, ib->date_saved);
  g_assert_cmpstr (ia->compile_config_json, ==, ib->compile_config_json);
  g_assert_cmpuint (a->metadata ? g_hash_table_size (a->metadata) : 0, ==,
                    b->metadata ? g_hash_table_size (b->metadata) : 0);
  if (a->metadata)
    {
      GHashTableIter it;
      gpointer k, v;
      g_hash_table_iter_init (&it, a->metadata);
      while (g_hash_table_iter_next (&it, &k, &v))
        g_assert_cmpstr (v, ==, g_hash_table_lookup (b->metadata, k));
    }
  g_assert_cmpuint (a->n_params, ==, b->n_params);
  g_assert_cmpmem (a->params, a->n_params * sizeof (float), b->params,
                   b->n_params * sizeof (float));

  enum { N = 8 };
  g_autofree float *x = g_new (float, N * 784);
  g_autofree float *pa = g_new (float, N * a->n_classes);
  g_autofree float *pb = g_new (float, N * b->n_classes);
  GRand *rand = g_rand_new_with_seed (7);
  for (int i = 0; i < N * 784; i++)
    x[i] = (float) g_rand_double (rand);
  g_rand_free (rand);
  NnWorkspace *wa = nn_workspace_new (a, N, NN_MODE_INFERENCE);
  NnWorkspace *wb = nn_workspace_new (b, N, NN_MODE_INFERENCE);
  nn_model_predict (a, wa, x, N, pa);
  nn_model_predict (b, wb, x, N, pb);
  g_assert_cmpmem (pa, N * a->n_classes * sizeof (float), pb, N * b->n_classes * sizeof (float));
  nn_workspace_free (wa);
  nn_workspace_free (wb);
}

static void
test_shipped (void)
{
  static const char *const names[] = { "mnist_baseline.keras", "mnist_cnn.keras",
                                       "mnist_advanced.keras" };
  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autofree char *path = test_shipped_model (names[i]);
      assert_same_load (path);
    }
}

/* A branching Functional graph with a frozen layer, metadata and a compile config:
 * the parts of a model that a Sequential chain does not exercise. */
static void
test_functional (void)
{
  g_autoptr (NnModel) m = nn_model_new ("functional_3", NN_MODEL_FUNCTIONAL);
  int x = nn_model_add_input (m, (NnShape){ 28, 28, 1 }, NN_INPUT_MATRIX, "input_layer");
  x = nn_model_add_reshape (m, "reshape", x, (NnShape){ 28, 28, 1 });
  NnConvConfig c = { .filters = 3, .kh = 3, .kw = 3, .stride_h = 1, .stride_w = 1,
                     .padding = NN_PAD_SAME, .use_bias = TRUE, .activation = NN_ACT_RELU };
  int a = nn_model_add_conv2d (m, "conv_a", x, &c);
  int b = nn_model_add_conv2d (m, "conv_b", x, &c);
  int bn = nn_model_add_batch_norm (m, "bn", b, &(NnBatchNormConfig){ 0.99f, 1e-3f, TRUE, TRUE });
  int cat = nn_model_add_concatenate (m, "concatenate", (int[]){ bn, a }, 2);
  int p = nn_model_add_global_avg_pool (m, "pool", cat);
  nn_model_add_dense (m, "logits", p, &(NnDenseConfig){ 10, TRUE, NN_ACT_SOFTMAX });
  m->layers[a].trainable = FALSE;
  g_autoptr (GError) error = NULL;
  g_assert_true (nn_model_finish (m, &error));
  nn_model_init_weights (m, 3);
  m->metadata = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_hash_table_insert (m->metadata, g_strdup ("test_accuracy"), g_strdup ("0.25"));
  g_hash_table_insert (m->metadata, g_strdup ("note"), g_strdup ("caf\xc3\xa9 \"quoted\""));
  NnKerasSaveOptions o = { .loss_json = "\"sparse_categorical_crossentropy\"" };
  g_autofree char *path = g_build_filename (tmp_dir, "functional.keras", NULL);
  g_assert_true (nn_keras_save (m, path, &o, &error));
  g_assert_no_error (error);
  assert_same_load (path);
}

/* The reader's own errors come through as they are; the parent's come first. */
static void
test_reader_errors (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *text = g_build_filename (tmp_dir, "not-a-zip.keras", NULL);
  g_assert_true (g_file_set_contents (text, "hello", -1, NULL));
  g_assert_null (nn_keras_load_isolated (text, &error));
  g_assert_error (error, NN_ERROR, NN_ERROR_FORMAT);
  g_assert_nonnull (strstr (error->message, "not-a-zip.keras: not a readable .keras file"));
  g_clear_error (&error);

  g_autofree char *missing = g_build_filename (tmp_dir, "missing.keras", NULL);
  g_assert_null (nn_keras_load_isolated (missing, &error));
  g_assert_error (error, NN_ERROR, NN_ERROR_IO);
  g_assert_nonnull (strstr (error->message, "missing.keras: cannot open"));
  g_clear_error (&error);

  g_assert_null (nn_keras_load_isolated (tmp_dir, &error));
  g_assert_error (error, NN_ERROR, NN_ERROR_IO);
  g_assert_nonnull (strstr (error->message, "not a regular file"));
  g_clear_error (&error);

  /* A missing reader is an error, never a quiet fallback to reading in-process. */
  g_autofree char *cnn = test_shipped_model ("mnist_cnn.keras");
  const char *argv[] = { "/nonexistent/digits-model-reader", NULL };
  g_assert_null (nn_keras_load_with_reader (argv, cnn, 2000, NULL, &error));
  g_assert_error (error, NN_ERROR, NN_ERROR_IO);
  g_assert_nonnull (strstr (error->message, "cannot start the model reader"));
}

/* Each misbehaving reader and the end of the message it must produce. */
static void
test_bad_readers (void)
{
  static const struct { const char *mode, *expect; } cases[] = {
    { "crash", "the file could not be read safely: the reader crashed (signal 11)" },
    { "cpu", "the file could not be read safely: the reader took too long" },
    { "hang", "the file could not be read safely: the reader took too long" },
    { "nomem", "the file could not be read safely: the reader needed too much memory" },
    { "oversize", "the reader's reply is not valid: it announced configuration bytes: 4294967280" },
    { "garbage", "the reader's reply is not valid: it does not speak this program's protocol" },
    { "trailing", "the reader's reply is not valid: it sent more than the model" },
    { "silent", "the reader stopped (exit status 0) without an answer" },
  };
  g_autofree char *cnn = test_shipped_model ("mnist_cnn.keras");
  const char *stub = g_getenv ("DIGITS_READER_STUB");
  g_assert_nonnull (stub);
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (GError) error = NULL;
      const char *argv[] = { stub, cases[i].mode, NULL };
      /* a short deadline for the reader that hangs; the others answer (the
       * trailing one loads the whole model first), and a loaded machine or a
       * sanitizer build must not turn their answers into timeouts */
      gboolean hang = strcmp (cases[i].mode, "hang") == 0;
      gint64 t0 = g_get_monotonic_time ();
      NnModel *m = nn_keras_load_with_reader (argv, cnn, hang ? 300 : 30000, NULL, &error);
      double seconds = (g_get_monotonic_time () - t0) / 1e6;
      g_test_message ("%s: %.3f s: %s", cases[i].mode, seconds, error ? error->message : "");
      g_assert_null (m);
      g_assert_error (error, NN_ERROR, NN_ERROR_FORMAT);
      g_assert_true (g_str_has_prefix (error->message, "mnist_cnn.keras: ")
                     || strstr (error->message, "/mnist_cnn.keras: ") != NULL);
      g_assert_nonnull (strstr (error->message, cases[i].expect));
      if (hang)
        g_assert_cmpfloat (seconds, <, 10.0); /* the 300 ms deadline, not the default 15 s */
    }
}

/* The reader this build runs, under the limits and the filter it claims. */
static void
test_sandbox (void)
{
  const char *reader = nn_keras_reader_path ();
  g_assert_true (g_file_test (reader, G_FILE_TEST_IS_EXECUTABLE));
  const char *argv[] = { reader, "--check-sandbox", NULL };
  g_autofree char *out = NULL;
  int status;
  g_autoptr (GError) error = NULL;
  g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, &out,
                               NULL, &status, &error));
  g_assert_no_error (error);
  g_test_message ("%s", out);
  g_assert_nonnull (strstr (out, "cpu: 10 s\n"));
  g_assert_nonnull (strstr (out, "files: 16\n"));
  if (strstr (out, "seccomp: off"))
    {
      g_test_skip ("this build of the reader has no seccomp filter (no libseccomp)");
      return;
    }
  g_assert_nonnull (strstr (out, "open: Permission denied\n"));
  g_assert_nonnull (strstr (out, "socket: Permission denied\n"));
  g_assert_true (g_spawn_check_wait_status (status, NULL));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  tmp_dir = g_dir_make_tmp ("digits-isolated-XXXXXX", NULL);
  g_test_add_func ("/keras-isolated/shipped", test_shipped);
  g_test_add_func ("/keras-isolated/functional", test_functional);
  g_test_add_func ("/keras-isolated/reader-errors", test_reader_errors);
  g_test_add_func ("/keras-isolated/bad-readers", test_bad_readers);
  g_test_add_func ("/keras-isolated/sandbox", test_sandbox);
  int status = g_test_run ();
  g_autofree char *f1 = g_build_filename (tmp_dir, "functional.keras", NULL);
  g_autofree char *f2 = g_build_filename (tmp_dir, "not-a-zip.keras", NULL);
  g_unlink (f1);
  g_unlink (f2);
  g_rmdir (tmp_dir);
  g_free (tmp_dir);
  return status;
}
