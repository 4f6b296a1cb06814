/* digits-model-reader: reads one .keras file for a program that must not trust it.
 *
 *   digits-model-reader DISPLAY_NAME  < FILE  > REPLY
 *   digits-model-reader --check-sandbox         (prints the limits and what is refused)
 *
 * The parent (nn_keras_load_isolated) opens the file and hands it over as stdin, so
 * the reader opens no file of its own; the reply protocol is in nn-keras-isolated.h.
 * Before it reads a byte it limits itself: memory, CPU time, no file writes, few file
 * descriptors, no core dumps and, with libseccomp, a filter that refuses opening or
 * creating files, sockets, exec, fork and signals to other processes. A crash in
 * libhdf5, libzip or json-glib then ends this process only.
 *
 * Exit status: 0 model sent, 1 error sent, 2 usage, 3 out of memory
 * (NN_KERAS_READER_EXIT_NOMEM).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>
#include <glib.h>
#include <hdf5.h>
#include <json-glib/json-glib.h>
#include "nn-keras.h"
#include "nn-keras-isolated.h"
#ifdef HAVE_SECCOMP
#include <seccomp.h>
#endif

/* AddressSanitizer and ThreadSanitizer reserve terabytes of address space: no
 * RLIMIT_AS under them. */
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define UNDER_SANITIZER 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define UNDER_SANITIZER 1
#endif
#endif

#define MAX_FDS 16

/* GLib aborts when an allocation fails; say "out of memory" by the exit status instead,
 * so the parent can tell the user what happened. */
static GLogWriterOutput
log_writer (GLogLevelFlags level, const GLogField *fields, gsize n_fields, gpointer data)
{
  if (level & G_LOG_LEVEL_ERROR)
    for (gsize i = 0; i < n_fields; i++)
      if (strcmp (fields[i].key, "MESSAGE") == 0 && fields[i].length < 0
          && strstr (fields[i].value, "allocat") != NULL)
        {
          static const char note[] = "digits-model-reader: out of memory\n";
          if (write (2, note, sizeof note - 1) < 0)
            _exit (NN_KERAS_READER_EXIT_NOMEM);
          _exit (NN_KERAS_READER_EXIT_NOMEM);
        }
  return g_log_writer_standard_streams (level, fields, n_fields, data);
}

static void
lower_limit (int resource, rlim_t soft, rlim_t hard)
{
  struct rlimit now, want = { soft, hard };
  /* Only ever lower: a parent's stricter limit stays. */
  if (getrlimit (resource, &now) == 0)
    {
      if (now.rlim_max != RLIM_INFINITY && now.rlim_max < want.rlim_max)
        want.rlim_max = now.rlim_max;
      want.rlim_cur = MIN (want.rlim_cur, want.rlim_max);
      if (now.rlim_cur != RLIM_INFINITY && now.rlim_cur < want.rlim_cur)
        want.rlim_cur = now.rlim_cur;
    }
  setrlimit (resource, &want);
}

static void
set_limits (void)
{
#ifndef UNDER_SANITIZER
  rlim_t mem = (rlim_t) NN_KERAS_READER_MEMORY_MB << 20;
  lower_limit (RLIMIT_AS, mem, mem);
#endif
  /* SIGXCPU at the soft limit, SIGKILL a second later if that is caught. */
  lower_limit (RLIMIT_CPU, NN_KERAS_READER_CPU_S, NN_KERAS_READER_CPU_S + 1);
  lower_limit (RLIMIT_FSIZE, 0, 0);
  lower_limit (RLIMIT_NOFILE, MAX_FDS, MAX_FDS);
  lower_limit (RLIMIT_CORE, 0, 0);
}

#ifdef HAVE_SECCOMP
/* Refused with EACCES; everything else stays allowed, so that the C library,
 * GLib and HDF5 keep working (a list of what to allow would break with their
 * next version, or under the sanitizers). */
static const char *const refused[] = {
  /* files: opening, creating, changing */
  "open", "openat", "openat2", "creat", "open_by_handle_at", "name_to_handle_at",
  "mknod", "mknodat", "mkdir", "mkdirat", "rmdir", "unlink", "unlinkat", "rename",
  "renameat", "renameat2", "link", "linkat", "symlink", "symlinkat", "truncate",
  "chmod", "fchmod", "fchmodat", "chown", "fchown", "lchown", "fchownat", "utime",
  "utimes", "utimensat", "futimesat", "setxattr", "lsetxattr", "fsetxattr",
  "removexattr", "lremovexattr", "fremovexattr",
  /* io_uring can open files without the calls above */
  "io_uring_setup", "io_uring_enter", "io_uring_register",
  /* network */
  "socket", "socketpair", "connect", "bind", "listen", "accept", "accept4",
  /* other programs and processes */
  "execve", "execveat", "fork", "vfork", "ptrace", "process_vm_readv", "process_vm_writev",
  "tkill", "pidfd_open", "pidfd_send_signal",
  /* the kernel's larger surfaces */
  "mount", "umount2", "chroot", "pivot_root", "unshare", "setns", "bpf", "perf_event_open",
  "userfaultfd", "keyctl", "add_key", "request_key",
};

