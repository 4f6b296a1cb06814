/* test-image: PNG and JPEG decoding of every kind, PNG writing, and broken files. */
#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>
#include <zlib.h>

#include "nn-error.h"
#include "nn-image.h"
#include "test-data-util.h"
#include "test-image-util.h"

#define W 37
#define H 23

static char *tmpdir;

static char *
tmp_path (const char *name)
{
  return g_build_filename (tmpdir, name, NULL);
}

static guint8
pattern (int x, int y)
{
  return (guint8) ((x * 7 + y * 11) & 255);
}

static NnGreyImage *
load_ok (const char *path)
{
  g_autoptr (GError) error = NULL;
  NnGreyImage *img = nn_grey_image_load (path, &error);
  g_assert_no_error (error);
  g_assert_nonnull (img);
  g_assert_cmpint (img->width, ==, W);
  g_assert_cmpint (img->height, ==, H);
  return img;
}

static void
test_png_grey8 (void)
{
  guint8 pix[W * H];
  for (int y = 0; y < H; y++)
    for (int x = 0; x < W; x++)
      pix[y * W + x] = pattern (x, y);
  g_autofree char *p = tmp_path ("grey8.png");
  test_write_grey_png (p, W, H, pix);
  g_autoptr (NnGreyImage) img = load_ok (p);
  g_assert_cmpmem (img->pixels, W * H, pix, W * H);

  /* Adam7 interlacing decodes to the same pixels. */
  guint8 *rows[H];
  for (int y = 0; y < H; y++)
    rows[y] = pix + y * W;
  g_autofree char *pi = tmp_path ("grey8-interlaced.png");
  test_write_png (pi, W, H, PNG_COLOR_TYPE_GRAY, 8, rows, NULL, 0, NULL, 0, TRUE);
  g_autoptr (NnGreyImage) img2 = load_ok (pi);
  g_assert_cmpmem (img2->pixels, W * H, pix, W * H);
}

static void
test_png_grey16_and_1bit (void)
{
  guint8 buf16[H][W * 2], buf1[H][(W + 7) / 8];
  guint8 *rows16[H], *rows1[H];
  memset (buf1, 0, sizeof buf1);
  for (int y = 0; y < H; y++)
    {
      for (int x = 0; x < W; x++)
        {
          guint16 v = (guint16) (pattern (x, y) * 257);
          buf16[y][2 * x] = (guint8) (v >> 8);
          buf16[y][2 * x + 1] = (guint8) v;
          if ((x + y) & 1)
            buf1[y][x / 8] |= (guint8) (0x80 >> (x % 8));
        }
      rows16[y] = buf16[y];
      rows1[y] = buf1[y];
    }
  g_autofree char *p16 = tmp_path ("grey16.png");
  test_write_png (p16, W, H, PNG_COLOR_TYPE_GRAY, 16, rows16, NULL, 0, NULL, 0, FALSE);
  g_autoptr (NnGreyImage) img16 = load_ok (p16);
  for (int y = 0; y < H; y++)
    for (int x = 0; x < W; x++)
      g_assert_cmpint (img16->pixels[y * W + x], ==, pattern (x, y));

  g_autofree char *p1 = tmp_path ("grey1.png");
  test_write_png (p1, W, H, PNG_COLOR_TYPE_GRAY, 1, rows1, NULL, 0, NULL, 0, FALSE);
  g_autoptr (NnGreyImage) img1 = load_ok (p1);
  for (int y = 0; y < H; y++)
    for (int x = 0; x < W; x++)
      g_assert_cmpint (img1->pixels[y * W + x], ==, ((x + y) & 1) ? 255 : 0);
}

