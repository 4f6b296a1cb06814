/* nn-dataset.c: IDX files (plain or gzipped) and uint8 datasets.
 *
 * An IDX file is a big-endian header (magic, then one 32-bit count per
 * dimension) followed by the raw bytes. MNIST images are magic 0x00000803 with
 * dimensions (N, 28, 28), labels 0x00000801 with (N,).
 *
 * Headers are not trusted: a count is checked against the bytes the file can
 * actually hold before anything is allocated, so a hostile header claiming
 * four billion images is an error, not a 4 GB allocation.
 */
#include "nn-dataset.h"
#include "nn-error.h"
#include "nn-mnist-location.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#define IDX_MAGIC_LABELS 0x00000801u
#define IDX_MAGIC_IMAGES 0x00000803u

/* Deflate cannot expand data by more than about 1032:1, so a gzip file of
 * S bytes holds at most this many uncompressed bytes. */
#define GZIP_MAX_RATIO 1032

/* MNIST has 70,000 images, EMNIST 814,255: a million (784 MB) is the most a set
 * may hold. A 1 MB gzip file of blank images declared 1.3 million and took 993 MB. */
#define IDX_MAX_ITEMS 1000000u

/* One IDX file, read either straight from the descriptor or through zlib. */
typedef struct {
  const char *path;
  int fd;
  gzFile gz;        /* NULL for a plain file */
  guint64 size;     /* on-disk size in bytes */
  guint64 consumed; /* bytes handed out so far (uncompressed) */
} IdxStream;

