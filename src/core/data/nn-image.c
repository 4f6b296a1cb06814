/* nn-image.c: PNG and JPEG files to grey pixels, and grey pixels to PNG.
 *
 * Both decoders report errors by longjmp() back into the function that set up
 * the decoder: libpng through its error callback, libjpeg through error_exit.
 * Neither is allowed to print: a corrupt file in the app is a message, not a
 * line on stderr. Everything allocated between setjmp() and a possible longjmp()
 * lives in volatile locals or in a struct the handler can free.
 */
#include "nn-image-private.h"
#include "nn-error.h"

#include <glib/gstdio.h>

#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jpeglib.h>
#include <jerror.h>
#include <png.h>

NnGreyImage *
nn_grey_image_new (int width, int height)
{
  g_return_val_if_fail (width > 0 && height > 0, NULL);
  g_return_val_if_fail (width <= G_MAXINT / height, NULL);
  NnGreyImage *img = g_new0 (NnGreyImage, 1);
  img->width = width;
  img->height = height;
  img->pixels = g_malloc0 ((gsize) width * (gsize) height);
  return img;
}

void
nn_grey_image_free (NnGreyImage *img)
{
  if (img == NULL)
    return;
  g_free (img->pixels);
  g_free (img);
}

/* Rec. 601 luma, the weights JPEG's own YCbCr uses, rounded. */
static inline guint8
luma601 (unsigned r, unsigned g, unsigned b)
{
  return (guint8) ((299 * r + 587 * g + 114 * b + 500) / 1000);
}

/* Composites a grey value with alpha a over a white background. */
static inline guint8
over_white (unsigned v, unsigned a)
{
  return (guint8) ((v * a + 255 * (255 - a) + 127) / 255);
}

static void
set_problem (NnImageProblem *problem, char **reason, NnImageProblem p, char *msg)
{
  *problem = p;
  *reason = msg;
}

static gboolean
too_large (guint64 w, guint64 h)
{
  return w > NN_IMAGE_MAX_SIDE || h > NN_IMAGE_MAX_SIDE || w * h > NN_IMAGE_MAX_PIXELS;
}

static char *
too_large_reason (unsigned w, unsigned h)
{
  return g_strdup_printf ("larger than %d x %d (%u x %u pixels): %.1f megapixels, the "
                          "limit is %.1f", NN_IMAGE_MAX_SIDE, NN_IMAGE_MAX_SIDE, w, h,
                          (double) w * h / 1e6, NN_IMAGE_MAX_PIXELS / 1e6);
}

/* ---- PNG ---------------------------------------------------------------- */

typedef struct {
  jmp_buf jmp;
  char msg[256];
} PngErr;

static void
png_error_cb (png_structp png, png_const_charp msg)
{
  PngErr *e = png_get_error_ptr (png);
  g_strlcpy (e->msg, msg, sizeof e->msg);
  longjmp (e->jmp, 1);
}

static void
png_warning_cb (png_structp png, png_const_charp msg)
{
  /* Warnings (bad ancillary chunks, sRGB profile quirks) do not stop decoding. */
}

static void
png_row_to_grey (const guint8 *src, guint8 *dst, int width, int channels)
{
  switch (channels)
    {
    case 1:
      memcpy (dst, src, (size_t) width);
      break;
    case 2:
      for (int x = 0; x < width; x++)
        dst[x] = over_white (src[2 * x], src[2 * x + 1]);
      break;
    case 3:
      for (int x = 0; x < width; x++)
        dst[x] = luma601 (src[3 * x], src[3 * x + 1], src[3 * x + 2]);
      break;
    default:
      for (int x = 0; x < width; x++)
        {
          const guint8 *p = src + 4 * x;
          dst[x] = over_white (luma601 (p[0], p[1], p[2]), p[3]);
        }
      break;
    }
}

