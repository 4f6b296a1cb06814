#include <stdio.h>
#include "cli.h"

int
cli_evaluate (int argc, char **argv)
{
  fprintf (stderr, "digits-cli evaluate: not built yet\n");
  return 1;
}
