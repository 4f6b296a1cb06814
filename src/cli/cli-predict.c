#include <stdio.h>
#include "cli.h"

int
cli_predict (int argc, char **argv)
{
  fprintf (stderr, "digits-cli predict: not built yet\n");
  return 1;
}