static void
test_png_rgb_rgba (void)
{
  guint8 rgb[H][W * 3], rgba[H][W * 4], rgba16[H][W * 8], ga[H][W * 2];
  guint8 *r3[H], *r4[H], *r8[H], *r2[H];
  for (int y = 0; y < H; y++)
    {
      for (int x = 0; x < W; x++)
        {
          guint8 v = pattern (x, y);
          /* Column 0 is pure red, to check the luma weights; the rest is grey. */
          guint8 r = x == 0 ? 255 : v, g = x == 0 ? 0 : v, b = x == 0 ? 0 : v;
          guint8 a = (guint8) (y == 0 ? 0 : y == 1 ? 128 : 255);
          guint8 px3[3] = { r, g, b }, px4[4] = { r, g, b, a };
          memcpy (rgb[y] + 3 * x, px3, 3);
          memcpy (rgba[y] + 4 * x, px4, 4);
          for (int c = 0; c < 4; c++)
            rgba16[y][8 * x + 2 * c] = rgba16[y][8 * x + 2 * c + 1] = px4[c];
          ga[y][2 * x] = v;
          ga[y][2 * x + 1] = a;
        }
      r3[y] = rgb[y];
      r4[y] = rgba[y];
      r8[y] = rgba16[y];
      r2[y] = ga[y];
    }
  g_autofree char *p3 = tmp_path ("rgb.png"), *p4 = tmp_path ("rgba.png");
  g_autofree char *p8 = tmp_path ("rgba16.png"), *p2 = tmp_path ("grey-alpha.png");
  test_write_png (p3, W, H, PNG_COLOR_TYPE_RGB, 8, r3, NULL, 0, NULL, 0, FALSE);
  test_write_png (p4, W, H, PNG_COLOR_TYPE_RGBA, 8, r4, NULL, 0, NULL, 0, FALSE);
  test_write_png (p8, W, H, PNG_COLOR_TYPE_RGBA, 16, r8, NULL, 0, NULL, 0, FALSE);
  test_write_png (p2, W, H, PNG_COLOR_TYPE_GRAY_ALPHA, 8, r2, NULL, 0, NULL, 0, FALSE);

  g_autoptr (NnGreyImage) i3 = load_ok (p3);
  g_assert_cmpint (i3->pixels[0], ==, 76); /* 0.299 * 255 */
  for (int y = 0; y < H; y++)
    for (int x = 1; x < W; x++)
      g_assert_cmpint (i3->pixels[y * W + x], ==, pattern (x, y));

  /* Alpha composites over white: transparent is white, half is halfway. */
  NnGreyImage *alpha_imgs[3] = { load_ok (p4), load_ok (p8), load_ok (p2) };
  for (int k = 0; k < 3; k++)
    {
      NnGreyImage *img = alpha_imgs[k];
      for (int x = 1; x < W; x++)
        {
          guint8 v = pattern (x, 1);
          int expect = (v * 128 + 255 * 127 + 127) / 255;
          g_assert_cmpint (img->pixels[x], ==, 255);
          g_assert_cmpint (abs (img->pixels[W + x] - expect), <=, 1);
          g_assert_cmpint (img->pixels[5 * W + x], ==, pattern (x, 5));
        }
      nn_grey_image_free (img);
    }
}

static void
test_png_palette (void)
{
  png_color pal[4] = { { 0, 0, 0 }, { 255, 255, 255 }, { 0, 0, 255 }, { 100, 100, 100 } };
  guint8 trns[4] = { 255, 255, 255, 0 }; /* entry 3 fully transparent */
  guint8 buf[H][(W + 1) / 2];
  guint8 *rows[H];
  memset (buf, 0, sizeof buf);
  for (int y = 0; y < H; y++)
    {
      for (int x = 0; x < W; x++)
        buf[y][x / 2] |= (guint8) (((x + y) % 4) << (x % 2 ? 0 : 4));
      rows[y] = buf[y];
    }
  static const int expect[4] = { 0, 255, 29, 255 }; /* blue: 0.114 * 255; 3: transparent */
  for (int with_trns = 0; with_trns < 2; with_trns++)
    {
      g_autofree char *p = tmp_path (with_trns ? "palette-trns.png" : "palette.png");
      test_write_png (p, W, H, PNG_COLOR_TYPE_PALETTE, 4, rows, pal, 4,
                      with_trns ? trns : NULL, 4, FALSE);
      g_autoptr (NnGreyImage) img = load_ok (p);
      for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++)
          {
            int idx = (x + y) % 4;
            int e = idx == 3 && !with_trns ? 100 : expect[idx];
            g_assert_cmpint (img->pixels[y * W + x], ==, e);
          }
    }
}

