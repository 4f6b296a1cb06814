#include <stdio.h>
#include "cli.h"

int
cli_bench (int argc, char **argv)
{
  fprintf (stderr, "digits-cli bench: not built yet\n");
  return 1;
}