static NnGreyImage *
decode_png (FILE *fp, NnImageProblem *problem, char **reason)
{
  PngErr err = { 0 };
  png_structp png = png_create_read_struct (PNG_LIBPNG_VER_STRING, &err, png_error_cb,
                                            png_warning_cb);
  png_infop info = png ? png_create_info_struct (png) : NULL;
  guint8 *volatile buf = NULL;
  png_bytep *volatile rows = NULL;
  NnGreyImage *volatile img = NULL;
  if (info == NULL)
    {
      png_destroy_read_struct (&png, NULL, NULL);
      set_problem (problem, reason, NN_IMAGE_UNREADABLE, g_strdup ("out of memory for libpng"));
      return NULL;
    }
  if (setjmp (err.jmp))
    {
      png_destroy_read_struct (&png, &info, NULL);
      g_free (buf);
      g_free (rows);
      nn_grey_image_free (img);
      /* libpng's stdio reader says only "Read Error" at the end of the file. */
      if (strcmp (err.msg, "Read Error") == 0 && feof (fp))
        set_problem (problem, reason, NN_IMAGE_CORRUPT,
                     g_strdup ("corrupt or truncated PNG (the file ends early)"));
      else
        set_problem (problem, reason, NN_IMAGE_CORRUPT,
                     g_strdup_printf ("corrupt or truncated PNG (%s)", err.msg));
      return NULL;
    }

  png_init_io (png, fp);
  /* libpng's own limits too, so that it refuses a huge image in any chunk it reads. */
  png_set_user_limits (png, NN_IMAGE_MAX_SIDE, NN_IMAGE_MAX_SIDE);
  png_read_info (png, info);
  png_uint_32 w = png_get_image_width (png, info), h = png_get_image_height (png, info);
  if (too_large (w, h))
    {
      png_destroy_read_struct (&png, &info, NULL);
      set_problem (problem, reason, NN_IMAGE_TOO_LARGE, too_large_reason (w, h));
      return NULL;
    }

  /* Palette to RGB, grey below 8 bits to 8, tRNS to alpha, 16 bits to 8. */
  png_set_expand (png);
  png_set_scale_16 (png);
  png_set_interlace_handling (png);
  png_read_update_info (png, info);
  int channels = png_get_channels (png, info);
  size_t rowbytes = png_get_rowbytes (png, info);
  if (channels < 1 || channels > 4 || rowbytes != (size_t) channels * w)
    png_error (png, "unexpected pixel layout after expansion");

  buf = g_malloc (rowbytes * h);
  rows = g_new (png_bytep, h);
  for (png_uint_32 y = 0; y < h; y++)
    rows[y] = buf + y * rowbytes;
  png_read_image (png, rows);
  png_read_end (png, NULL); /* catches a file cut off after the pixel data */

  img = nn_grey_image_new ((int) w, (int) h);
  for (png_uint_32 y = 0; y < h; y++)
    png_row_to_grey (rows[y], img->pixels + (size_t) y * w, (int) w, channels);

  NnGreyImage *result = img;
  png_destroy_read_struct (&png, &info, NULL);
  g_free (buf);
  g_free (rows);
  return result;
}

/* ---- JPEG --------------------------------------------------------------- */

typedef struct {
  struct jpeg_error_mgr pub;
  jmp_buf jmp;
  char msg[JMSG_LENGTH_MAX];
  gboolean too_many_scans;
} JpegErr;

static void
jpeg_error_exit_cb (j_common_ptr cinfo)
{
  JpegErr *e = (JpegErr *) cinfo->err;
  e->pub.format_message (cinfo, e->msg);
  longjmp (e->jmp, 1);
}

/* Warnings that mean the pixels are wrong (truncated or damaged data) end the
 * decoding like errors; libjpeg would otherwise fill the rest with grey. */
static void
jpeg_emit_message_cb (j_common_ptr cinfo, int level)
{
  JpegErr *e = (JpegErr *) cinfo->err;
  if (level >= 0)
    return; /* trace messages */
  e->pub.num_warnings++;
  switch (e->pub.msg_code)
    {
    case JWRN_JPEG_EOF:
    case JWRN_HIT_MARKER:
    case JWRN_HUFF_BAD_CODE:
    case JWRN_ARITH_BAD_CODE:
    case JWRN_MUST_RESYNC:
    case JWRN_NOT_SEQUENTIAL:
    case JWRN_BOGUS_PROGRESSION:
      jpeg_error_exit_cb (cinfo);
      break;
    default:
      break;
    }
}

static void
jpeg_output_message_cb (j_common_ptr cinfo)
{
}

/* djpeg -maxscans's check: libjpeg calls this often while it reads the scans. */
static void
jpeg_progress_cb (j_common_ptr cinfo)
{
  j_decompress_ptr d = (j_decompress_ptr) cinfo;
  if (d->input_scan_number > NN_IMAGE_MAX_JPEG_SCANS)
    {
      JpegErr *e = (JpegErr *) cinfo->err;
      e->too_many_scans = TRUE;
      longjmp (e->jmp, 1);
    }
}

/* The EXIF Orientation tag (1..8) of an APP1 marker, or 1 when absent. Phones
 * store photos sideways and set this tag instead of rotating the pixels. */