static void
test_jpeg (void)
{
  guint8 grey[W * H], rgb[W * H * 3], cmyk[W * H * 4];
  for (int i = 0; i < W * H; i++)
    {
      /* Smooth content, so the lossy round trip stays within a few levels. */
      int x = i % W, y = i / W;
      grey[i] = (guint8) (40 + 4 * x + 2 * y);
      rgb[3 * i] = 200, rgb[3 * i + 1] = 100, rgb[3 * i + 2] = 50;
      /* Adobe CMYK is stored inverted: 255 = no ink. K ink 100 gives grey 155. */
      cmyk[4 * i] = cmyk[4 * i + 1] = cmyk[4 * i + 2] = 255;
      cmyk[4 * i + 3] = 155;
    }
  g_autofree char *pg = tmp_path ("grey.jpg"), *pc = tmp_path ("colour.jpeg");
  g_autofree char *pk = tmp_path ("cmyk.jpg");
  test_write_jpeg (pg, W, H, 1, grey, 98);
  test_write_jpeg (pc, W, H, 3, rgb, 98);
  test_write_jpeg (pk, W, H, 4, cmyk, 98);
  g_autoptr (NnGreyImage) ig = load_ok (pg);
  g_autoptr (NnGreyImage) ic = load_ok (pc);
  g_autoptr (NnGreyImage) ik = load_ok (pk);
  int luma = (299 * 200 + 587 * 100 + 114 * 50 + 500) / 1000; /* 124 */
  for (int i = 0; i < W * H; i++)
    {
      g_assert_cmpint (abs (ig->pixels[i] - grey[i]), <=, 3);
      g_assert_cmpint (abs (ic->pixels[i] - luma), <=, 3);
      g_assert_cmpint (abs (ik->pixels[i] - 155), <=, 3);
    }

  /* Detection is by content: a JPEG named .png still decodes. */
  g_autofree char *misnamed = tmp_path ("really-a-jpeg.png");
  g_autofree char *data = NULL;
  gsize len;
  g_assert_true (g_file_get_contents (pg, &data, &len, NULL));
  g_assert_true (g_file_set_contents (misnamed, data, (gssize) len, NULL));
  g_autoptr (NnGreyImage) im = load_ok (misnamed);
  g_assert_cmpmem (im->pixels, W * H, ig->pixels, W * H);
}

/* Phone photos are stored sideways with an EXIF Orientation tag; the loader
 * must hand back the upright picture. */
static void
test_jpeg_orientation (void)
{
  enum { SW = 40, SH = 24 };
  guint8 pix[SW * SH];
  for (int y = 0; y < SH; y++)
    for (int x = 0; x < SW; x++)
      pix[y * SW + x] = (guint8) (20 + 5 * x + 2 * y); /* smooth, asymmetric */
  for (int o = 1; o <= 8; o++)
    {
      g_autofree char *name = g_strdup_printf ("exif-%d.jpg", o);
      g_autofree char *p = tmp_path (name);
      test_write_jpeg_exif (p, SW, SH, 1, pix, 98, o);
      g_autoptr (GError) error = NULL;
      g_autoptr (NnGreyImage) img = nn_grey_image_load (p, &error);
      g_assert_no_error (error);
      gboolean swap = o >= 5;
      g_assert_cmpint (img->width, ==, swap ? SH : SW);
      g_assert_cmpint (img->height, ==, swap ? SW : SH);
      for (int y = 0; y < img->height; y++)
        for (int x = 0; x < img->width; x++)
          {
            /* Where displayed pixel (x, y) comes from in the stored picture. */
            int sx, sy;
            switch (o)
              {
              case 1: sx = x, sy = y; break;
              case 2: sx = SW - 1 - x, sy = y; break;
              case 3: sx = SW - 1 - x, sy = SH - 1 - y; break;
              case 4: sx = x, sy = SH - 1 - y; break;
              case 5: sx = y, sy = x; break;
              case 6: sx = y, sy = SH - 1 - x; break; /* stored 90 degrees anticlockwise */
              case 7: sx = SW - 1 - y, sy = SH - 1 - x; break;
              default: sx = SW - 1 - y, sy = x; break;
              }
            int got = img->pixels[y * img->width + x], want = pix[sy * SW + sx];
            if (abs (got - want) > 4)
              g_error ("orientation %d: pixel (%d, %d) is %d, expected %d", o, x, y, got, want);
          }
    }
  /* Orientation 6 spelled out: the stored top-left corner ends up top-right. */
  g_autofree char *p6 = tmp_path ("exif-6.jpg");
  g_autoptr (NnGreyImage) r = nn_grey_image_load (p6, NULL);
  g_assert_cmpint (abs (r->pixels[SH - 1] - pix[0]), <=, 4);
}

