/* fuzz-idx.c: an IDX image file and label file, plain or gzipped.
 *
 * Input layout: flags (1 byte), the images file's length (4 bytes, little-endian),
 * the images file, then the labels file. Flag bit 0 gzips the images file and bit 1
 * the labels file here, so the fuzzer mutates the IDX data behind gzip too; an
 * input may also be gzip already (the seeds include one). */
#include "fuzz-util.h"
#include "nn-dataset.h"

#include <zlib.h>

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  return 0;
}

static guint8 *
gzip (const guint8 *data, size_t len, size_t *out_len)
{
  z_stream z = { 0 };
  g_assert (deflateInit2 (&z, 1, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) == Z_OK);
  uLong cap = deflateBound (&z, (uLong) len);
  guint8 *out = g_malloc (cap);
  z.next_in = (Bytef *) data;
  z.avail_in = (uInt) len;
  z.next_out = out;
  z.avail_out = (uInt) cap;
  g_assert (deflate (&z, Z_FINISH) == Z_STREAM_END);
  *out_len = z.total_out;
  deflateEnd (&z);
  return out;
}

static const char *
file_of (int slot, gboolean compress, const guint8 *data, size_t len)
{
  if (!compress)
    return fuzz_memfd_path (slot, data, len);
  size_t gz_len = 0;
  g_autofree guint8 *gz = gzip (data, len, &gz_len);
  return fuzz_memfd_path (slot, gz, gz_len);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  if (size < 5)
    return 0;
  guint flags = data[0];
  size_t images_len = data[1] | (data[2] << 8) | (data[3] << 16) | ((size_t) data[4] << 24);
  data += 5, size -= 5;
  images_len = MIN (images_len, size);
  const char *images = file_of (0, flags & 1, data, images_len);
  const char *labels = file_of (1, flags & 2, data + images_len, size - images_len);
  GError *error = NULL;
  NnDataset *ds = nn_idx_load (images, labels, &error);
  g_assert ((ds == NULL) != (error == NULL));
  fuzz_report ("idx", error);
  if (ds)
    {
      /* Touch the first and last image and every label. */
      float batch[NN_IMAGE_PIXELS];
      g_assert (ds->n > 0);
      nn_dataset_get_batch (ds, 0, 1, batch);
      nn_dataset_get_batch (ds, ds->n - 1, 1, batch);
      for (int i = 0; i < ds->n; i++)
        g_assert (ds->labels[i] <= 9);
      nn_dataset_free (ds);
    }
  g_clear_error (&error);
  return 0;
}
