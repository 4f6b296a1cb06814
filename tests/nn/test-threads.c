/* test-threads.c: the engine's thread pool (nn-threads.c): every thread runs
 * each job once, the cross-thread sum is the same on every thread, and a thread
 * that cannot be started is an error rather than a pool that waits forever. */
#include <errno.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>
#include "nn-test-util.h"
#include "nn-threads.h"
#include "nn-zoo.h"

typedef struct {
  NnThreads *pool;
  int runs[NN_MAX_THREADS];
  double sums[NN_MAX_THREADS][3];
} Job;

static void
job (void *data, int tid)
{
  Job *j = data;
  j->runs[tid]++;
  double v[3] = { tid + 1, 10.0 * (tid + 1), -1.0 };
  nn_threads_sum (j->pool, tid, j->runs[tid] % 2, v, 3);
  memcpy (j->sums[tid], v, sizeof v);
}

static void
test_runs_and_sums (void)
{
  for (int n = 2; n <= NN_MAX_THREADS; n += 2)
    {
      g_autoptr (GError) error = NULL;
      Job j = { 0 };
      j.pool = nn_threads_new (n, 2, 3, &error);
      tap_ok (j.pool != NULL && error == NULL, "a pool of %d threads starts", n);
      if (j.pool == NULL)
        continue;
      tap_ok (nn_threads_count (j.pool) == n, "it has %d threads", n);
      gboolean all_ran = TRUE, sums_ok = TRUE;
      double want = n * (n + 1) / 2.0;
      for (int r = 0; r < 200; r++)
        {
          nn_threads_run (j.pool, job, &j);
          for (int t = 0; t < n; t++)
            {
              all_ran &= j.runs[t] == r + 1;
              sums_ok &= j.sums[t][0] == want && j.sums[t][1] == 10 * want && j.sums[t][2] == -n;
            }
        }
      tap_ok (all_ran, "200 jobs on %d threads: every thread ran each once", n);
      tap_ok (sums_ok, "every thread got the same, right sums");
      nn_threads_free (j.pool);
    }
}

/* The address space this process has mapped now, in bytes. */
static rlim_t
mapped_bytes (void)
{
  g_autofree char *status = NULL;
  if (!g_file_get_contents ("/proc/self/status", &status, NULL, NULL))
    return 0;
  const char *at = strstr (status, "VmSize:");
  return at ? (rlim_t) g_ascii_strtoull (at + 7, NULL, 10) * 1024 : 0;
}

/* In a child whose address space cannot hold one more thread stack, so that
 * pthread_create really fails: exits 0 when the pool reports it, 2 when it
 * starts anyway, 3 when it reports something else; a hang is killed by the
 * test's timeout. */
static int
child_without_room (int *errno_out)
{
  int fds[2];
  if (pipe (fds) != 0)
    return -1;
  pid_t pid = fork ();
  if (pid == 0)
    {
      close (fds[0]);
      /* Warm up what the failing path allocates, then leave 1 MiB: less than
       * one default thread stack. */
      g_autofree char *warm = g_strdup_printf ("%s", g_strerror (EAGAIN));
      (void) warm;
      rlim_t now = mapped_bytes ();
      struct rlimit lim = { now + (1 << 20), now + (1 << 20) };
      if (now == 0 || setrlimit (RLIMIT_AS, &lim) != 0)
        _exit (4);
      GError *error = NULL;
      NnThreads *p = nn_threads_new (4, 2, 16, &error);
      if (p != NULL)
        _exit (2);
      /* the message goes to the parent to show in the log */
      gboolean right = g_error_matches (error, NN_ERROR, NN_ERROR_SYSTEM)
                       && strstr (error->message, "cannot start engine thread") != NULL;
      ssize_t w = write (fds[1], error->message, strlen (error->message));
      (void) w;
      _exit (right ? 0 : 3);
    }
  close (fds[1]);
  char msg[256] = { 0 };
  ssize_t got = read (fds[0], msg, sizeof msg - 1);
  (void) got;
  close (fds[0]);
  int status = 0;
  waitpid (pid, &status, 0);
  printf ("# the child said: %s\n", msg);
  *errno_out = WIFEXITED (status) ? WEXITSTATUS (status) : 100 + WTERMSIG (status);
  return 0;
}

static void
test_failed_start (void)
{
  int code = -1;
  if (child_without_room (&code) != 0)
    {
      tap_ok (FALSE, "fork a child for the failed thread start");
      return;
    }
  if (code == 4)
    {
      printf ("ok %d - # SKIP cannot limit the address space here\n", ++tap_n);
      return;
    }
  tap_ok (code == 0, "a thread that cannot start is a GError naming it (child exit %d)", code);
}

int
main (void)
{
  /* First: glibc keeps the stacks of joined threads for new ones, and a child
   * would inherit them. */
  test_failed_start ();
  test_runs_and_sums ();
  return tap_done ();
}
