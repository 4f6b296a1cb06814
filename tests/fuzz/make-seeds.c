/* make-seeds.c: writes the fuzz seeds that are not models, and the hostile JPEG.
 *
 *   make-seeds corpus DIR        the image, idx and folder seeds in DIR
 *   make-seeds scans PATH SIDE   a SIDE x SIDE colour JPEG of a digit in 2,112
 *                                progressive scans: every coefficient of every
 *                                component alone, refined one bit at a time, all of
 *                                it valid (libjpeg's encoder checks the script)
 * The committed corpora came from `make-seeds corpus tests/fuzz/corpus`; rerunning it
 * rewrites the same files. */
#include <glib.h>
#include <glib/gstdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include "test-image-util.h"

/* A "7" in dark ink on light paper, side x side. */
static guint8 *
draw_seven (int side)
{
  guint8 *px = g_malloc (side * side);
  memset (px, 235, side * side);
  double s = side / 40.0;
  const double pts[] = { 10 * s, 9 * s, 30 * s, 9 * s, 17 * s, 32 * s };
  test_draw_stroke (px, side, side, pts, 3, 2.5 * s, 20);
  return px;
}

static guint8 *
to_rgb (const guint8 *grey, int n, int channels)
{
  guint8 *out = g_malloc ((gsize) n * channels);
  for (int i = 0; i < n; i++)
    for (int c = 0; c < channels; c++)
      out[i * channels + c] = c == 3 ? 255 - grey[i] / 2 : (guint8) (grey[i] * (c + 2) / 4);
  return out;
}

static void
write_png_channels (const char *path, int side, const guint8 *px, int color_type, int ch,
                    gboolean interlace)
{
  guint8 **rows = g_new (guint8 *, side);
  for (int y = 0; y < side; y++)
    rows[y] = (guint8 *) px + (gsize) y * side * ch;
  test_write_png (path, side, side, color_type, 8, rows, NULL, 0, NULL, 0, interlace);
  g_free (rows);
}

static void
write_progressive (const char *path, int side, const guint8 *rgb, const jpeg_scan_info *scans,
                   int n_scans)
{
  FILE *fp = fopen (path, "wb");
  g_assert_nonnull (fp);
  struct jpeg_compress_struct c;
  struct jpeg_error_mgr err;
  c.err = jpeg_std_error (&err);
  jpeg_create_compress (&c);
  jpeg_stdio_dest (&c, fp);
  c.image_width = c.image_height = (JDIMENSION) side;
  c.input_components = 3;
  c.in_color_space = JCS_RGB;
  jpeg_set_defaults (&c);
  jpeg_set_quality (&c, 90, TRUE);
  if (scans)
    {
      c.scan_info = scans;
      c.num_scans = n_scans;
    }
  else
    jpeg_simple_progression (&c);
  jpeg_start_compress (&c, TRUE);
  while (c.next_scanline < c.image_height)
    {
      JSAMPROW row = (JSAMPROW) (rgb + (gsize) c.next_scanline * side * 3);
      jpeg_write_scanlines (&c, &row, 1);
    }
  jpeg_finish_compress (&c);
  jpeg_destroy_compress (&c);
  fclose (fp);
}

/* Every coefficient of each component in its own scans, from bit 10 down to bit 0:
 * 3 x (1 + 63) x 11 = 2,112 scans. */
static void
write_scans_bomb (const char *path, int side)
{
  GArray *scans = g_array_new (FALSE, TRUE, sizeof (jpeg_scan_info));
  for (int comp = 0; comp < 3; comp++)
    for (int k = 0; k < 64; k++)
      for (int al = 10; al >= 0; al--)
        {
          jpeg_scan_info s = { .comps_in_scan = 1, .component_index = { comp },
                               .Ss = k, .Se = k, .Ah = al == 10 ? 0 : al + 1, .Al = al };
          g_array_append_val (scans, s);
        }
  g_autofree guint8 *grey = draw_seven (side);
  g_autofree guint8 *rgb = to_rgb (grey, side * side, 3);
  write_progressive (path, side, rgb, (const jpeg_scan_info *) scans->data, (int) scans->len);
  g_array_unref (scans);
}

