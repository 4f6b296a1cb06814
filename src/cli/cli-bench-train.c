#include <stdio.h>
#include "cli.h"

int
cli_bench_train (int argc, char **argv)
{
  fprintf (stderr, "digits-cli bench --train: not built yet\n");
  return 1;
}
