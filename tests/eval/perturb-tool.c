/* perturb-tool KIND SEVERITY H W: reads H*W float32 from stdin, applies one
 * perturbation, writes H*W float32 to stdout. Lets test-perturb-scipy.py compare
 * nn-perturb.c with scipy.ndimage and OpenCV on the same arrays. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <glib.h>

#include "nn-perturb.h"

int
main (int argc, char **argv)
{
  NnPerturbation p = { NN_PERTURB_N_KINDS, 0 };
  float *in, *out;
  size_t n;
  int h, w;

  if (argc != 5)
    {
      fprintf (stderr, "usage: perturb-tool KIND SEVERITY H W\n");
      return 2;
    }
  for (int k = 0; k < NN_PERTURB_N_KINDS; k++)
    if (strcmp (argv[1], nn_perturb_kind_name (k)) == 0)
      p.kind = k;
  p.severity = g_ascii_strtod (argv[2], NULL);
  h = atoi (argv[3]);
  w = atoi (argv[4]);
  if (p.kind == NN_PERTURB_N_KINDS || h <= 0 || w <= 0)
    {
      fprintf (stderr, "perturb-tool: bad arguments\n");
      return 2;
    }
  n = (size_t) h * w;
  in = g_new (float, n);
  out = g_new (float, n);
  if (fread (in, sizeof (float), n, stdin) != n)
    {
      fprintf (stderr, "perturb-tool: short input\n");
      return 1;
    }
  nn_perturbation_apply (&p, out, in, h, w, 1);
  fwrite (out, sizeof (float), n, stdout);
  g_free (in);
  g_free (out);
  return 0;
}