static void
put_be32 (GByteArray *b, guint32 v)
{
  guint8 p[4] = { v >> 24, (v >> 16) & 0xff, (v >> 8) & 0xff, v & 0xff };
  g_byte_array_append (b, p, 4);
}

/* The fuzz-idx input layout: flags, images length (LE), images, labels. */
static void
write_idx_seed (const char *path, guint flags, const GByteArray *images, const GByteArray *labels)
{
  GByteArray *b = g_byte_array_new ();
  guint8 head[5] = { flags, images->len & 0xff, (images->len >> 8) & 0xff,
                     (images->len >> 16) & 0xff, images->len >> 24 };
  g_byte_array_append (b, head, 5);
  g_byte_array_append (b, images->data, images->len);
  g_byte_array_append (b, labels->data, labels->len);
  g_assert (g_file_set_contents (path, (const char *) b->data, b->len, NULL));
  g_byte_array_unref (b);
}

static GByteArray *
gzipped (const GByteArray *in)
{
  z_stream z = { 0 };
  g_assert (deflateInit2 (&z, 9, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) == Z_OK);
  GByteArray *out = g_byte_array_sized_new (deflateBound (&z, in->len));
  g_byte_array_set_size (out, deflateBound (&z, in->len));
  z.next_in = in->data;
  z.avail_in = in->len;
  z.next_out = out->data;
  z.avail_out = out->len;
  g_assert (deflate (&z, Z_FINISH) == Z_STREAM_END);
  g_byte_array_set_size (out, z.total_out);
  deflateEnd (&z);
  return out;
}

static void
write_idx_seeds (const char *dir)
{
  GByteArray *images = g_byte_array_new (), *labels = g_byte_array_new ();
  put_be32 (images, 0x803), put_be32 (images, 3), put_be32 (images, 28), put_be32 (images, 28);
  put_be32 (labels, 0x801), put_be32 (labels, 3);
  g_autofree guint8 *seven = draw_seven (28);
  for (int i = 0; i < 3; i++)
    {
      for (int p = 0; p < 28 * 28; p++)
        {
          guint8 v = i == 1 ? (guint8) (255 - seven[p]) : i == 2 ? (guint8) (p * 7) : 0;
          g_byte_array_append (images, &v, 1);
        }
      guint8 label = (guint8) (i * 4 + 1);
      g_byte_array_append (labels, &label, 1);
    }
  g_autofree char *plain = g_build_filename (dir, "three-images.idx", NULL);
  g_autofree char *flagged = g_build_filename (dir, "three-images-gzip-flags.idx", NULL);
  g_autofree char *gz = g_build_filename (dir, "three-images-gzipped.idx", NULL);
  write_idx_seed (plain, 0, images, labels);
  write_idx_seed (flagged, 3, images, labels);
  GByteArray *gi = gzipped (images), *gl = gzipped (labels);
  write_idx_seed (gz, 0, gi, gl);
  g_byte_array_unref (gi), g_byte_array_unref (gl);
  g_byte_array_unref (images), g_byte_array_unref (labels);
}

/* A fuzz-folder record: kind, length (LE), content. */
static void
add_record (GByteArray *b, guint kind, const char *path)
{
  gchar *data = NULL;
  gsize len = 0;
  if (path)
    g_assert (g_file_get_contents (path, &data, &len, NULL));
  guint8 head[3] = { kind, len & 0xff, len >> 8 };
  g_byte_array_append (b, head, 3);
  g_byte_array_append (b, (const guint8 *) data, len);
  g_free (data);
}

