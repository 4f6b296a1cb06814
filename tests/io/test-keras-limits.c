/* test-keras-limits.c: hostile .keras files, each built here from the shipped CNN,
 * must end in a clear GError, fast, and within a memory bound: every load runs in a
 * forked child under RLIMIT_AS (600 MB), so an allocation the checks failed to stop
 * kills the child instead of passing. Also the workspace's size estimate and limit,
 * and non-finite outputs as errors in prediction and evaluation. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <hdf5.h>
#include <zip.h>
#include <zlib.h>
#include "nn-keras.h"
#include "nn-keras-json.h"
#include "nn-error.h"
#include "nn-evaluate.h"
#include "nn-dataset.h"
#include "../test-models.h"

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define UNDER_SANITIZER 1 /* ASan and TSan reserve terabytes of address space: no RLIMIT_AS */
#else
#define UNDER_SANITIZER 0
#endif

#define MEMORY_BOUND (600u << 20)

static char *tmp_dir;

typedef struct {
  char *meta, *config;
  guint8 *h5;
  gsize meta_len, config_len, h5_len;
} Entries;

static char *
read_zip_entry (zip_t *za, const char *name, gsize *len)
{
  zip_stat_t st;
  g_assert_cmpint (zip_stat (za, name, 0, &st), ==, 0);
  zip_file_t *zf = zip_fopen (za, name, 0);
  g_assert_nonnull (zf);
  char *buf = g_malloc (st.size + 1);
  g_assert_cmpint (zip_fread (zf, buf, st.size), ==, (zip_int64_t) st.size);
  zip_fclose (zf);
  buf[st.size] = '\0';
  *len = st.size;
  return buf;
}

static void
entries_read (Entries *e)
{
  g_autofree char *path = test_shipped_model ("mnist_cnn.keras");
  int err = 0;
  zip_t *za = zip_open (path, ZIP_RDONLY, &err);
  g_assert_nonnull (za);
  e->meta = read_zip_entry (za, "metadata.json", &e->meta_len);
  e->config = read_zip_entry (za, "config.json", &e->config_len);
  e->h5 = (guint8 *) read_zip_entry (za, "model.weights.h5", &e->h5_len);
  zip_discard (za);
}

static void
entries_clear (Entries *e)
{
  g_free (e->meta);
  g_free (e->config);
  g_free (e->h5);
}

/* A .keras of these entries, deflated, so that megabytes of padding cost kilobytes. */
static char *
write_keras (const char *name, const void *meta, gsize meta_len, const void *config,
             gsize config_len, const void *h5, gsize h5_len)
{
  char *path = g_build_filename (tmp_dir, name, NULL);
  int err = 0;
  zip_t *za = zip_open (path, ZIP_CREATE | ZIP_TRUNCATE, &err);
  g_assert_nonnull (za);
  const struct { const char *name; const void *data; gsize len; } parts[] = {
    { "metadata.json", meta, meta_len },
    { "config.json", config, config_len },
    { "model.weights.h5", h5, h5_len },
  };
  for (guint i = 0; i < G_N_ELEMENTS (parts); i++)
    {
      zip_source_t *src = zip_source_buffer (za, parts[i].data, parts[i].len, 0);
      zip_int64_t idx = zip_file_add (za, parts[i].name, src, 0);
      g_assert_cmpint (idx, >=, 0);
      g_assert_cmpint (zip_set_file_compression (za, idx, ZIP_CM_DEFLATE, 1), ==, 0);
    }
  g_assert_cmpint (zip_close (za), ==, 0);
  return path;
}

static double
now (void)
{
  return g_get_monotonic_time () / 1e6;
}

/* Loads path in a child limited to MEMORY_BOUND of address space; the child checks
 * the error's code and text. Returns the child's peak RSS in MB. */
