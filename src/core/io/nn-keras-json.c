/* nn-keras-json.c: JSON text as Python's json.dumps writes it, so that the files
 * we write read like the ones Keras writes, byte for byte where the values agree;
 * and nn_json_scan, which bounds a text's depth and size before json-glib parses it. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "nn-keras-json.h"

void
nn_json_write_string (GString *s, const char *str)
{
  g_string_append_c (s, '"');
  for (const char *p = str; *p;)
    {
      gunichar c = g_utf8_get_char_validated (p, -1);
      if (c == (gunichar) -1 || c == (gunichar) -2)
        {
          /* Not UTF-8: escape the byte as Latin-1 rather than write invalid JSON. */
          g_string_append_printf (s, "\\u%04x", (guchar) *p);
          p++;
          continue;
        }
      p = g_utf8_next_char (p);
      switch (c)
        {
        case '"': g_string_append (s, "\\\""); break;
        case '\\': g_string_append (s, "\\\\"); break;
        case '\n': g_string_append (s, "\\n"); break;
        case '\r': g_string_append (s, "\\r"); break;
        case '\t': g_string_append (s, "\\t"); break;
        case '\b': g_string_append (s, "\\b"); break;
        case '\f': g_string_append (s, "\\f"); break;
        default:
          if (c < 0x20 || (c >= 0x7f && c < 0x10000))
            g_string_append_printf (s, "\\u%04x", c);
          else if (c >= 0x10000)
            {
              /* json.dumps (ensure_ascii) writes a surrogate pair. */
              gunichar v = c - 0x10000;
              g_string_append_printf (s, "\\u%04x\\u%04x", 0xd800 + (v >> 10), 0xdc00 + (v & 0x3ff));
            }
          else
            g_string_append_c (s, (char) c);
        }
    }
  g_string_append_c (s, '"');
}

/* Python's float repr: the shortest digits that read back, then 'r' formatting:
 * scientific when the exponent is < -4 or >= 16, else positional with ".0". */
static void
write_repr (GString *s, double v, int digits)
{
  char buf[64];
  snprintf (buf, sizeof buf, "%.*e", digits - 1, v);
  /* buf: [-]d.ddde[+-]XX */
  char *e = strchr (buf, 'e');
  int exp10 = atoi (e + 1);
  *e = '\0';
  GString *mant = g_string_new (NULL);
  gboolean neg = buf[0] == '-';
  for (const char *p = buf + neg; *p; p++)
    if (*p != '.')
      g_string_append_c (mant, *p);
  while (mant->len > 1 && mant->str[mant->len - 1] == '0')
    g_string_truncate (mant, mant->len - 1);
  if (neg)
    g_string_append_c (s, '-');
  int nd = (int) mant->len;
  if (exp10 < -4 || exp10 >= 16)
    {
      g_string_append_c (s, mant->str[0]);
      if (nd > 1)
        {
          g_string_append_c (s, '.');
          g_string_append (s, mant->str + 1);
        }
      g_string_append_printf (s, "e%c%02d", exp10 < 0 ? '-' : '+', ABS (exp10));
    }
  else if (exp10 < 0)
    {
      g_string_append (s, "0.");
      for (int i = 0; i < -exp10 - 1; i++)
        g_string_append_c (s, '0');
      g_string_append (s, mant->str);
    }
  else
    {
      for (int i = 0; i <= exp10; i++)
        g_string_append_c (s, i < nd ? mant->str[i] : '0');
      g_string_append_c (s, '.');
      if (nd > exp10 + 1)
        g_string_append (s, mant->str + exp10 + 1);
      else
        g_string_append_c (s, '0');
    }
  g_string_free (mant, TRUE);
}

static void
write_special (GString *s, double v)
{
  /* json.dumps writes these non-standard literals; we never should, but stay total. */
  if (isnan (v))
    g_string_append (s, "NaN");
  else
    g_string_append (s, v > 0 ? "Infinity" : "-Infinity");
}

