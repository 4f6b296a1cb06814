/* reader-stub.c: a digits-model-reader that misbehaves on purpose, for
 * test-keras-isolated. Usage: reader-stub MODE DISPLAY_NAME < FILE
 *   crash     dies of SIGSEGV          hang      never answers
 *   cpu       dies of SIGXCPU          nomem     exits as the reader does out of memory
 *   oversize  announces a 4 GB config  garbage   answers in another protocol
 *   trailing  sends the real model, then more bytes
 *   silent    exits 0 without a word */
#include <signal.h>
#include <string.h>
#include <unistd.h>
#include <glib.h>
#include "nn-keras.h"
#include "nn-keras-isolated.h"

static void
die_of (int sig)
{
  /* Without this, AddressSanitizer's handler would turn SIGSEGV into exit status 1. */
  signal (sig, SIG_DFL);
  raise (sig);
}

int
main (int argc, char **argv)
{
  if (argc != 3)
    return 2;
  const char *mode = argv[1];
  if (strcmp (mode, "crash") == 0)
    die_of (SIGSEGV);
  else if (strcmp (mode, "cpu") == 0)
    die_of (SIGXCPU);
  else if (strcmp (mode, "hang") == 0)
    for (;;)
      pause ();
  else if (strcmp (mode, "nomem") == 0)
    _exit (NN_KERAS_READER_EXIT_NOMEM);
  else if (strcmp (mode, "oversize") == 0)
    {
      static const guint32 reply[] = { 0x524b4744 /* "DGKR" */, 1, 0, 0xfffffff0u };
      if (write (1, reply, sizeof reply) != sizeof reply)
        _exit (4);
      for (;;)
        pause ();
    }
  else if (strcmp (mode, "garbage") == 0)
    {
      static const char reply[] = "HTTP/1.1 200 OK\r\n\r\n";
      _exit (write (1, reply, sizeof reply) == sizeof reply ? 0 : 4);
    }
  else if (strcmp (mode, "trailing") == 0)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (NnKerasInfo) info = NULL;
      NnModel *m = nn_keras_load_fd (0, argv[2], &info, &error);
      if (m == NULL || !nn_keras_reply_write_model (1, argv[2], m, info, &error))
        _exit (4);
      _exit (write (1, "!", 1) == 1 ? 0 : 4);
    }
  else if (strcmp (mode, "silent") == 0)
    _exit (0);
  return 2;
}