static long
expect_load_error (const char *path, int code, const char *text)
{
  double t0 = now ();
  pid_t pid = fork ();
  g_assert_cmpint (pid, >=, 0);
  if (pid == 0)
    {
      struct rlimit rl = { MEMORY_BOUND, MEMORY_BOUND };
      if (!UNDER_SANITIZER)
        setrlimit (RLIMIT_AS, &rl);
      GError *error = NULL;
      NnModel *m = nn_keras_load (path, &error);
      int rc = m == NULL && error && error->domain == NN_ERROR && error->code == code
               && strstr (error->message, text) ? 0 : 1;
      if (rc)
        g_printerr ("# %s: %s\n", path, error ? error->message : "loaded");
      else
        g_printerr ("# %s\n", error->message);
      _exit (rc);
    }
  int status = 0;
  struct rusage ru;
  g_assert_cmpint (wait4 (pid, &status, 0, &ru), ==, pid);
  double dt = now () - t0;
  g_test_message ("%s: %.2f s, peak RSS %ld MB", path, dt, ru.ru_maxrss / 1024);
  g_assert_true (WIFEXITED (status)); /* no signal, no abort */
  g_assert_cmpint (WEXITSTATUS (status), ==, 0);
  g_assert_cmpfloat (dt, <, 5.0);
  g_assert_cmpint (ru.ru_maxrss / 1024, <, MEMORY_BOUND >> 20);
  return ru.ru_maxrss / 1024;
}

/* The shipped CNN's weights with every 4-byte float type rewritten to claim almost
 * 4 GiB per value: H5Dread used to allocate 4.2 GB for it. */
static void
test_type_size (void)
{
  Entries e;
  entries_read (&e);
  static const guint8 f32le[8] = { 0x11, 0x20, 0x1f, 0x00, 0x04, 0x00, 0x00, 0x00 };
  int patched = 0;
  for (gsize i = 0; i + 8 <= e.h5_len; i++)
    if (memcmp (e.h5 + i, f32le, 8) == 0)
      {
        memcpy (e.h5 + i + 4, "\xf0\xff\xff\xff", 4);
        patched++;
      }
  g_assert_cmpint (patched, >, 0);
  g_autofree char *path = write_keras ("type-size.keras", e.meta, e.meta_len, e.config,
                                       e.config_len, e.h5, e.h5_len);
  expect_load_error (path, NN_ERROR_FORMAT, "does not hold 4-byte IEEE floats");
  entries_clear (&e);
}

/* config.json with the model plus a member of many empty objects: over the value
 * count while under the size cap, then over the size cap. */
static void
test_config_bombs (void)
{
  Entries e;
  entries_read (&e);
  for (int big = 0; big < 2; big++)
    {
      GString *s = g_string_new_len (e.config, (gssize) e.config_len - 1);
      g_string_append (s, ", \"pad\": [");
      int n = big ? 2 * 1000 * 1000 : 250 * 1000; /* 6 MB or 750 KB */
      for (int i = 0; i < n; i++)
        g_string_append (s, "{},");
      g_string_append (s, "{}]}");
      g_autofree char *path = write_keras (big ? "config-large.keras" : "config-values.keras",
                                           e.meta, e.meta_len, s->str, s->len, e.h5, e.h5_len);
      if (big)
        expect_load_error (path, NN_ERROR_FORMAT, "config.json is too large");
      else
        expect_load_error (path, NN_ERROR_UNSUPPORTED, "holds more than 200000 values");
      g_string_free (s, TRUE);
    }
  entries_clear (&e);
}

/* model.weights.h5 padded to 64 MiB: refused from the zip's directory, unread. */
static void
test_weights_padding (void)
{
  Entries e;
  entries_read (&e);
  gsize len = 64u << 20;
  guint8 *padded = g_malloc0 (len);
  memcpy (padded, e.h5, e.h5_len);
  g_autofree char *path = write_keras ("weights-pad.keras", e.meta, e.meta_len, e.config,
                                       e.config_len, padded, len);
  g_free (padded);
  expect_load_error (path, NN_ERROR_FORMAT, "model.weights.h5 is too large");
  entries_clear (&e);
}