void
nn_json_write_double (GString *s, double v)
{
  if (!isfinite (v))
    return write_special (s, v);
  if (v == 0)
    {
      g_string_append (s, signbit (v) ? "-0.0" : "0.0");
      return;
    }
  char buf[64];
  for (int digits = 1; digits <= 17; digits++)
    {
      snprintf (buf, sizeof buf, "%.*e", digits - 1, v);
      if (strtod (buf, NULL) == v)
        return write_repr (s, v, digits);
    }
  write_repr (s, v, 17);
}

void
nn_json_write_float (GString *s, float v)
{
  if (!isfinite (v))
    return write_special (s, v);
  if (v == 0)
    {
      g_string_append (s, signbit (v) ? "-0.0" : "0.0");
      return;
    }
  char buf[64];
  for (int digits = 1; digits <= 9; digits++)
    {
      snprintf (buf, sizeof buf, "%.*e", digits - 1, (double) v);
      if (strtof (buf, NULL) == v)
        return write_repr (s, strtod (buf, NULL), digits);
    }
  nn_json_write_double (s, v);
}

void
nn_json_write_node (GString *s, JsonNode *node)
{
  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    {
      g_string_append (s, "null");
      return;
    }
  switch (JSON_NODE_TYPE (node))
    {
    case JSON_NODE_OBJECT:
      {
        JsonObjectIter it;
        const char *key;
        JsonNode *member;
        gboolean first = TRUE;
        g_string_append_c (s, '{');
        json_object_iter_init_ordered (&it, json_node_get_object (node));
        while (json_object_iter_next_ordered (&it, &key, &member))
          {
            if (!first)
              g_string_append (s, ", ");
            first = FALSE;
            nn_json_write_string (s, key);
            g_string_append (s, ": ");
            nn_json_write_node (s, member);
          }
        g_string_append_c (s, '}');
        break;
      }
    case JSON_NODE_ARRAY:
      {
        JsonArray *a = json_node_get_array (node);
        g_string_append_c (s, '[');
        for (guint i = 0; i < json_array_get_length (a); i++)
          {
            if (i)
              g_string_append (s, ", ");
            nn_json_write_node (s, json_array_get_element (a, i));
          }
        g_string_append_c (s, ']');
        break;
      }
    case JSON_NODE_VALUE:
      switch (json_node_get_value_type (node))
        {
        case G_TYPE_INT64:
          g_string_append_printf (s, "%" G_GINT64_FORMAT, json_node_get_int (node));
          break;
        case G_TYPE_DOUBLE:
          nn_json_write_double (s, json_node_get_double (node));
          break;
        case G_TYPE_BOOLEAN:
          g_string_append (s, json_node_get_boolean (node) ? "true" : "false");
          break;
        case G_TYPE_STRING:
          nn_json_write_string (s, json_node_get_string (node));
          break;
        default:
          g_string_append (s, "null");
        }
      break;
    default:
      g_string_append (s, "null");
    }
}

NnJsonScan
nn_json_scan (const char *text, gsize len, int max_depth, guint64 max_values)
{
  /* Every value but the first in a container follows a comma, and every container
   * opens with a bracket: their count bounds the nodes json-glib would build (a
   * 63 MB config of "{}," built 21 million of them, 6.4 GB, before this check). */
  int depth = 0;
  guint64 values = 1;
  gboolean in_string = FALSE;
  for (gsize i = 0; i < len; i++)
    {
      char c = text[i];
      if (in_string)
        {
          if (c == '\\')
            i++;
          else if (c == '"')
            in_string = FALSE;
          continue;
        }
      if (c == '"')
        in_string = TRUE;
      else if (c == '[' || c == '{')
        {
          if (++depth > max_depth)
            return NN_JSON_TOO_DEEP;
          values++;
        }
      else if (c == ']' || c == '}')
        depth--;
      else if (c == ',')
        values++;
      if (values > max_values)
        return NN_JSON_TOO_MANY;
    }
  return NN_JSON_OK;
}