static int
exif_orientation (const guint8 *d, unsigned len)
{
  if (len < 14 || memcmp (d, "Exif\0\0", 6) != 0)
    return 1;
  const guint8 *t = d + 6; /* TIFF header */
  unsigned n = len - 6;
  gboolean le = t[0] == 'I' && t[1] == 'I';
  if (!le && !(t[0] == 'M' && t[1] == 'M'))
    return 1;
#define U16(p) (le ? (unsigned) (p)[0] | (unsigned) (p)[1] << 8 : (unsigned) (p)[0] << 8 | (p)[1])
#define U32(p) (le ? U16 (p) | U16 ((p) + 2) << 16 : U16 (p) << 16 | U16 ((p) + 2))
  guint32 ifd = U32 (t + 4);
  if (ifd > n - 2 || n < 8)
    return 1;
  unsigned count = U16 (t + ifd);
  for (unsigned i = 0; i < count; i++)
    {
      guint64 e = (guint64) ifd + 2 + 12 * (guint64) i;
      if (e + 12 > n)
        break;
      if (U16 (t + e) == 0x0112 && U16 (t + e + 2) == 3)
        {
          unsigned o = U16 (t + e + 8);
          return o >= 1 && o <= 8 ? (int) o : 1;
        }
    }
  return 1;
#undef U16
#undef U32
}

/* The upright image for an EXIF orientation: each displayed pixel (x, y)
 * reads the stored pixel this maps it to. */
static NnGreyImage *
apply_orientation (NnGreyImage *img, int o)
{
  if (o <= 1)
    return img;
  int w = img->width, h = img->height;
  gboolean swap = o >= 5;
  NnGreyImage *out = nn_grey_image_new (swap ? h : w, swap ? w : h);
  for (int y = 0; y < out->height; y++)
    for (int x = 0; x < out->width; x++)
      {
        int sx, sy;
        switch (o)
          {
          case 2: sx = w - 1 - x, sy = y; break;
          case 3: sx = w - 1 - x, sy = h - 1 - y; break;
          case 4: sx = x, sy = h - 1 - y; break;
          case 5: sx = y, sy = x; break;
          case 6: sx = y, sy = h - 1 - x; break;
          case 7: sx = w - 1 - y, sy = h - 1 - x; break;
          default: sx = w - 1 - y, sy = x; break; /* 8 */
          }
        out->pixels[(size_t) y * out->width + x] = img->pixels[(size_t) sy * w + sx];
      }
  nn_grey_image_free (img);
  return out;
}