static void
write_folder_seeds (const char *dir, const char *image_dir)
{
  g_autofree char *png = g_build_filename (image_dir, "seven-grey.png", NULL);
  g_autofree char *jpg = g_build_filename (image_dir, "seven-baseline.jpg", NULL);
  GByteArray *b = g_byte_array_new ();
  guint8 flags = 1;
  g_byte_array_append (b, &flags, 1);
  for (guint c = 0; c < 10; c++)
    add_record (b, c | (c % 2 ? 0x10 : 0x00), c % 2 ? jpg : png);
  g_autofree char *ten = g_build_filename (dir, "ten-classes.bin", NULL);
  g_assert (g_file_set_contents (ten, (const char *) b->data, b->len, NULL));
  g_byte_array_set_size (b, 0);
  flags = 0;
  g_byte_array_append (b, &flags, 1);
  add_record (b, 0x03, png);      /* 3/f00.png */
  add_record (b, 0x53, NULL);     /* 3/f01.txt, empty */
  add_record (b, 0x93, NULL);     /* 3/e02.png -> 3/f01.txt */
  add_record (b, 0x0a, png);      /* a file at the top */
  add_record (b, 0x0b, png);      /* x/f04.png */
  add_record (b, 0x0c, jpg);      /* 7/nested/f05.png */
  add_record (b, 0x84, NULL);     /* 4/e06.png, a folder */
  add_record (b, 0xa5, NULL);     /* 5/e07.png, a FIFO */
  add_record (b, 0x65, jpg);      /* 5/.f08.png, hidden */
  add_record (b, 0x75, png);      /* a 200-byte name */
  g_autofree char *mixed = g_build_filename (dir, "mixed-entries.bin", NULL);
  g_assert (g_file_set_contents (mixed, (const char *) b->data, b->len, NULL));
  g_byte_array_unref (b);
}

static void
write_image_seeds (const char *dir)
{
  const int side = 40, n = side * side;
  g_autofree guint8 *grey = draw_seven (side);
  g_autofree guint8 *rgb = to_rgb (grey, n, 3);
  g_autofree guint8 *rgba = to_rgb (grey, n, 4);
  g_autofree char *p1 = g_build_filename (dir, "seven-grey.png", NULL);
  g_autofree char *p2 = g_build_filename (dir, "seven-rgba-interlaced.png", NULL);
  g_autofree char *p3 = g_build_filename (dir, "seven-baseline.jpg", NULL);
  g_autofree char *p4 = g_build_filename (dir, "seven-grey-exif6.jpg", NULL);
  g_autofree char *p5 = g_build_filename (dir, "seven-progressive.jpg", NULL);
  g_autofree char *p6 = g_build_filename (dir, "seven-cmyk.jpg", NULL);
  test_write_grey_png (p1, side, side, grey);
  write_png_channels (p2, side, rgba, PNG_COLOR_TYPE_RGB_ALPHA, 4, TRUE);
  test_write_jpeg (p3, side, side, 3, rgb, 85);
  test_write_jpeg_exif (p4, side, side, 1, grey, 85, 6);
  write_progressive (p5, side, rgb, NULL, 0);
  test_write_jpeg (p6, side, side, 4, rgba, 85);
}

int
main (int argc, char **argv)
{
  if (argc == 3 && strcmp (argv[1], "corpus") == 0)
    {
      g_autofree char *image = g_build_filename (argv[2], "image", NULL);
      g_autofree char *idx = g_build_filename (argv[2], "idx", NULL);
      g_autofree char *folder = g_build_filename (argv[2], "folder", NULL);
      g_mkdir_with_parents (image, 0755), g_mkdir_with_parents (idx, 0755);
      g_mkdir_with_parents (folder, 0755);
      write_image_seeds (image);
      write_idx_seeds (idx);
      write_folder_seeds (folder, image);
      return 0;
    }
  if (argc == 4 && strcmp (argv[1], "scans") == 0)
    {
      write_scans_bomb (argv[2], atoi (argv[3]));
      return 0;
    }
  fprintf (stderr, "usage: make-seeds corpus DIR | make-seeds scans PATH SIDE\n");
  return 2;
}