/* The dense kernel rewritten as one deflated chunk that inflates to 64 MiB. */
static guint8 *
h5_with_chunk_bomb (const Entries *e, gsize *len)
{
  hid_t fapl = H5Pcreate (H5P_FILE_ACCESS);
  H5Pset_fapl_core (fapl, 1 << 20, 0);
  H5Pset_file_image (fapl, e->h5, e->h5_len);
  hid_t src = H5Fopen ("limits-src.h5", H5F_ACC_RDONLY, fapl);
  g_assert_cmpint (src, >=, 0);
  hid_t dfapl = H5Pcreate (H5P_FILE_ACCESS);
  H5Pset_fapl_core (dfapl, 1 << 20, 0);
  hid_t dst = H5Fcreate ("limits-dst.h5", H5F_ACC_TRUNC, H5P_DEFAULT, dfapl);
  g_assert_cmpint (dst, >=, 0);
  g_assert_cmpint (H5Ocopy (src, "layers", dst, "layers", H5P_DEFAULT, H5P_DEFAULT), >=, 0);
  g_assert_cmpint (H5Ocopy (src, "vars", dst, "vars", H5P_DEFAULT, H5P_DEFAULT), >=, 0);
  g_assert_cmpint (H5Ldelete (dst, "layers/dense/vars/0", H5P_DEFAULT), >=, 0);
  hsize_t dims[2] = { 1600, 128 };
  hid_t space = H5Screate_simple (2, dims, NULL), dcpl = H5Pcreate (H5P_DATASET_CREATE);
  H5Pset_chunk (dcpl, 2, dims);
  H5Pset_deflate (dcpl, 9);
  hid_t ds = H5Dcreate2 (dst, "layers/dense/vars/0", H5T_IEEE_F32LE, space, H5P_DEFAULT, dcpl,
                         H5P_DEFAULT);
  g_assert_cmpint (ds, >=, 0);
  gsize raw = 64u << 20;
  guint8 *zeros = g_malloc0 (raw);
  uLongf zlen = compressBound (raw);
  guint8 *z = g_malloc (zlen);
  g_assert_cmpint (compress2 (z, &zlen, zeros, raw, 9), ==, Z_OK);
  hsize_t offset[2] = { 0, 0 };
  g_assert_cmpint (H5Dwrite_chunk (ds, H5P_DEFAULT, 0, offset, zlen, z), >=, 0);
  g_free (zeros);
  g_free (z);
  H5Dclose (ds);
  H5Pclose (dcpl);
  H5Sclose (space);
  H5Fflush (dst, H5F_SCOPE_GLOBAL);
  ssize_t size = H5Fget_file_image (dst, NULL, 0);
  guint8 *image = g_malloc (size);
  g_assert_cmpint (H5Fget_file_image (dst, image, size), ==, size);
  H5Fclose (dst);
  H5Fclose (src);
  H5Pclose (fapl);
  H5Pclose (dfapl);
  *len = (gsize) size;
  return image;
}

static void
test_chunk_bomb (void)
{
  Entries e;
  entries_read (&e);
  gsize len = 0;
  g_autofree guint8 *h5 = h5_with_chunk_bomb (&e, &len);
  g_autofree char *path = write_keras ("chunk-bomb.keras", e.meta, e.meta_len, e.config,
                                       e.config_len, h5, len);
  expect_load_error (path, NN_ERROR_FORMAT, "is chunked or compact");
  entries_clear (&e);
}

/* Input -> Conv2D 1x1 to 2048 channels (2048 weights) -> many relu Activations ->
 * GlobalAveragePooling2D -> Dense softmax: 6.4 MB of activations per layer per image. */