static void
expect_error (const char *path, int code, const char *piece)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (NnGreyImage) img = nn_grey_image_load (path, &error);
  g_test_message ("%s", error ? error->message : "(no error)");
  g_assert_null (img);
  g_assert_error (error, NN_ERROR, code);
  g_assert_nonnull (strstr (error->message, path));
  if (strstr (error->message, piece) == NULL)
    g_error ("message '%s' lacks '%s'", error->message, piece);
}

/* A PNG whose IHDR claims w x h, with correct CRCs, and one tiny IDAT. */
static void
write_png_header_only (const char *path, guint32 w, guint32 h)
{
  guint8 file[8 + 25] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 0, 0, 13,
                          'I', 'H', 'D', 'R' };
  guint8 *d = file + 16;
  guint8 fields[13] = { w >> 24, w >> 16, w >> 8, w, h >> 24, h >> 16, h >> 8, h, 8, 0, 0, 0, 0 };
  memcpy (d, fields, 13);
  guint32 crc = (guint32) crc32 (0, file + 12, 17);
  guint8 crcb[4] = { crc >> 24, crc >> 16, crc >> 8, crc };
  memcpy (d + 13, crcb, 4);
  g_assert_true (g_file_set_contents (path, (char *) file, sizeof file, NULL));
}

