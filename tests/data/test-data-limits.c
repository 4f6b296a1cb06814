/* test-data-limits.c: data files built to cost time or memory: a progressive JPEG
 * of 2,000 scans (each one legal to libjpeg), and gzipped IDX pairs that declare
 * more images than a set may hold or than their gzip data holds. Each must be a
 * clear error, fast. */
#include <stdio.h>
#include <string.h>
#include <glib.h>
#include <jpeglib.h>
#include <zlib.h>
#include "nn-image.h"
#include "nn-dataset.h"
#include "nn-error.h"
#include "test-data-util.h"

static char *tmp;

/* A grey progressive JPEG with the scan script DC (0..0), AC (1..63), both at full
 * precision, in memory. */
static guint8 *
progressive_jpeg (int side, gsize *len)
{
  struct jpeg_compress_struct c;
  struct jpeg_error_mgr jerr;
  unsigned char *out = NULL;
  unsigned long out_len = 0;
  c.err = jpeg_std_error (&jerr);
  jpeg_create_compress (&c);
  jpeg_mem_dest (&c, &out, &out_len);
  c.image_width = c.image_height = side;
  c.input_components = 1;
  c.in_color_space = JCS_GRAYSCALE;
  jpeg_set_defaults (&c);
  static jpeg_scan_info script[2] = {
    { 1, { 0 }, 0, 0, 0, 0 },
    { 1, { 0 }, 1, 63, 0, 0 },
  };
  c.scan_info = script;
  c.num_scans = 2;
  jpeg_start_compress (&c, TRUE);
  guint8 *row = g_malloc (side);
  while (c.next_scanline < c.image_height)
    {
      for (int x = 0; x < side; x++)
        row[x] = (guint8) ((x * 7 + c.next_scanline * 3) & 0xff);
      JSAMPROW rp = row;
      jpeg_write_scanlines (&c, &rp, 1);
    }
  jpeg_finish_compress (&c);
  jpeg_destroy_compress (&c);
  g_free (row);
  guint8 *copy = g_memdup2 (out, out_len);
  free (out);
  *len = out_len;
  return copy;
}

/* The same file with its AC scan (SOS marker to the EOI) repeated: libjpeg accepts
 * a full-precision scan again without a warning and decodes every one. */
static char *
write_scan_bomb (const char *name, int side, int repeats)
{
  gsize len;
  g_autofree guint8 *jpg = progressive_jpeg (side, &len);
  gsize last_sos = 0;
  for (gsize i = 0; i + 1 < len; i++)
    if (jpg[i] == 0xff && jpg[i + 1] == 0xda)
      last_sos = i;
  g_assert_cmpuint (last_sos, >, 0);
  g_assert_true (jpg[len - 2] == 0xff && jpg[len - 1] == 0xd9);
  GByteArray *b = g_byte_array_new ();
  g_byte_array_append (b, jpg, (guint) (len - 2));
  for (int r = 1; r < repeats; r++)
    g_byte_array_append (b, jpg + last_sos, (guint) (len - 2 - last_sos));
  g_byte_array_append (b, jpg + len - 2, 2);
  char *path = g_build_filename (tmp, name, NULL);
  g_assert_true (g_file_set_contents (path, (char *) b->data, b->len, NULL));
  g_byte_array_unref (b);
  return path;
}

static void
test_jpeg_scans (void)
{
  /* A few repeated scans decode: the bomb below fails for its count alone. */
  g_autofree char *ok_path = write_scan_bomb ("few-scans.jpg", 64, 10);
  g_autoptr (GError) error = NULL;
  NnGreyImage *img = nn_grey_image_load (ok_path, &error);
  g_assert_no_error (error);
  g_assert_cmpint (img->width, ==, 64);
  nn_grey_image_free (img);

  g_autofree char *path = write_scan_bomb ("many-scans.jpg", 512, 2000);
  gint64 t0 = g_get_monotonic_time ();
  img = nn_grey_image_load (path, &error);
  double dt = (g_get_monotonic_time () - t0) / 1e6;
  g_assert_null (img);
  g_assert_error (error, NN_ERROR, NN_ERROR_FORMAT);
  g_test_message ("%s (%.3f s)", error->message, dt);
  g_assert_nonnull (strstr (error->message, "more than 100 progressive scans"));
  g_assert_cmpfloat (dt, <, 1.0);
}