static NnGreyImage *
decode_jpeg (FILE *fp, NnImageProblem *problem, char **reason)
{
  struct jpeg_decompress_struct cinfo;
  struct jpeg_progress_mgr progress = { .progress_monitor = jpeg_progress_cb };
  JpegErr err;
  guint8 *volatile row = NULL;
  NnGreyImage *volatile img = NULL;

  cinfo.err = jpeg_std_error (&err.pub);
  err.pub.error_exit = jpeg_error_exit_cb;
  err.pub.emit_message = jpeg_emit_message_cb;
  err.pub.output_message = jpeg_output_message_cb;
  err.msg[0] = '\0';
  err.too_many_scans = FALSE;
  if (setjmp (err.jmp))
    {
      jpeg_destroy_decompress (&cinfo);
      g_free (row);
      nn_grey_image_free (img);
      if (err.too_many_scans)
        set_problem (problem, reason, NN_IMAGE_TOO_LARGE,
                     g_strdup_printf ("a JPEG of more than %d progressive scans "
                                      "(each one is a pass over the whole image)",
                                      NN_IMAGE_MAX_JPEG_SCANS));
      else
        set_problem (problem, reason, NN_IMAGE_CORRUPT,
                     g_strdup_printf ("corrupt or truncated JPEG (%s)", err.msg));
      return NULL;
    }
  jpeg_create_decompress (&cinfo);
  cinfo.progress = &progress;
  jpeg_stdio_src (&cinfo, fp);
  jpeg_save_markers (&cinfo, JPEG_APP0 + 1, 0xffff);
  jpeg_read_header (&cinfo, TRUE);
  int orientation = 1;
  for (jpeg_saved_marker_ptr mk = cinfo.marker_list; mk && orientation == 1; mk = mk->next)
    if (mk->marker == JPEG_APP0 + 1)
      orientation = exif_orientation (mk->data, mk->data_length);
  if (too_large (cinfo.image_width, cinfo.image_height))
    {
      set_problem (problem, reason, NN_IMAGE_TOO_LARGE,
                   too_large_reason (cinfo.image_width, cinfo.image_height));
      jpeg_destroy_decompress (&cinfo);
      return NULL;
    }

  /* Grey and YCbCr decode straight to grey (Y is Rec. 601 luma); RGB and CMYK
   * come out as colour and are converted below. */
  switch (cinfo.jpeg_color_space)
    {
    case JCS_GRAYSCALE:
    case JCS_YCbCr:
      cinfo.out_color_space = JCS_GRAYSCALE;
      break;
    case JCS_RGB:
      cinfo.out_color_space = JCS_RGB;
      break;
    case JCS_CMYK:
    case JCS_YCCK:
      cinfo.out_color_space = JCS_CMYK;
      break;
    default:
      g_snprintf (err.msg, sizeof err.msg, "unsupported colour space %d", cinfo.jpeg_color_space);
      longjmp (err.jmp, 1);
    }
  jpeg_start_decompress (&cinfo);
  int w = (int) cinfo.output_width, comps = cinfo.output_components;
  row = g_malloc ((size_t) w * (size_t) comps);
  img = nn_grey_image_new (w, (int) cinfo.output_height);
  while (cinfo.output_scanline < cinfo.output_height)
    {
      guint8 *dst = img->pixels + (size_t) cinfo.output_scanline * (size_t) w;
      JSAMPROW rp = row;
      if (jpeg_read_scanlines (&cinfo, &rp, 1) != 1)
        {
          g_strlcpy (err.msg, "no scanline returned", sizeof err.msg);
          longjmp (err.jmp, 1);
        }
      if (comps == 1)
        memcpy (dst, row, (size_t) w);
      else if (comps == 3)
        for (int x = 0; x < w; x++)
          dst[x] = luma601 (row[3 * x], row[3 * x + 1], row[3 * x + 2]);
      else
        for (int x = 0; x < w; x++)
          {
            /* Adobe writes CMYK inverted (255 = no ink); others do not. */
            unsigned c = row[4 * x], m = row[4 * x + 1], y = row[4 * x + 2], k = row[4 * x + 3];
            if (!cinfo.saw_Adobe_marker)
              c = 255 - c, m = 255 - m, y = 255 - y, k = 255 - k;
            dst[x] = luma601 (c * k / 255, m * k / 255, y * k / 255);
          }
    }
  jpeg_finish_decompress (&cinfo);
  jpeg_destroy_decompress (&cinfo);
  g_free (row);
  return apply_orientation (img, orientation);
}

/* ---- files -------------------------------------------------------------- */

static const guint8 png_magic[8] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n' };

NnGreyImage *
nn_grey_image_decode (const char *path, NnImageProblem *problem, char **reason)
{
  *problem = NN_IMAGE_OK;
  *reason = NULL;
  /* O_NONBLOCK: opening a FIFO must not wait for a writer. */
  int fd = open (path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0)
    {
      int saved = errno;
      set_problem (problem, reason, saved == ELOOP ? NN_IMAGE_SPECIAL : NN_IMAGE_UNREADABLE,
                   g_strdup_printf ("cannot open (%s)", g_strerror (saved)));
      return NULL;
    }
  struct stat st;
  if (fstat (fd, &st) != 0 || !S_ISREG (st.st_mode))
    {
      close (fd);
      set_problem (problem, reason, NN_IMAGE_SPECIAL, g_strdup ("not a regular file"));
      return NULL;
    }
  if (st.st_size == 0)
    {
      close (fd);
      set_problem (problem, reason, NN_IMAGE_EMPTY, g_strdup ("empty file"));
      return NULL;
    }
  fcntl (fd, F_SETFL, fcntl (fd, F_GETFL) & ~O_NONBLOCK);
  guint8 magic[24] = { 0 };
  ssize_t got = pread (fd, magic, sizeof magic, 0);
  FILE *fp = got > 0 ? fdopen (fd, "rb") : NULL;
  if (fp == NULL)
    {
      int saved = errno;
      close (fd);
      set_problem (problem, reason, NN_IMAGE_UNREADABLE,
                   g_strdup_printf ("cannot read (%s)", g_strerror (saved)));
      return NULL;
    }

  NnGreyImage *img = NULL;
  if (got >= 8 && memcmp (magic, png_magic, 8) == 0)
    {
      /* The size is in the first chunk: refuse a huge image even when the
       * rest of the file is missing, before libpng sees it. */
      guint32 w, h;
      memcpy (&w, magic + 16, 4);
      memcpy (&h, magic + 20, 4);
      w = GUINT32_FROM_BE (w);
      h = GUINT32_FROM_BE (h);
      if (got == 24 && memcmp (magic + 12, "IHDR", 4) == 0 && too_large (w, h))
        set_problem (problem, reason, NN_IMAGE_TOO_LARGE, too_large_reason (w, h));
      else
        img = decode_png (fp, problem, reason);
    }
  else if (got >= 3 && magic[0] == 0xff && magic[1] == 0xd8 && magic[2] == 0xff)
    img = decode_jpeg (fp, problem, reason);
  else
    set_problem (problem, reason, NN_IMAGE_NOT_IMAGE, g_strdup ("not a PNG or JPEG image"));
  fclose (fp);
  return img;
}

