#include <stdio.h>
#include "cli.h"

int
cli_robustness (int argc, char **argv)
{
  fprintf (stderr, "digits-cli robustness: not built yet\n");
  return 1;
}