static void
test_broken (void)
{
  g_autofree char *good = tmp_path ("good.png"), *goodj = tmp_path ("good.jpg");
  guint8 pix[64 * 64];
  for (int i = 0; i < 64 * 64; i++)
    pix[i] = (guint8) (i * 31);
  test_write_grey_png (good, 64, 64, pix);
  test_write_jpeg (goodj, 64, 64, 1, pix, 90);
  g_autofree char *png_data = NULL, *jpg_data = NULL;
  gsize png_len, jpg_len;
  g_assert_true (g_file_get_contents (good, &png_data, &png_len, NULL));
  g_assert_true (g_file_get_contents (goodj, &jpg_data, &jpg_len, NULL));

  g_autofree char *empty = tmp_path ("empty.png");
  g_assert_true (g_file_set_contents (empty, "", 0, NULL));
  expect_error (empty, NN_ERROR_FORMAT, "empty file");

  g_autofree char *text = tmp_path ("notes.png");
  g_assert_true (g_file_set_contents (text, "hello, not an image\n", -1, NULL));
  expect_error (text, NN_ERROR_FORMAT, "not a PNG or JPEG image");

  g_autofree char *cut = tmp_path ("cut.png");
  g_assert_true (g_file_set_contents (cut, png_data, (gssize) png_len / 2, NULL));
  expect_error (cut, NN_ERROR_FORMAT, "corrupt or truncated PNG");

  g_autofree char *cut_end = tmp_path ("no-iend.png");
  g_assert_true (g_file_set_contents (cut_end, png_data, (gssize) png_len - 12, NULL));
  expect_error (cut_end, NN_ERROR_FORMAT, "corrupt or truncated PNG");

  g_autofree char *garbled = tmp_path ("garbled.png");
  char *g = g_memdup2 (png_data, png_len);
  for (gsize i = 40; i < png_len - 20; i++)
    g[i] = (char) (g[i] ^ 0x5a);
  g_assert_true (g_file_set_contents (garbled, g, (gssize) png_len, NULL));
  g_free (g);
  expect_error (garbled, NN_ERROR_FORMAT, "corrupt or truncated PNG");

  g_autofree char *huge = tmp_path ("huge.png");
  write_png_header_only (huge, 100000, 100000);
  expect_error (huge, NN_ERROR_FORMAT, "larger than 4096 x 4096 (100000 x 100000 pixels)");
  write_png_header_only (huge, 4097, 10);
  expect_error (huge, NN_ERROR_FORMAT, "larger than 4096 x 4096");

  g_autofree char *cutj = tmp_path ("cut.jpg");
  g_assert_true (g_file_set_contents (cutj, jpg_data, (gssize) jpg_len / 2, NULL));
  expect_error (cutj, NN_ERROR_FORMAT, "corrupt or truncated JPEG");

  g_autofree char *headj = tmp_path ("only-magic.jpg");
  g_assert_true (g_file_set_contents (headj, "\xff\xd8\xff\xe0", 4, NULL));
  expect_error (headj, NN_ERROR_FORMAT, "corrupt or truncated JPEG");

  /* A JPEG whose frame header claims 20000 x 20000: refused before decoding. */
  char *big = g_memdup2 (jpg_data, jpg_len);
  gboolean patched = FALSE;
  for (gsize i = 0; i + 9 < jpg_len; i++)
    if ((guint8) big[i] == 0xff && (guint8) big[i + 1] == 0xc0)
      {
        big[i + 5] = (char) (20000 >> 8), big[i + 6] = (char) (20000 & 255);
        big[i + 7] = (char) (20000 >> 8), big[i + 8] = (char) (20000 & 255);
        patched = TRUE;
        break;
      }
  g_assert_true (patched);
  g_autofree char *bigj = tmp_path ("huge.jpg");
  g_assert_true (g_file_set_contents (bigj, big, (gssize) jpg_len, NULL));
  g_free (big);
  expect_error (bigj, NN_ERROR_FORMAT, "larger than 4096 x 4096 (20000 x 20000 pixels)");

  g_autofree char *fifo = tmp_path ("pipe.png");
  g_assert_cmpint (mkfifo (fifo, 0600), ==, 0);
  expect_error (fifo, NN_ERROR_FORMAT, "not a regular file");
  expect_error (tmpdir, NN_ERROR_FORMAT, "not a regular file");

  g_autofree char *missing = tmp_path ("missing.png");
  expect_error (missing, NN_ERROR_IO, "cannot open");
}

/* Mutated files must give an image or an error, never a crash or a leak
 * (the sanitizer build checks the second). Exercises every longjmp path. */