static gboolean
idx_stream_open (IdxStream *s, const char *path, GError **error)
{
  memset (s, 0, sizeof *s);
  s->path = path;
  s->fd = open (path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (s->fd < 0)
    {
      int saved = errno;
      g_set_error (error, NN_ERROR, NN_ERROR_IO, "Cannot open %s: %s", path, g_strerror (saved));
      return FALSE;
    }
  struct stat st;
  if (fstat (s->fd, &st) != 0 || !S_ISREG (st.st_mode))
    {
      g_set_error (error, NN_ERROR, NN_ERROR_IO, "%s: not a regular file", path);
      close (s->fd);
      return FALSE;
    }
  /* O_NONBLOCK only kept open() from hanging on a FIFO; reads should block. */
  fcntl (s->fd, F_SETFL, fcntl (s->fd, F_GETFL) & ~O_NONBLOCK);
  s->size = (guint64) st.st_size;

  /* Gzip is recognised by its magic bytes, whatever the file is called. */
  guint8 magic[2] = { 0, 0 };
  ssize_t got = pread (s->fd, magic, 2, 0);
  if (got == 2 && magic[0] == 0x1f && magic[1] == 0x8b)
    {
      int fd2 = dup (s->fd);
      s->gz = fd2 >= 0 ? gzdopen (fd2, "rb") : NULL;
      if (s->gz == NULL)
        {
          if (fd2 >= 0)
            close (fd2);
          g_set_error (error, NN_ERROR, NN_ERROR_IO, "%s: cannot start gzip decompression", path);
          close (s->fd);
          return FALSE;
        }
      gzbuffer (s->gz, 256 * 1024);
    }
  return TRUE;
}

static void
idx_stream_close (IdxStream *s)
{
  if (s->gz)
    gzclose (s->gz);
  if (s->fd >= 0)
    close (s->fd);
  s->gz = NULL;
  s->fd = -1;
}

/* Reads up to len bytes; returns how many were read (short only at the end of
 * the data), or -1 with error set. */
static gint64
idx_stream_read (IdxStream *s, void *buf, guint64 len, GError **error)
{
  guint64 done = 0;
  while (done < len)
    {
      guint64 want = MIN (len - done, (guint64) 1 << 30);
      gint64 got;
      if (s->gz)
        {
          got = gzread (s->gz, (char *) buf + done, (unsigned) want);
          if (got < 0)
            {
              int errnum = 0;
              const char *msg = gzerror (s->gz, &errnum);
              g_set_error (error, NN_ERROR, NN_ERROR_FORMAT, "%s: corrupt gzip data (%s)",
                           s->path, msg ? msg : "unknown error");
              return -1;
            }
        }
      else
        {
          got = read (s->fd, (char *) buf + done, want);
          if (got < 0 && errno == EINTR)
            continue;
          if (got < 0)
            {
              int saved = errno;
              g_set_error (error, NN_ERROR, NN_ERROR_IO, "Cannot read %s: %s", s->path,
                           g_strerror (saved));
              return -1;
            }
        }
      if (got == 0)
        break;
      done += (guint64) got;
    }
  s->consumed += done;
  return (gint64) done;
}

/* The ISIZE field of the gzip trailer: the last four bytes, little-endian. A file
 * of several gzip members has only the last one's there, which cannot agree with a
 * count; nobody writes IDX files that way. */
static gboolean
gzip_trailer_size (const IdxStream *s, guint32 *isize)
{
  guint8 b[4];
  if (s->size < 18 || pread (s->fd, b, 4, (off_t) s->size - 4) != 4)
    return FALSE;
  *isize = (guint32) b[0] | (guint32) b[1] << 8 | (guint32) b[2] << 16 | (guint32) b[3] << 24;
  return TRUE;
}

static guint32
read_be32 (const guint8 *p)
{
  return ((guint32) p[0] << 24) | ((guint32) p[1] << 16) | ((guint32) p[2] << 8) | p[3];
}

/* Reads one IDX file of the expected magic. dims receives the counts (rank
 * given by the magic's low byte). Returns the data (g_free) of exactly
 * product(dims) bytes. */
static guint8 *
idx_read (const char *path, guint32 want_magic, const char *kind, guint32 *dims, GError **error)
{
  IdxStream s;
  if (!idx_stream_open (&s, path, error))
    return NULL;

  int rank = (int) (want_magic & 0xff);
  guint8 header[4 + 4 * 3];
  guint64 header_len = 4 + 4 * (guint64) rank;
  guint8 *data = NULL;
  gint64 got = idx_stream_read (&s, header, 4, error);
  if (got < 0)
    goto fail;
  if (got < 4)
    {
      g_set_error (error, NN_ERROR, NN_ERROR_FORMAT,
                   got == 0 && s.size == 0 ? "%s: empty file, not an IDX %s file"
                                           : "%s: truncated IDX header (not an IDX %s file)",
                   path, kind);
      goto fail;
    }
  guint32 magic = read_be32 (header);
  if (magic != want_magic)
    {
      g_set_error (error, NN_ERROR, NN_ERROR_FORMAT,
                   "%s: not an IDX %s file (magic number 0x%08x, expected 0x%08x)",
                   path, kind, magic, want_magic);
      goto fail;
    }
  got = idx_stream_read (&s, header + 4, header_len - 4, error);
  if (got < 0)
    goto fail;
  if ((guint64) got < header_len - 4)
    {
      g_set_error (error, NN_ERROR, NN_ERROR_FORMAT, "%s: truncated IDX header", path);
      goto fail;
    }

  for (int i = 0; i < rank; i++)
    dims[i] = read_be32 (header + 4 + 4 * i);
  if (dims[0] == 0)
    {
      g_set_error (error, NN_ERROR, NN_ERROR_FORMAT, "%s: the IDX file holds no %s", path, kind);
      goto fail;
    }
  if (rank == 3 && (dims[1] != NN_IMAGE_SIDE || dims[2] != NN_IMAGE_SIDE))
    {
      g_set_error (error, NN_ERROR, NN_ERROR_FORMAT,
                   "%s: images are %u x %u pixels (rows x columns), expected %d x %d", path, dims[1], dims[2],
                   NN_IMAGE_SIDE, NN_IMAGE_SIDE);
      goto fail;
    }

  if (dims[0] > IDX_MAX_ITEMS)
    {
      g_set_error (error, NN_ERROR, NN_ERROR_FORMAT, "%s: the header claims %u %s; at "
                   "most %u are supported", path, dims[0], kind, IDX_MAX_ITEMS);
      goto fail;
    }
  guint64 total = (guint64) dims[0] * (rank == 3 ? NN_IMAGE_PIXELS : 1);

  /* What the file can hold, from its size on disk, before any allocation. */
  guint64 capacity = s.gz ? s.size * GZIP_MAX_RATIO : s.size - header_len;
  if (total > capacity || dims[0] > G_MAXINT32)
    {
      g_set_error (error, NN_ERROR, NN_ERROR_FORMAT,
                   "%s: the header claims %u %s (%" G_GUINT64_FORMAT " bytes), "
                   "but the file %s only %" G_GUINT64_FORMAT " data bytes: truncated, "
                   "or an absurd count", path, dims[0], kind, total,
                   s.gz ? "can hold" : "has", capacity);
      goto fail;
    }

  /* gzip's trailer holds the uncompressed size (modulo 4 GiB): a header whose
   * count does not agree is refused before anything is allocated. */
  guint32 isize = 0;
  if (s.gz && gzip_trailer_size (&s, &isize) && isize != (guint32) (header_len + total))
    {
      if (isize < header_len + total)
        g_set_error (error, NN_ERROR, NN_ERROR_FORMAT, "%s: truncated: the header claims %u "
                     "%s (%" G_GUINT64_FORMAT " bytes with the header), but the gzip data "
                     "holds %u bytes", path, dims[0], kind, header_len + total, isize);
      else
        g_set_error (error, NN_ERROR, NN_ERROR_FORMAT, "%s: the gzip trailer gives %u bytes, "
                     "more data than the header's %u %s need (%" G_GUINT64_FORMAT "): a "
                     "wrong count, or a truncated file", path, isize, dims[0], kind,
                     header_len + total);
      goto fail;
    }

  if (s.gz)
    {
      /* The uncompressed size is unknown until the end: grow the buffer as data
       * really arrives, so a lying header costs no more memory than the file. */
      guint64 have = 0, alloc = MIN (total, (guint64) 1 << 20);
      data = g_try_malloc (MAX (alloc, 1));
      for (; data != NULL;)
        {
          got = idx_stream_read (&s, data + have, alloc - have, error);
          if (got < 0)
            goto fail;
          have += (guint64) got;
          if (have < alloc || alloc == total)
            break;
          alloc = MIN (total, alloc * 2);
          guint8 *bigger = g_try_realloc (data, alloc);
          if (bigger == NULL)
            g_clear_pointer (&data, g_free);
          data = bigger;
        }
      if (data == NULL)
        goto out_of_memory;
      if (have < total)
        {
          g_set_error (error, NN_ERROR, NN_ERROR_FORMAT,
                       "%s: truncated: the header claims %u %s (%" G_GUINT64_FORMAT " bytes) "
                       "but the data ends after %" G_GUINT64_FORMAT " bytes",
                       path, dims[0], kind, total, have);
          goto fail;
        }
    }
  else
    {
      data = g_try_malloc (MAX (total, 1));
      if (data == NULL)
        goto out_of_memory;
      got = idx_stream_read (&s, data, total, error);
      if (got < 0)
        goto fail;
      if ((guint64) got < total)
        {
          g_set_error (error, NN_ERROR, NN_ERROR_FORMAT, "%s: truncated: %" G_GUINT64_FORMAT
                       " of %" G_GUINT64_FORMAT " data bytes present", path, (guint64) got, total);
          goto fail;
        }
    }

  /* Trailing bytes mean the header's count is not the file's. */
  guint8 extra;
  got = idx_stream_read (&s, &extra, 1, error);
  if (got < 0)
    goto fail;
  if (got > 0)
    {
      g_set_error (error, NN_ERROR, NN_ERROR_FORMAT,
                   "%s: more data than the header's %u %s (wrong count?)", path, dims[0], kind);
      goto fail;
    }
  idx_stream_close (&s);
  return data;

out_of_memory:
  g_set_error (error, NN_ERROR, NN_ERROR_IO, "%s: not enough memory for %u %s", path, dims[0],
               kind);
fail:
  g_free (data);
  idx_stream_close (&s);
  return NULL;
}

NnDataset *
nn_idx_load (const char *images_path, const char *labels_path, GError **error)
{
  g_return_val_if_fail (images_path != NULL, NULL);
  g_return_val_if_fail (labels_path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  guint32 idims[3], ldims[1];
  guint8 *images = idx_read (images_path, IDX_MAGIC_IMAGES, "images", idims, error);
  if (images == NULL)
    return NULL;
  guint8 *labels = idx_read (labels_path, IDX_MAGIC_LABELS, "labels", ldims, error);
  if (labels == NULL)
    {
      g_free (images);
      return NULL;
    }
  if (idims[0] != ldims[0])
    {
      g_set_error (error, NN_ERROR, NN_ERROR_FORMAT,
                   "%s has %u labels but %s has %u images", labels_path, ldims[0],
                   images_path, idims[0]);
      goto fail;
    }
  for (guint32 i = 0; i < ldims[0]; i++)
    if (labels[i] > 9)
      {
        g_set_error (error, NN_ERROR, NN_ERROR_FORMAT,
                     "%s: label %u of image %u is not a digit 0..9", labels_path, labels[i], i);
        goto fail;
      }

  NnDataset *ds = g_new0 (NnDataset, 1);
  ds->n = (int) idims[0];
  ds->images = images;
  ds->labels = labels;
  return ds;

fail:
  g_free (images);
  g_free (labels);
  return NULL;
}

/* dir/name, or dir/name.gz when only that exists; NULL with error when neither. */
static char *
find_idx_file (const char *dir, const char *name, GError **error)
{
  char *path = g_build_filename (dir, name, NULL);
  if (g_file_test (path, G_FILE_TEST_EXISTS))
    return path;
  char *gz = g_strconcat (path, ".gz", NULL);
  if (g_file_test (gz, G_FILE_TEST_EXISTS))
    {
      g_free (path);
      return gz;
    }
  g_set_error (error, NN_ERROR, NN_ERROR_IO,
               "MNIST file %s (or %s) not found", path, gz);
  g_free (path);
  g_free (gz);
  return NULL;
}

NnDataset *
nn_mnist_load (const char *dir, NnMnistSplit split, GError **error)
{
  g_return_val_if_fail (split == NN_MNIST_TRAIN || split == NN_MNIST_TEST, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  g_autofree char *found = NULL;
  if (dir == NULL && (dir = found = nn_mnist_find (NULL, error)) == NULL)
    return NULL;
  const char *prefix = split == NN_MNIST_TRAIN ? "train" : "t10k";
  g_autofree char *iname = g_strconcat (prefix, "-images-idx3-ubyte", NULL);
  g_autofree char *lname = g_strconcat (prefix, "-labels-idx1-ubyte", NULL);
  g_autofree char *ipath = find_idx_file (dir, iname, error);
  if (ipath == NULL)
    return NULL;
  g_autofree char *lpath = find_idx_file (dir, lname, error);
  if (lpath == NULL)
    return NULL;
  return nn_idx_load (ipath, lpath, error);
}

NnDataset *
nn_dataset_new (int n)
{
  g_return_val_if_fail (n >= 0, NULL);
  NnDataset *ds = g_new0 (NnDataset, 1);
  ds->n = n;
  ds->images = g_malloc0 ((gsize) MAX (n, 1) * NN_IMAGE_PIXELS);
  ds->labels = g_malloc0 ((gsize) MAX (n, 1));
  return ds;
}

void
nn_dataset_free (NnDataset *ds)
{
  if (ds == NULL)
    return;
  if (ds->paths)
    for (int i = 0; i < ds->n; i++)
      g_free (ds->paths[i]);
  g_free (ds->paths);
  g_free (ds->images);
  g_free (ds->labels);
  g_free (ds);
}

/* x / 255 exactly as Keras's `x.astype("float32") / 255.0` computes it. */
static const float *
byte_to_unit_table (void)
{
  static float table[256];
  static gsize ready = 0;
  if (g_once_init_enter (&ready))
    {
      for (int i = 0; i < 256; i++)
        table[i] = (float) i / 255.0f;
      g_once_init_leave (&ready, 1);
    }
  return table;
}

static inline void
convert_image (const guint8 *src, float *dst, const float *table)
{
  for (int i = 0; i < NN_IMAGE_PIXELS; i++)
    dst[i] = table[src[i]];
}

void
nn_dataset_get_batch (const NnDataset *ds, int start, int count, float *out)
{
  g_return_if_fail (ds != NULL && out != NULL);
  g_return_if_fail (start >= 0 && count >= 0 && start <= ds->n - count);

  const float *table = byte_to_unit_table ();
  const guint8 *src = ds->images + (gsize) start * NN_IMAGE_PIXELS;
  gsize len = (gsize) count * NN_IMAGE_PIXELS; // (count, 28, 28, 1)
  for (gsize i = 0; i < len; i++)
    out[i] = table[src[i]];
}

void
nn_dataset_gather (const NnDataset *ds, const int *indices, int count, float *out,
                   guint8 *labels_out)
{
  g_return_if_fail (ds != NULL && (indices != NULL || count == 0) && count >= 0);

  const float *table = byte_to_unit_table ();
  for (int i = 0; i < count; i++)
    {
      int k = indices[i];
      g_return_if_fail (k >= 0 && k < ds->n);
      if (out)
        convert_image (ds->images + (gsize) k * NN_IMAGE_PIXELS,
                       out + (gsize) i * NN_IMAGE_PIXELS, table); // (count, 28, 28, 1)
      if (labels_out)
        labels_out[i] = ds->labels[k];
    }
}

NnDataset *
nn_dataset_slice (const NnDataset *ds, int start, int count)
{
  g_return_val_if_fail (ds != NULL, NULL);
  g_return_val_if_fail (start >= 0 && count >= 0 && start <= ds->n - count, NULL);

  NnDataset *out = nn_dataset_new (count);
  memcpy (out->images, ds->images + (gsize) start * NN_IMAGE_PIXELS,
          (gsize) count * NN_IMAGE_PIXELS);
  memcpy (out->labels, ds->labels + start, (gsize) count);
  if (ds->paths)
    {
      out->paths = g_new0 (char *, (gsize) count + 1);
      for (int i = 0; i < count; i++)
        out->paths[i] = g_strdup (ds->paths[start + i]);
    }
  return out;
}