static NnModel *
wide_model (int n_activations)
{
  NnModel *m = nn_model_new ("wide", NN_MODEL_SEQUENTIAL);
  int prev = nn_model_add_input (m, (NnShape) { 28, 28, 1 }, NN_INPUT_IMAGE, "input_layer");
  NnConvConfig conv = { .filters = 2048, .kh = 1, .kw = 1, .stride_h = 1, .stride_w = 1,
                        .depth_multiplier = 1, .padding = NN_PAD_SAME,
                        .activation = NN_ACT_LINEAR };
  prev = nn_model_add_conv2d (m, "conv2d", prev, &conv);
  for (int i = 0; i < n_activations; i++)
    {
      g_autofree char *name = g_strdup_printf ("activation_%d", i);
      prev = nn_model_add_activation (m, name, prev, NN_ACT_RELU);
    }
  prev = nn_model_add_global_avg_pool (m, "gap", prev);
  NnDenseConfig dense = { .units = 10, .use_bias = TRUE, .activation = NN_ACT_SOFTMAX };
  nn_model_add_dense (m, "dense", prev, &dense);
  g_autoptr (GError) error = NULL;
  g_assert_true (nn_model_finish (m, &error));
  nn_model_init_weights (m, 1);
  return m;
}

static void
test_activation_bomb (void)
{
  g_autoptr (NnModel) m = wide_model (300);
  g_autofree char *path = g_build_filename (tmp_dir, "activations.keras", NULL);
  g_autoptr (GError) error = NULL;
  g_assert_true (nn_keras_save (m, path, NULL, &error));
  expect_load_error (path, NN_ERROR_UNSUPPORTED, "of activations for a single image; the "
                     "limit is 1.0");

  /* The workspace itself: refused with the size, never an abort. */
  guint64 need = nn_workspace_estimate_bytes (m, 1, NN_MODE_INFERENCE);
  g_assert_cmpuint (need, >, (guint64) 300 * 28 * 28 * 2048 * 4);
  g_assert_cmpuint (nn_workspace_estimate_bytes (m, 64, NN_MODE_INFERENCE), >, 60 * need);
  g_assert_null (nn_workspace_new_checked (m, 64, NN_MODE_TRAINING, &error));
  g_assert_error (error, NN_ERROR, NN_ERROR_UNSUPPORTED);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, "for training on a batch of 64; the limit is"));
  g_clear_error (&error);
  g_assert_null (nn_workspace_new_up_to (m, 64, NN_MODE_INFERENCE, &error));
  g_assert_error (error, NN_ERROR, NN_ERROR_UNSUPPORTED);
  g_assert_nonnull (strstr (error->message, "batch of 1;"));
  g_clear_error (&error);

  /* Evaluation halves its batch to fit: 256 images of a smaller one would not. */
  g_autoptr (NnModel) small = wide_model (3);
  g_assert_cmpuint (nn_workspace_estimate_bytes (small, 256, NN_MODE_INFERENCE), >,
                    NN_WORKSPACE_MAX_BYTES);
  g_assert_cmpuint (nn_workspace_estimate_bytes (small, 8, NN_MODE_INFERENCE), <,
                    NN_WORKSPACE_MAX_BYTES);
}

/* The shipped models fit at the batches the app, evaluation and training use. */
static void
test_shipped_fit (void)
{
  const char *names[] = { "mnist_baseline.keras", "mnist_cnn.keras", "mnist_advanced.keras" };
  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autofree char *path = test_shipped_model (names[i]);
      g_autoptr (GError) error = NULL;
      g_autoptr (NnModel) m = nn_keras_load (path, &error);
      g_assert_no_error (error);
      nn_model_set_threads (m, 2);
      guint64 inf = nn_workspace_estimate_bytes (m, 256, NN_MODE_INFERENCE);
      guint64 train = nn_workspace_estimate_bytes (m, 128, NN_MODE_TRAINING);
      g_test_message ("%s: %.1f MB for inference on 256, %.1f MB for training on 128",
                      names[i], inf / 1e6, train / 1e6);
      g_assert_cmpuint (train, <, NN_WORKSPACE_MAX_BYTES / 2);
      NnWorkspace *ws = nn_workspace_new_checked (m, 128, NN_MODE_TRAINING, &error);
      g_assert_no_error (error);
      nn_workspace_free (ws);
    }
}