static void
test_fuzz (void)
{
  enum { S = 48 };
  guint8 pix[S * S * 3];
  for (int i = 0; i < S * S * 3; i++)
    pix[i] = (guint8) ((i * 13) ^ (i / 97));
  char *seeds[4] = { tmp_path ("seed.png"), tmp_path ("seed-rgb.png"),
                                tmp_path ("seed.jpg"), tmp_path ("seed-rgb.jpg") };
  test_write_grey_png (seeds[0], S, S, pix);
  guint8 *rows[S];
  for (int y = 0; y < S; y++)
    rows[y] = pix + y * S * 3;
  test_write_png (seeds[1], S, S, PNG_COLOR_TYPE_RGB, 8, rows, NULL, 0, NULL, 0, TRUE);
  test_write_jpeg (seeds[2], S, S, 1, pix, 80);
  test_write_jpeg (seeds[3], S, S, 3, pix, 80);

  GRand *r = g_rand_new_with_seed (1234);
  g_autofree char *mutant = tmp_path ("mutant");
  int decoded = 0, refused = 0;
  for (int f = 0; f < 4; f++)
    {
      g_autofree char *data = NULL;
      gsize len;
      g_assert_true (g_file_get_contents (seeds[f], &data, &len, NULL));
      for (int iter = 0; iter < 150; iter++)
        {
          char *m = g_memdup2 (data, len);
          gsize mlen = len;
          int flips = g_rand_int_range (r, 1, 9);
          for (int k = 0; k < flips; k++)
            m[g_rand_int_range (r, 0, (gint32) mlen)] = (char) g_rand_int_range (r, 0, 256);
          if (g_rand_int_range (r, 0, 4) == 0)
            mlen = (gsize) g_rand_int_range (r, 1, (gint32) mlen);
          g_assert_true (g_file_set_contents (mutant, m, (gssize) mlen, NULL));
          g_free (m);
          g_autoptr (GError) error = NULL;
          g_autoptr (NnGreyImage) img = nn_grey_image_load (mutant, &error);
          if (img)
            {
              g_assert_no_error (error);
              g_assert_cmpint (img->width, >, 0);
              g_assert_cmpint (img->width, <=, NN_IMAGE_MAX_SIDE);
              g_assert_cmpint (img->height, <=, NN_IMAGE_MAX_SIDE);
              decoded++;
            }
          else
            {
              g_assert_error (error, NN_ERROR, NN_ERROR_FORMAT);
              g_assert_nonnull (strstr (error->message, mutant));
              refused++;
            }
        }
    }
  g_rand_free (r);
  for (int f = 0; f < 4; f++)
    g_free (seeds[f]);
  g_test_message ("mutants: %d decoded, %d refused with an error", decoded, refused);
  g_assert_cmpint (refused, >, 100);
}

static void
test_save_png (void)
{
  g_autoptr (NnGreyImage) img = nn_grey_image_new (W, H);
  for (int y = 0; y < H; y++)
    for (int x = 0; x < W; x++)
      img->pixels[y * W + x] = pattern (x, y);
  g_autoptr (GError) error = NULL;
  g_autofree char *sub = tmp_path ("saved");
  g_assert_cmpint (g_mkdir (sub, 0700), ==, 0);
  g_autofree char *p = g_build_filename (sub, "out.png", NULL);
  /* Overwrites an existing file in place. */
  g_assert_true (g_file_set_contents (p, "old", -1, NULL));
  g_assert_true (nn_grey_image_save_png (img, p, &error));
  g_assert_no_error (error);
  g_autoptr (NnGreyImage) back = load_ok (p);
  g_assert_cmpmem (back->pixels, W * H, img->pixels, W * H);

  /* No temporary file is left next to it. */
  GDir *d = g_dir_open (sub, 0, NULL);
  int n = 0;
  while (g_dir_read_name (d))
    n++;
  g_dir_close (d);
  g_assert_cmpint (n, ==, 1);

  g_autofree char *bad = tmp_path ("no-such-folder/out.png");
  g_assert_false (nn_grey_image_save_png (img, bad, &error));
  g_assert_error (error, NN_ERROR, NN_ERROR_IO);
  g_assert_nonnull (strstr (error->message, bad));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  tmpdir = test_tmp_dir ();
  g_test_add_func ("/image/png-grey8", test_png_grey8);
  g_test_add_func ("/image/png-grey16-1bit", test_png_grey16_and_1bit);
  g_test_add_func ("/image/png-rgb-rgba", test_png_rgb_rgba);
  g_test_add_func ("/image/png-palette", test_png_palette);
  g_test_add_func ("/image/jpeg", test_jpeg);
  g_test_add_func ("/image/jpeg-orientation", test_jpeg_orientation);
  g_test_add_func ("/image/broken", test_broken);
  g_test_add_func ("/image/fuzz", test_fuzz);
  g_test_add_func ("/image/save-png", test_save_png);
  int rc = g_test_run ();
  test_rm_rf (tmpdir);
  g_free (tmpdir);
  return rc;
}
