/* digits-cli read MODEL IMAGE...: the number of several digits in each picture. */
#include <stdio.h>

#include <json-glib/json-glib.h>

#include "cli.h"
#include "cli-common.h"
#include "nn-error.h"
#include "nn-model-file.h"
#include "nn-number.h"

static void
add_reading (JsonBuilder *b, const char *file, const NnNumberReading *rd)
{
  g_autofree char *utf8 = cli_json_path (file);

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "file");
  json_builder_add_string_value (b, utf8);
  json_builder_set_member_name (b, "number");
  json_builder_add_string_value (b, rd->number);
  json_builder_set_member_name (b, "verdict");
  json_builder_add_string_value (b, nn_number_verdict_name (rd->verdict));
  json_builder_set_member_name (b, "digits");
  json_builder_begin_array (b);
  for (int i = 0; i < rd->n; i++)
    {
      const NnNumberDigit *d = &rd->digits[i];
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "digit");
      json_builder_add_int_value (b, d->digit);
      json_builder_set_member_name (b, "verdict");
      json_builder_add_string_value (b, nn_verdict_name (d->verdict));
      json_builder_set_member_name (b, "confidence");
      json_builder_add_double_value (b, d->confidence);
      json_builder_set_member_name (b, "box");
      json_builder_begin_array (b);
      json_builder_add_int_value (b, d->x);
      json_builder_add_int_value (b, d->y);
      json_builder_add_int_value (b, d->w);
      json_builder_add_int_value (b, d->h);
      json_builder_end_array (b);
      json_builder_set_member_name (b, "probabilities");
      json_builder_begin_array (b);
      for (int k = 0; k < 10; k++)
        json_builder_add_double_value (b, d->probs[k]);
      json_builder_end_array (b);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
  json_builder_end_object (b);
}

static void
add_error (JsonBuilder *b, const char *file, const char *message)
{
  g_autofree char *utf8 = cli_json_path (file);
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "file");
  json_builder_add_string_value (b, utf8);
  json_builder_set_member_name (b, "error");
  json_builder_add_string_value (b, message);
  json_builder_end_object (b);
}

/* The shipped file is as trusted as the program and read in-process; another
 * is read in the sandboxed reader. */
static gboolean
load_pieces (const char *path, gboolean shipped, NnNumberPieces **out)
{
  g_autoptr (GError) error = NULL;
  NnModel *model = NULL;

  if (!shipped)
    model = cli_load_model (path, 1);
  else if ((model = nn_model_file_load (path, TRUE, NULL, &error)) == NULL)
    cli_error_gerror (path, error);
  if (model == NULL)
    return FALSE;
  *out = nn_number_pieces_new (model, &error);
  if (*out == NULL)
    cli_error_gerror (path, error);
  return *out != NULL;
}

int
cli_read (int argc, char **argv)
{
  gboolean dark = FALSE, light = FALSE, json = FALSE, no_pieces = FALSE;
  g_autofree char *pieces_path = NULL;
  g_autoptr (NnModel) m = NULL;
  g_autoptr (NnNumberPieces) pieces = NULL;
  g_autoptr (JsonBuilder) builder = NULL;
  NnVerdictRule rule;
  NnWorkspace *ws;
  int status, failures = 0;
  const GOptionEntry entries[] = {
    { "dark", 0, 0, G_OPTION_ARG_NONE, &dark, "Light ink on a dark background (like MNIST)", NULL },
    { "light", 0, 0, G_OPTION_ARG_NONE, &light, "Dark ink on a light background (like paper)", NULL },
    { "json", 'j', 0, G_OPTION_ARG_NONE, &json, "Print the results as JSON", NULL },
    { "pieces", 0, 0, G_OPTION_ARG_FILENAME, &pieces_path,
      "Read each candidate digit in its place with this pieces model (default: the "
      "one installed with digits-cli, which misreads fewer touching digits)", "FILE" },
    { "no-pieces", 0, 0, G_OPTION_ARG_NONE, &no_pieces,
      "Read without a pieces model: faster, touching digits less well", NULL },
    { NULL },
  };

  if (!cli_parse_options ("read", "MODEL IMAGE…",
                          "Read the number of several digits in each PNG or JPEG image, left to "
                          "right: each digit with its box, confidence and verdict.",
                          entries, &argc, &argv, &status))
    return status;
  if (argc < 3)
    return cli_usage_error ("read", "a MODEL and at least one IMAGE are required");
  if (dark && light)
    return cli_usage_error ("read", "--dark and --light exclude each other");
  m = cli_load_model (argv[1], 1);
  if (m == NULL)
    return 1;
  if (m->n_classes != 10)
    return cli_error (argv[1], "the model has %d outputs; digit models have 10", m->n_classes);
  if (pieces_path != NULL && no_pieces)
    return cli_usage_error ("read", "--pieces and --no-pieces exclude each other");
  /* Unless --pieces names another, the shipped pieces model, when it is there. */
  const char *shipped = no_pieces || pieces_path != NULL
                        || !g_file_test (nn_number_pieces_shipped_path (), G_FILE_TEST_IS_REGULAR)
                          ? NULL : nn_number_pieces_shipped_path ();
  if ((pieces_path != NULL || shipped != NULL)
      && !load_pieces (shipped != NULL ? shipped : pieces_path, shipped != NULL, &pieces))
    return 1;
  const NnBackground background = dark    ? NN_BACKGROUND_DARK
                                  : light ? NN_BACKGROUND_LIGHT
                                          : NN_BACKGROUND_AUTO;
  nn_verdict_rule_from_model (m, &rule);
  ws = nn_workspace_new (m, NN_NUMBER_BATCH, NN_MODE_INFERENCE);
  if (json)
    {
      builder = json_builder_new ();
      json_builder_begin_array (builder);
    }

  for (int i = 2; i < argc; i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (NnGreyImage) img = nn_grey_image_load (argv[i], &error);
      NnNumberReading rd;

      if (img == NULL
          || !nn_number_read (m, ws, &rule, pieces, img->pixels, img->width, img->height,
                              img->width, background, &rd, &error))
        {
          cli_error_gerror (img == NULL ? argv[i] : argv[1], error);
          if (json)
            add_error (builder, argv[i], error->message);
          failures++;
          continue;
        }
      if (json)
        add_reading (builder, argv[i], &rd);
      else if (rd.verdict == NN_NUMBER_BLANK)
        cli_print ("%s: nothing drawn\n", argv[i]);
      else if (rd.verdict == NN_NUMBER_NOT_A_NUMBER)
        cli_print ("%s: not a number (best guess %s)\n", argv[i], rd.number);
      else
        cli_print ("%s: %s\n", argv[i], rd.number);
    }

  if (json)
    {
      cli_print_json_array (builder, TRUE);
    }
  nn_workspace_free (ws);
  nn_verdict_rule_clear (&rule);
  return failures > 0 ? 1 : 0;
}