static char *
write_gz (const char *name, const void *data, gsize len)
{
  char *path = g_build_filename (tmp, name, NULL);
  gzFile gz = gzopen (path, "wb9");
  g_assert_nonnull (gz);
  g_assert_cmpint (gzwrite (gz, data, (unsigned) len), ==, (int) len);
  g_assert_cmpint (gzclose (gz), ==, Z_OK);
  return path;
}

static void
put_be32 (guint8 *p, guint32 v)
{
  p[0] = v >> 24, p[1] = v >> 16, p[2] = v >> 8, p[3] = v;
}

/* IDX pairs holding n blank images (n labels), whose headers declare declared. */
static void
write_idx_pair (guint32 n, guint32 declared, char **images, char **labels)
{
  gsize ilen = 16 + (gsize) n * NN_IMAGE_PIXELS, llen = 8 + n;
  guint8 *img = g_malloc0 (ilen), *lab = g_malloc0 (llen);
  guint32 r = 1;
  for (gsize i = 16; i < ilen; i++) /* noise, so that gzip cannot shrink it 1000:1 */
    img[i] = (guint8) ((r = r * 1664525u + 1013904223u) >> 24);
  put_be32 (img, 0x803), put_be32 (img + 4, declared);
  put_be32 (img + 8, 28), put_be32 (img + 12, 28);
  put_be32 (lab, 0x801), put_be32 (lab + 4, declared);
  g_autofree char *iname = g_strdup_printf ("images-%u-%u.gz", n, declared);
  g_autofree char *lname = g_strdup_printf ("labels-%u-%u.gz", n, declared);
  *images = write_gz (iname, img, ilen);
  *labels = write_gz (lname, lab, llen);
  g_free (img);
  g_free (lab);
}

static void
expect_idx_error (guint32 n, guint32 declared, const char *text)
{
  g_autofree char *images = NULL, *labels = NULL;
  write_idx_pair (n, declared, &images, &labels);
  g_autoptr (GError) error = NULL;
  gint64 t0 = g_get_monotonic_time ();
  NnDataset *ds = nn_idx_load (images, labels, &error);
  double dt = (g_get_monotonic_time () - t0) / 1e6;
  g_assert_null (ds);
  g_assert_error (error, NN_ERROR, NN_ERROR_FORMAT);
  g_test_message ("%s (%.3f s)", error->message, dt);
  g_assert_nonnull (strstr (error->message, text));
  g_assert_cmpfloat (dt, <, 2.0);
}

static void
test_idx_counts (void)
{
  /* 1.3 million declared: over the cap, refused from the header. */
  expect_idx_error (1000, 1300000, "at most 1000000 are supported");
  /* 1,500 declared, 1,000 present: the gzip trailer disagrees, nothing allocated. */
  expect_idx_error (1000, 1500, "truncated: the header claims 1500 images");
  /* 1,000 declared, 2,000 present. */
  expect_idx_error (2000, 1000, "more data than the header's 1000 images");
  /* and agreeing files still load */
  g_autofree char *images = NULL, *labels = NULL;
  write_idx_pair (500, 500, &images, &labels);
  g_autoptr (GError) error = NULL;
  NnDataset *ds = nn_idx_load (images, labels, &error);
  g_assert_no_error (error);
  g_assert_cmpint (ds->n, ==, 500);
  nn_dataset_free (ds);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  tmp = test_tmp_dir ();
  g_test_add_func ("/data-limits/jpeg-scans", test_jpeg_scans);
  g_test_add_func ("/data-limits/idx-counts", test_idx_counts);
  int rc = g_test_run ();
  test_rm_rf (tmp);
  g_free (tmp);
  return rc;
}
