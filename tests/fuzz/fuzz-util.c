/* fuzz-util.c: memory files, fixed inputs from the source tree, stored zips. */
#include "fuzz-util.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <zip.h>
#include <zlib.h>

#define N_SLOTS 4

const char *
fuzz_memfd_path (int slot, const void *data, size_t len)
{
  static int fds[N_SLOTS] = { -1, -1, -1, -1 };
  static char paths[N_SLOTS][64];
  g_assert (slot >= 0 && slot < N_SLOTS);
  if (fds[slot] < 0)
    {
      fds[slot] = memfd_create ("digits-fuzz", MFD_CLOEXEC);
      if (fds[slot] < 0)
        g_error ("memfd_create: %s", g_strerror (errno));
      g_snprintf (paths[slot], sizeof paths[slot], "/proc/self/fd/%d", fds[slot]);
    }
  /* Shrink to nothing first: a shorter input must not keep the last one's tail. */
  if (ftruncate (fds[slot], 0) != 0)
    g_error ("ftruncate: %s", g_strerror (errno));
  size_t done = 0;
  while (done < len)
    {
      ssize_t n = pwrite (fds[slot], (const char *) data + done, len - done, (off_t) done);
      if (n <= 0)
        g_error ("pwrite to a memfd: %s", g_strerror (errno));
      done += (size_t) n;
    }
  return paths[slot];
}

const char *
fuzz_source_dir (void)
{
  const char *dir = g_getenv ("DIGITS_SOURCE_DIR");
  return dir && *dir ? dir : FUZZ_SOURCE_DIR;
}

static void
put16 (GByteArray *b, guint v)
{
  guint8 p[2] = { v & 0xff, (v >> 8) & 0xff };
  g_byte_array_append (b, p, 2);
}

static void
put32 (GByteArray *b, guint32 v)
{
  guint8 p[4] = { v & 0xff, (v >> 8) & 0xff, (v >> 16) & 0xff, v >> 24 };
  g_byte_array_append (b, p, 4);
}

/* Local headers and data, then the central directory and its end record: what
 * Python's zipfile writes for ZIP_STORED, without extra fields. */
guint8 *
fuzz_zip_stored (int n, const char *const *names, const guint8 *const *data,
                 const size_t *lens, size_t *out_len)
{
  GByteArray *b = g_byte_array_new ();
  guint32 *offsets = g_new (guint32, n), *crcs = g_new (guint32, n);
  for (int i = 0; i < n; i++)
    {
      size_t nl = strlen (names[i]);
      offsets[i] = b->len;
      crcs[i] = (guint32) crc32 (crc32 (0, NULL, 0), data[i], (uInt) lens[i]);
      put32 (b, 0x04034b50);
      put16 (b, 20); put16 (b, 0); put16 (b, 0);     /* version, flags, stored */
      put16 (b, 0); put16 (b, 0x21);                 /* time, date: 1980-01-01 */
      put32 (b, crcs[i]); put32 (b, (guint32) lens[i]); put32 (b, (guint32) lens[i]);
      put16 (b, (guint) nl); put16 (b, 0);
      g_byte_array_append (b, (const guint8 *) names[i], (guint) nl);
      g_byte_array_append (b, data[i], (guint) lens[i]);
    }
  guint32 cd = b->len;
  for (int i = 0; i < n; i++)
    {
      size_t nl = strlen (names[i]);
      put32 (b, 0x02014b50);
      put16 (b, (3 << 8) | 20); put16 (b, 20); put16 (b, 0); put16 (b, 0);
      put16 (b, 0); put16 (b, 0x21);
      put32 (b, crcs[i]); put32 (b, (guint32) lens[i]); put32 (b, (guint32) lens[i]);
      put16 (b, (guint) nl); put16 (b, 0); put16 (b, 0); put16 (b, 0); put16 (b, 0);
      put32 (b, 0600u << 16); put32 (b, offsets[i]);
      g_byte_array_append (b, (const guint8 *) names[i], (guint) nl);
    }
  guint32 cd_len = b->len - cd;
  put32 (b, 0x06054b50);
  put16 (b, 0); put16 (b, 0); put16 (b, (guint) n); put16 (b, (guint) n);
  put32 (b, cd_len); put32 (b, cd); put16 (b, 0);
  g_free (offsets);
  g_free (crcs);
  *out_len = b->len;
  return g_byte_array_free (b, FALSE);
}

guint8 *
fuzz_zip_entry (const char *zip_path, const char *name, size_t *len)
{
  int zerr = 0;
  zip_t *za = zip_open (zip_path, ZIP_RDONLY, &zerr);
  if (za == NULL)
    g_error ("cannot open %s (libzip error %d)", zip_path, zerr);
  zip_stat_t st;
  zip_stat_init (&st);
  zip_file_t *zf = NULL;
  if (zip_stat (za, name, 0, &st) < 0 || (zf = zip_fopen (za, name, 0)) == NULL)
    g_error ("%s has no %s", zip_path, name);
  guint8 *buf = g_malloc (st.size + 1);
  if (zip_fread (zf, buf, st.size) != (zip_int64_t) st.size)
    g_error ("cannot read %s from %s", name, zip_path);
  buf[st.size] = 0;
  zip_fclose (zf);
  zip_discard (za);
  *len = st.size;
  return buf;
}

void
fuzz_report (const char *what, const GError *error)
{
  if (g_getenv ("FUZZ_VERBOSE"))
    fprintf (stderr, "%s: %s\n", what, error ? error->message : "ok");
}
