#include <stdio.h>
#include "cli.h"

int
cli_info (int argc, char **argv)
{
  fprintf (stderr, "digits-cli info: not built yet\n");
  return 1;
}
