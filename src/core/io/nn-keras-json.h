/* nn-keras-json.h: JSON text as Python's json.dumps writes it, and a cheap scan that
 * bounds a text before json-glib parses it. The leaf of the .keras code: it uses
 * nothing else from src/core/io. */
#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* JSON writing in Python's json.dumps format: ", " and ": " separators, ASCII
 * only (\uXXXX escapes), floats in repr's shortest round-trip form. */
void nn_json_write_string (GString *s, const char *str);
void nn_json_write_double (GString *s, double v); /* shortest repr of a double */
void nn_json_write_float (GString *s, float v);   /* shortest repr that reads back as v */
void nn_json_write_node (GString *s, JsonNode *node);
/* Checks, before json-glib recurses into text and builds a node per value, that
 * it nests no deeper than max_depth and holds no more than max_values values. */
typedef enum {
  NN_JSON_OK,
  NN_JSON_TOO_DEEP,
  NN_JSON_TOO_MANY,
} NnJsonScan;
NnJsonScan nn_json_scan (const char *text, gsize len, int max_depth, guint64 max_values);

G_END_DECLS
