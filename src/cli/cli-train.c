#include <stdio.h>
#include "cli.h"

int
cli_train (int argc, char **argv)
{
  fprintf (stderr, "digits-cli train: not built yet\n");
  return 1;
}