/* Finite weights of 3e38 overflow to NaN: prediction and evaluation say so. */
static void
test_non_finite_outputs (void)
{
  g_autofree char *path = test_shipped_model ("mnist_cnn.keras");
  g_autoptr (GError) error = NULL;
  g_autoptr (NnModel) m = nn_keras_load (path, &error);
  g_assert_no_error (error);
  for (int i = 0; i < m->n_layers; i++)
    for (int v = 0; v < m->layers[i].n_vars; v++)
      if (strcmp (m->layers[i].vars[v].role, "kernel") == 0)
        for (size_t k = 0; k < m->layers[i].vars[v].size; k++)
          nn_model_var_data (m, &m->layers[i].vars[v])[k] = 3e38f;
  g_assert_true (nn_model_check_finite (m, NULL));

  g_autoptr (NnDataset) ds = nn_dataset_new (3);
  for (int i = 0; i < 3 * NN_IMAGE_PIXELS; i++)
    ds->images[i] = (guint8) (i % 251);
  float x[3 * NN_IMAGE_PIXELS], probs[3 * 10];
  nn_dataset_get_batch (ds, 0, 3, x);
  NnWorkspace *ws = nn_workspace_new_checked (m, 3, NN_MODE_INFERENCE, &error);
  g_assert_no_error (error);
  g_assert_false (nn_model_predict_checked (m, ws, x, 3, probs, &error));
  g_assert_error (error, NN_ERROR, NN_ERROR_NUMERIC);
  g_assert_nonnull (strstr (error->message, "non-finite outputs"));
  g_clear_error (&error);
  nn_workspace_free (ws);

  NnEvalResult *r = NULL;
  g_assert_false (nn_evaluate (m, ds, NULL, NULL, NULL, &r, &error));
  g_assert_null (r);
  g_assert_error (error, NN_ERROR, NN_ERROR_NUMERIC);
  g_clear_error (&error);

  /* The shipped model itself stays finite and checked. */
  g_autoptr (NnModel) good = nn_keras_load (path, &error);
  g_assert_no_error (error);
  ws = nn_workspace_new_checked (good, 3, NN_MODE_INFERENCE, &error);
  g_assert_true (nn_model_predict_checked (good, ws, x, 3, probs, &error));
  g_assert_no_error (error);
  nn_workspace_free (ws);
}

/* Real models pass the JSON scan; the scan counts what it should. */
static void
test_json_scan (void)
{
  /* the object, the array, 1, 2 and "x": five values; brackets in strings do not count */
  const char *five = "{\"a\": [1, 2], \"s\": \"x,[{\"}";
  g_assert_cmpint (nn_json_scan (five, strlen (five), 8, 5), ==, NN_JSON_OK);
  g_assert_cmpint (nn_json_scan (five, strlen (five), 8, 4), ==, NN_JSON_TOO_MANY);
  g_assert_cmpint (nn_json_scan (five, strlen (five), 1, 100), ==, NN_JSON_TOO_DEEP);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  tmp_dir = g_dir_make_tmp ("digits-limits-XXXXXX", NULL);
  g_assert_nonnull (tmp_dir);
  H5Eset_auto2 (H5E_DEFAULT, NULL, NULL);
  g_test_add_func ("/keras-limits/type-size", test_type_size);
  g_test_add_func ("/keras-limits/config", test_config_bombs);
  g_test_add_func ("/keras-limits/weights-padding", test_weights_padding);
  g_test_add_func ("/keras-limits/chunk-bomb", test_chunk_bomb);
  g_test_add_func ("/keras-limits/activations", test_activation_bomb);
  g_test_add_func ("/keras-limits/shipped-models-fit", test_shipped_fit);
  g_test_add_func ("/keras-limits/non-finite-outputs", test_non_finite_outputs);
  g_test_add_func ("/keras-limits/json-scan", test_json_scan);
  int rc = g_test_run ();
  g_autofree char *cmd = g_strdup_printf ("rm -rf '%s'", tmp_dir);
  if (system (cmd) != 0)
    rc = rc ? rc : 1;
  g_free (tmp_dir);
  return rc;
}