NnGreyImage *
nn_grey_image_load (const char *path, GError **error)
{
  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  NnImageProblem problem;
  g_autofree char *reason = NULL;
  NnGreyImage *img = nn_grey_image_decode (path, &problem, &reason);
  if (img == NULL)
    g_set_error (error, NN_ERROR, problem == NN_IMAGE_UNREADABLE ? NN_ERROR_IO : NN_ERROR_FORMAT,
                 "%s: %s", path, reason);
  return img;
}

/* ---- saving ------------------------------------------------------------- */

static gboolean
write_png (FILE *fp, const NnGreyImage *img, char *msg, size_t msg_len)
{
  PngErr err = { 0 };
  png_structp png = png_create_write_struct (PNG_LIBPNG_VER_STRING, &err, png_error_cb,
                                             png_warning_cb);
  png_infop info = png ? png_create_info_struct (png) : NULL;
  if (info == NULL)
    {
      png_destroy_write_struct (&png, NULL);
      g_strlcpy (msg, "out of memory for libpng", msg_len);
      return FALSE;
    }
  if (setjmp (err.jmp))
    {
      png_destroy_write_struct (&png, &info);
      g_strlcpy (msg, err.msg, msg_len);
      return FALSE;
    }
  png_init_io (png, fp);
  png_set_IHDR (png, info, (png_uint_32) img->width, (png_uint_32) img->height, 8,
                PNG_COLOR_TYPE_GRAY, PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT,
                PNG_FILTER_TYPE_DEFAULT);
  png_write_info (png, info);
  for (int y = 0; y < img->height; y++)
    png_write_row (png, img->pixels + (size_t) y * (size_t) img->width);
  png_write_end (png, NULL);
  png_destroy_write_struct (&png, &info);
  return TRUE;
}

gboolean
nn_grey_image_save_png (const NnGreyImage *img, const char *path, GError **error)
{
  g_return_val_if_fail (img != NULL && img->pixels != NULL, FALSE);
  g_return_val_if_fail (path != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  /* A temporary file in the same folder, renamed over the target only once
   * complete, so a failure never leaves a half-written PNG behind. */
  g_autofree char *tmp = g_strconcat (path, ".XXXXXX", NULL);
  int fd = g_mkstemp_full (tmp, O_WRONLY | O_CLOEXEC, 0644);
  if (fd < 0)
    {
      int saved = errno;
      g_set_error (error, NN_ERROR, NN_ERROR_IO, "Cannot write %s: %s", path, g_strerror (saved));
      return FALSE;
    }
  FILE *fp = fdopen (fd, "wb");
  if (fp == NULL)
    {
      int saved = errno;
      close (fd);
      g_unlink (tmp);
      g_set_error (error, NN_ERROR, NN_ERROR_IO, "Cannot write %s: %s", path, g_strerror (saved));
      return FALSE;
    }
  char msg[256] = "";
  gboolean ok = write_png (fp, img, msg, sizeof msg);
  int saved = errno;
  if (fclose (fp) != 0 && ok)
    {
      saved = errno;
      ok = FALSE;
      g_strlcpy (msg, g_strerror (saved), sizeof msg);
    }
  if (ok && rename (tmp, path) != 0)
    {
      saved = errno;
      ok = FALSE;
      g_strlcpy (msg, g_strerror (saved), sizeof msg);
    }
  if (!ok)
    {
      g_unlink (tmp);
      g_set_error (error, NN_ERROR, NN_ERROR_IO, "Cannot write %s: %s", path,
                   msg[0] ? msg : g_strerror (saved));
      return FALSE;
    }
  return TRUE;
}