static gboolean
sandbox (void)
{
  scmp_filter_ctx ctx = seccomp_init (SCMP_ACT_ALLOW);
  if (ctx == NULL)
    return FALSE;
  gboolean ok = TRUE;
  for (gsize i = 0; i < G_N_ELEMENTS (refused); i++)
    {
      int nr = seccomp_syscall_resolve_name (refused[i]);
      if (nr != __NR_SCMP_ERROR)
        ok = seccomp_rule_add (ctx, SCMP_ACT_ERRNO (EACCES), nr, 0) == 0 && ok;
    }
  /* Signals to this process only (abort() raises SIGABRT through tgkill). */
  scmp_datum_t self = (scmp_datum_t) getpid ();
  ok = seccomp_rule_add (ctx, SCMP_ACT_ERRNO (EPERM), SCMP_SYS (kill), 1,
                         SCMP_A0 (SCMP_CMP_NE, self)) == 0 && ok;
  ok = seccomp_rule_add (ctx, SCMP_ACT_ERRNO (EPERM), SCMP_SYS (tgkill), 1,
                         SCMP_A0 (SCMP_CMP_NE, self)) == 0 && ok;
  ok = seccomp_rule_add (ctx, SCMP_ACT_ERRNO (EPERM), SCMP_SYS (rt_sigqueueinfo), 1,
                         SCMP_A0 (SCMP_CMP_NE, self)) == 0 && ok;
  ok = seccomp_rule_add (ctx, SCMP_ACT_ERRNO (EPERM), SCMP_SYS (rt_tgsigqueueinfo), 1,
                         SCMP_A0 (SCMP_CMP_NE, self)) == 0 && ok;
  ok = ok && seccomp_load (ctx) == 0;
  seccomp_release (ctx);
  return ok;
}
#else
static gboolean
sandbox (void)
{
  return FALSE;
}
#endif

/* Everything that might open a file once, before the filter refuses it. */
static void
prepare (void)
{
  /* No HDF5 filter plugins: a file must not make HDF5 load code. */
  g_setenv ("HDF5_PLUGIN_PRELOAD", "::", TRUE);
  H5open ();
  g_object_unref (json_parser_new_immutable ());
  (void) g_get_charset (NULL);
  (void) g_strerror (ENOENT);
  g_log_set_writer_func (log_writer, NULL, NULL);
}

static int
check_sandbox (gboolean filtered)
{
  struct rlimit as, cpu, nofile;
  getrlimit (RLIMIT_AS, &as);
  getrlimit (RLIMIT_CPU, &cpu);
  getrlimit (RLIMIT_NOFILE, &nofile);
  if (as.rlim_cur == RLIM_INFINITY)
    printf ("memory: unlimited\n");
  else
    printf ("memory: %lu MB\n", (unsigned long) (as.rlim_cur >> 20));
  printf ("cpu: %lu s\nfiles: %lu\nseccomp: %s\n", (unsigned long) cpu.rlim_cur,
          (unsigned long) nofile.rlim_cur, filtered ? "on" : "off");
  int fd = open ("/", O_RDONLY | O_CLOEXEC);
  int open_errno = errno;
  int sock = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  int sock_errno = errno;
  printf ("open: %s\n", fd < 0 ? g_strerror (open_errno) : "allowed");
  printf ("socket: %s\n", sock < 0 ? g_strerror (sock_errno) : "allowed");
  return filtered && fd < 0 && sock < 0 ? 0 : 1;
}

int
main (int argc, char **argv)
{
  if (argc != 2)
    {
      fprintf (stderr, "usage: %s DISPLAY_NAME < FILE.keras > REPLY\n"
               "       %s --check-sandbox\n", argv[0], argv[0]);
      return 2;
    }
  /* The reader has no use once its parent is gone. */
  prctl (PR_SET_PDEATHSIG, SIGKILL);
  prepare ();
  set_limits ();
  gboolean filtered = sandbox ();
  if (strcmp (argv[1], "--check-sandbox") == 0)
    {
      int status = check_sandbox (filtered);
      fflush (stdout);
      _exit (status); /* as below */
    }

  GError *error = NULL;
  NnKerasInfo *info = NULL;
  NnModel *m = nn_keras_load_fd (0, argv[1], &info, &error);
  gboolean ok = m != NULL && nn_keras_reply_write_model (1, argv[1], m, info, &error);
  if (!ok)
    nn_keras_reply_write_error (1, error);
  /* _exit: nothing to flush, and no exit-time leak check (LeakSanitizer would need
   * the very calls the filter refuses). */
  _exit (ok ? 0 : 1);
}
