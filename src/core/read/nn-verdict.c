/* nn-verdict.c: digit, not a digit, or blank (see nn-verdict.h for the rule). */
#include "nn-verdict.h"
#include "nn-error.h"
#include "nn-image.h"
#include "nn-negatives.h"
#include "nn-matmul.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define PIECE_LEVEL 0.3f   /* field values above this are ink for the pieces */
#define PIECE_MIN 4        /* pixels: smaller bits are anti-aliasing crumbs */
#define FIT_BATCH 256
#define LOGPROB_FLOOR -30.0f  /* the detector's log-probabilities stop here */
/* Feature spaces wider than this are not used: the detector's weights for them
 * (or a rule's class centres) would not fit the 256 KB Keras metadata.json the
 * readers accept (a 784-pixel baseline has none). */
#define SPACE_MAX_DIM 256
/* How the fit shares the rejection budget among the checks. The detector sees
 * the input checks' features too; the hard checks stay for the extremes it has
 * no negatives for. The shares sum to 0.7, not 1: the detector's threshold comes
 * from the validation split, and other writers' digits score higher (at 0.9 the
 * cnn model refused 1.22% of the MNIST test digits for a 1% budget; with the
 * negatives below, 1.23% at 0.8 and 1.07% at 0.7; with the field's edges among
 * the detector's inputs, 1.02% at 0.7 and 0.91% at 0.6). */
#define INK_HIGH_SHARE 0.02
#define INK_LOW_SHARE 0.02
#define PIECES_SHARE 0.02
#define LARGEST_SHARE 0.02
#define HOLES_SHARE 0.02
#define DETECTOR_SHARE 0.6
/* The detector's fit: the validation split (the last images, as the recipes hold
 * out) sets its threshold; negatives from seeds of its own (verdict-bench and the
 * tests draw others). */
#define VALIDATION_IMAGES 6000
#define FIT_SEED 20261203u
#define FIT_NEGATIVES_PER_KIND 3000
#define FIT_DRAWN (FIT_NEGATIVES_PER_KIND * NN_NEGATIVE_N_KINDS)
/* More of the two kinds hardest to tell from digits, letters and scribbles, half
 * each: 24 letters and marks share the letter kind's draws. verdict-bench's font
 * letters, advanced model, 32 hidden units: 84.8% flagged without these, 89.8%
 * with 3,000 more letters; its scribbles, which fell from 91.6% to 89.3% as the
 * detector learnt the pairs below, came back to 91.8% with these. */
#define FIT_MORE 6000
/* Touching pairs of the fit's own digits, which a reader of numbers must cut
 * (verdict-bench's pairs of test digits, advanced model: 72.7% flagged without,
 * 87.6% with 3,000 pairs, 90.7% with 6,000, half of them holding a 1). */
#define FIT_PAIRS 6000
#define FIT_ALL_NEGATIVES (FIT_DRAWN + FIT_MORE + FIT_PAIRS)
#define NEG_SIDE 96
/* 48 hidden units, 30 epochs: with all the negatives above and the default 1%
 * budget, the advanced model's detector flagged 89.1% of verdict-bench's font
 * letters and 91.8% of its scribbles with 32 units, 91.8% and 91.1% with 48; the
 * cnn's 89.8% and 96.6% with 32 (refusing 1.14% of the MNIST test digits at a
 * 0.92% budget), 91.5% and 96.2% with 48 (refusing 0.92% at 1%). */
#define FIT_EPOCHS 30
#define FIT_RATE 0.01
#define FIT_L2 1e-4
#define DETECTOR_HIDDEN 48
#define DETECTOR_MAX_HIDDEN 64

static const char *const verdict_names[] = { "digit", "not-a-digit", "blank" };

const char *
nn_verdict_name (NnVerdict verdict)
{
  return verdict <= NN_VERDICT_BLANK ? verdict_names[verdict] : "?";
}

/* Flood fill of one piece from pixel start; returns its ink mass, counts pixels. */
static double
fill_piece (const float *x, guint8 *seen, int start, int *n_pixels)
{
  int stack[NN_IMAGE_PIXELS], top = 0;
  double mass = 0;

  *n_pixels = 0;
  stack[top++] = start;
  seen[start] = 1;
  while (top > 0)
    {
      int p = stack[--top], py = p / NN_IMAGE_SIDE, px = p % NN_IMAGE_SIDE;
      mass += x[p];
      (*n_pixels)++;
      for (int dy = -1; dy <= 1; dy++)
        for (int dx = -1; dx <= 1; dx++)
          {
            int qy = py + dy, qx = px + dx, q = qy * NN_IMAGE_SIDE + qx;
            if (qy < 0 || qy >= NN_IMAGE_SIDE || qx < 0 || qx >= NN_IMAGE_SIDE)
              continue;
            if (!seen[q] && x[q] > PIECE_LEVEL)
              {
                seen[q] = 1;
                stack[top++] = q;
              }
          }
    }
  return mass;
}

void
nn_verdict_rule_clear (NnVerdictRule *rule)
{
  g_clear_pointer (&rule->centres, g_free);
  g_clear_pointer (&rule->scale, g_free);
  g_clear_pointer (&rule->weights, g_free);
  rule->dim = 0;
}

int
nn_verdict_feature_layer (const NnModel *m)
{
  const NnLayer *out = &m->layers[m->output];
  return out->n_inputs == 1 ? out->inputs[0] : -1;
}

static double
space_distance (const NnVerdictRule *rule, const float *feat)
{
  double best = INFINITY;
  for (int c = 0; c < rule->n_classes; c++)
    {
      const float *mu = rule->centres + (size_t) c * rule->dim;
      double d = 0;
      for (int j = 0; j < rule->dim; j++)
        {
          double z = (feat[j] - mu[j]) * rule->scale[j];
          d += z * z;
        }
      best = MIN (best, d);
    }
  return sqrt (best / rule->dim);
}

/* Background regions (4-connected, <= PIECE_LEVEL) that do not reach the border. */
static int
count_holes (const float *x)
{
  guint8 seen[NN_IMAGE_PIXELS] = { 0 };
  int stack[NN_IMAGE_PIXELS], holes = 0;

  for (int i = 0; i < NN_IMAGE_PIXELS; i++)
    {
      int top = 0, size = 0;
      gboolean border = FALSE;
      if (seen[i] || x[i] > PIECE_LEVEL)
        continue;
      stack[top++] = i;
      seen[i] = 1;
      while (top > 0)
        {
          int p = stack[--top], py = p / NN_IMAGE_SIDE, px = p % NN_IMAGE_SIDE;
          static const int d[4][2] = { { 1, 0 }, { -1, 0 }, { 0, 1 }, { 0, -1 } };
          size++;
          border |= py == 0 || px == 0 || py == NN_IMAGE_SIDE - 1 || px == NN_IMAGE_SIDE - 1;
          for (int k = 0; k < 4; k++)
            {
              int qy = py + d[k][0], qx = px + d[k][1], q = qy * NN_IMAGE_SIDE + qx;
              if (qy < 0 || qy >= NN_IMAGE_SIDE || qx < 0 || qx >= NN_IMAGE_SIDE)
                continue;
              if (!seen[q] && x[q] <= PIECE_LEVEL)
                {
                  seen[q] = 1;
                  stack[top++] = q;
                }
            }
        }
      if (!border && size >= 2)
        holes++;
    }
  return holes;
}

/* The detector's inputs beyond the feature space (NN_VERDICT_EXTRA_INPUTS). */
static void
extra_inputs (const NnVerdictFeatures *f, const float *logits, int n_classes, float *z)
{
  float lp[NN_VERDICT_EXTRA_INPUTS];
  int k = MIN (n_classes, 10);

  /* The ten largest log-probabilities, largest first, floored where a model with
   * fewer classes has none. */
  for (int i = 0; i < 10; i++)
    lp[i] = LOGPROB_FLOOR;
  for (int c = 0; c < n_classes; c++)
    {
      float v = MAX ((float) (logits[c] - f->energy), LOGPROB_FLOOR);
      int i = k - 1;
      if (v <= lp[i])
        continue;
      while (i > 0 && lp[i - 1] < v)
        {
          lp[i] = lp[i - 1];
          i--;
        }
      lp[i] = v;
    }
  memcpy (z, lp, 10 * sizeof *z);
  z[10] = (float) f->energy;
  z[11] = (float) f->ink;
  z[12] = (float) f->pieces;
  z[13] = (float) f->largest;
  z[14] = (float) f->holes;
}

/* The field's 2 x 2 means, row by row (NN_VERDICT_PIXEL_INPUTS values). */
static void
pool_field (const float *x, float *z)
{
  for (int y = 0; y < 14; y++)
    for (int c = 0; c < 14; c++)
      z[y * 14 + c] = 0.25f * (x[2 * y * 28 + 2 * c] + x[2 * y * 28 + 2 * c + 1]
                               + x[(2 * y + 1) * 28 + 2 * c] + x[(2 * y + 1) * 28 + 2 * c + 1]);
}

/* How much edge of each direction each 4 x 4 cell of the field holds: 7 x 7
 * cells, 4 directions (0, 45, 90 and 135 degrees, a stroke's two sides alike),
 * each Sobel gradient shared between its two nearest directions by its angle
 * (NN_VERDICT_EDGE_INPUTS values, cell by cell). They are scaled to sum to
 * NN_VERDICT_EDGE_INPUTS, so that a thick pen and a thin one give alike. */
static void
edge_field (const float *x, float *z)
{
  enum { SIDE = 28, PAD = SIDE + 2 };
  float p[PAD * PAD] = { 0 }; /* the field with a blank border */
  double total = 0;

  for (int y = 0; y < SIDE; y++)
    memcpy (p + (y + 1) * PAD + 1, x + y * SIDE, SIDE * sizeof *p);
  memset (z, 0, NN_VERDICT_EDGE_INPUTS * sizeof *z);
  for (int y = 0; y < SIDE; y++)
    for (int c = 0; c < SIDE; c++)
      {
        const float *up = p + y * PAD + c, *mid = up + PAD, *down = mid + PAD;
        float gx = up[2] + 2 * mid[2] + down[2] - up[0] - 2 * mid[0] - down[0];
        float gy = down[0] + 2 * down[1] + down[2] - up[0] - 2 * up[1] - up[2];
        float magnitude = sqrtf (gx * gx + gy * gy);
        if (magnitude < 1e-6f)
          continue;
        /* The angle folded into [0, pi), in steps of 45 degrees. */
        float angle = atan2f (gy, gx);
        float t = (angle < 0 ? angle + (float) G_PI : angle) / (float) (G_PI / 4);
        int lo = (int) t;
        float share = t - (float) lo;
        float *cell = z + ((y / 4) * 7 + c / 4) * 4;
        cell[lo % 4] += magnitude * (1 - share);
        cell[(lo + 1) % 4] += magnitude * share;
        total += magnitude;
      }
  if (total > 0)
    for (int i = 0; i < NN_VERDICT_EDGE_INPUTS; i++)
      z[i] *= (float) (NN_VERDICT_EDGE_INPUTS / total);
}

/* The field's own inputs to the detector: pooled, then its edges; returns how many. */
static int
field_inputs (int pixels, int edges, const float *x, float *z)
{
  if (pixels > 0)
    pool_field (x, z);
  if (edges > 0)
    edge_field (x, z + pixels);
  return pixels + edges;
}

/* The detector's inputs: feature space, pooled field, its edges, extra inputs. */
static int
detector_inputs (const NnVerdictRule *rule)
{
  return rule->dim + rule->pixels + rule->edges + NN_VERDICT_EXTRA_INPUTS;
}

/* Weights the detector keeps: w per input without a hidden layer; with one,
 * (hidden, inputs) weights, hidden biases and hidden output weights. */
static int
detector_size (int inputs, int hidden)
{
  return hidden > 0 ? hidden * (inputs + 2) : inputs;
}

/* z: the field's inputs (rule->pixels + rule->edges values) then the extra inputs. */
static double
detector_score (const NnVerdictRule *rule, const float *feat, const float *z)
{
  int w = detector_inputs (rule), rest = w - rule->dim;
  double s = rule->bias;

  for (int h = 0; h < MAX (rule->hidden, 1); h++)
    {
      const float *row = rule->weights + (size_t) h * w;
      double a = rule->hidden > 0 ? rule->weights[(size_t) rule->hidden * w + h] : 0;
      for (int j = 0; j < rule->dim; j++)
        a += row[j] * feat[j];
      for (int j = 0; j < rest; j++)
        a += row[rule->dim + j] * z[j];
      if (rule->hidden == 0)
        return s + a;
      s += rule->weights[(size_t) rule->hidden * (w + 1) + h] * MAX (a, 0);
    }
  return s;
}

void
nn_verdict_features (const NnVerdictRule *rule, const float *x, const float *logits,
                     int n_classes, const float *feat, NnVerdictFeatures *out)
{
  gboolean space = rule != NULL && rule->dim > 0 && feat != NULL;
  out->distance = space && rule->centres != NULL ? space_distance (rule, feat) : 0;

  guint8 seen[NN_IMAGE_PIXELS] = { 0 };
  double total = 0, piece_total = 0, largest = 0, top = -INFINITY, sum = 0;

  for (int i = 0; i < NN_IMAGE_PIXELS; i++)
    total += x[i];
  out->ink = total / NN_IMAGE_PIXELS;
  out->pieces = 0;
  for (int i = 0; i < NN_IMAGE_PIXELS; i++)
    if (!seen[i] && x[i] > PIECE_LEVEL)
      {
        int n;
        double mass = fill_piece (x, seen, i, &n);
        if (n < PIECE_MIN)
          continue;
        out->pieces++;
        piece_total += mass;
        largest = MAX (largest, mass);
      }
  out->largest = piece_total > 0 ? largest / piece_total : 0;
  out->holes = count_holes (x);

  for (int k = 0; k < n_classes; k++)
    top = MAX (top, logits[k]);
  for (int k = 0; k < n_classes; k++)
    sum += exp (logits[k] - top);
  out->energy = top + log (sum);
  out->max_prob = 1.0 / sum;

  out->score = 0;
  if (rule != NULL && rule->weights != NULL && (rule->dim == 0 || feat != NULL))
    {
      float z[NN_VERDICT_PIXEL_INPUTS + NN_VERDICT_EDGE_INPUTS + NN_VERDICT_EXTRA_INPUTS];
      int field = field_inputs (rule->pixels, rule->edges, x, z);
      extra_inputs (out, logits, n_classes, z + field);
      out->score = detector_score (rule, feat, z);
    }
}

NnVerdict
nn_verdict_judge (const NnVerdictRule *rule, const NnVerdictFeatures *f)
{
  if (f->ink > rule->max_ink || f->ink < rule->min_ink || f->pieces > rule->max_pieces
      || f->largest < rule->min_largest || f->holes > rule->max_holes || f->energy < rule->min_energy
      || f->max_prob < rule->min_prob
      || (rule->centres != NULL && f->distance > rule->max_distance)
      || (rule->weights != NULL && f->score > rule->max_score))
    return NN_VERDICT_NOT_A_DIGIT;
  return NN_VERDICT_DIGIT;
}

void
nn_verdict_rule_default (NnVerdictRule *rule)
{
  /* Wider than any fitted rule: the 99.9th percentiles of MNIST training images
   * are about 0.33 ink, 2 pieces, the largest holding 0.7 of the ink. */
  *rule = (NnVerdictRule){
    .max_ink = 0.40, .min_ink = 0.02, .max_pieces = 3, .min_largest = 0.6, .max_holes = 3,
    .min_energy = -INFINITY, .min_prob = 0.5, .max_distance = INFINITY,
  };
}

static const struct {
  const char *key;
  size_t offset;
  gboolean is_int;
} rule_keys[] = {
  { "verdict_max_ink", G_STRUCT_OFFSET (NnVerdictRule, max_ink), FALSE },
  { "verdict_min_ink", G_STRUCT_OFFSET (NnVerdictRule, min_ink), FALSE },
  { "verdict_max_pieces", G_STRUCT_OFFSET (NnVerdictRule, max_pieces), TRUE },
  { "verdict_min_largest", G_STRUCT_OFFSET (NnVerdictRule, min_largest), FALSE },
  { "verdict_max_holes", G_STRUCT_OFFSET (NnVerdictRule, max_holes), TRUE },
  { "verdict_min_energy", G_STRUCT_OFFSET (NnVerdictRule, min_energy), FALSE },
  { "verdict_min_prob", G_STRUCT_OFFSET (NnVerdictRule, min_prob), FALSE },
  { "verdict_max_distance", G_STRUCT_OFFSET (NnVerdictRule, max_distance), FALSE },
};


/* "v,v,...": exactly n finite numbers, or NULL. */
static float *
parse_floats (const char *text, int n)
{
  g_autofree float *out = g_new (float, n);
  const char *p = text;
  for (int i = 0; i < n; i++)
    {
      char *end = NULL;
      double d = g_ascii_strtod (p, &end);
      if (end == p || !isfinite (d) || (*end != (i + 1 < n ? ',' : '\0')))
        return NULL;
      out[i] = (float) d;
      p = end + 1;
    }
  return g_steal_pointer (&out);
}

static char *
format_floats (const float *v, int n)
{
  GString *s = g_string_new (NULL);
  for (int i = 0; i < n; i++)
    {
      char buf[G_ASCII_DTOSTR_BUF_SIZE];
      g_string_append (s, g_ascii_formatd (buf, sizeof buf, "%.6g", v[i]));
      if (i + 1 < n)
        g_string_append_c (s, ',');
    }
  return g_string_free (s, FALSE);
}

/* The feature space of the stored rule, checked against the model's shapes, with
 * its class centres and scales (the distance check) and the detector, each
 * optional. */
static gboolean
space_from_model (const NnModel *m, NnVerdictRule *r)
{
  const char *dim_text = g_hash_table_lookup (m->metadata, "verdict_dim");
  const char *centres = g_hash_table_lookup (m->metadata, "verdict_centres");
  const char *scale = g_hash_table_lookup (m->metadata, "verdict_scale");
  const char *weights = g_hash_table_lookup (m->metadata, "verdict_detector");
  const char *bias = g_hash_table_lookup (m->metadata, "verdict_detector_bias");
  const char *max_score = g_hash_table_lookup (m->metadata, "verdict_max_score");
  const char *hidden = g_hash_table_lookup (m->metadata, "verdict_detector_hidden");
  const char *pixels = g_hash_table_lookup (m->metadata, "verdict_detector_pixels");
  const char *edges = g_hash_table_lookup (m->metadata, "verdict_detector_edges");
  int layer = nn_verdict_feature_layer (m);
  gint64 dim = 0, n_hidden = 0;

  r->dim = 0, r->centres = NULL, r->scale = NULL, r->weights = NULL, r->hidden = 0, r->pixels = 0;
  r->edges = 0;
  r->n_classes = m->n_classes;
  if (dim_text != NULL
      && (!g_ascii_string_to_signed (dim_text, 10, 1, SPACE_MAX_DIM, &dim, NULL) || layer < 0
          || nn_shape_size (m->layers[layer].out_shape) != (size_t) dim))
    return FALSE;
  r->dim = (int) dim;
  if (centres != NULL || scale != NULL)
    {
      if (dim == 0 || centres == NULL || scale == NULL
          || (r->centres = parse_floats (centres, (int) dim * m->n_classes)) == NULL
          || (r->scale = parse_floats (scale, (int) dim)) == NULL)
        goto fail;
    }
  if (weights != NULL || bias != NULL || max_score != NULL)
    {
      g_autofree float *b = NULL, *t = NULL;
      if (pixels != NULL && g_strcmp0 (pixels, G_STRINGIFY (NN_VERDICT_PIXEL_INPUTS)) != 0)
        goto fail;
      r->pixels = pixels != NULL ? NN_VERDICT_PIXEL_INPUTS : 0;
      if (edges != NULL && g_strcmp0 (edges, G_STRINGIFY (NN_VERDICT_EDGE_INPUTS)) != 0)
        goto fail;
      r->edges = edges != NULL ? NN_VERDICT_EDGE_INPUTS : 0;
      if (weights == NULL || bias == NULL || max_score == NULL
          || (hidden != NULL
              && !g_ascii_string_to_signed (hidden, 10, 0, DETECTOR_MAX_HIDDEN, &n_hidden, NULL))
          || (r->weights = parse_floats (weights, detector_size (detector_inputs (r),
                                                                 (int) n_hidden))) == NULL
          || (b = parse_floats (bias, 1)) == NULL || (t = parse_floats (max_score, 1)) == NULL)
        goto fail;
      r->bias = b[0];
      r->max_score = t[0];
      r->hidden = (int) n_hidden;
    }
  if (dim > 0 && r->centres == NULL && r->weights == NULL)
    goto fail; /* a feature space with nothing to read it */
  return TRUE;

fail:
  nn_verdict_rule_clear (r);
  return FALSE;
}

gboolean
nn_verdict_rule_from_model (const NnModel *m, NnVerdictRule *rule)
{
  NnVerdictRule r = { 0 };

  nn_verdict_rule_default (rule);
  if (m->metadata == NULL)
    return FALSE;
  for (size_t i = 0; i < G_N_ELEMENTS (rule_keys); i++)
    {
      const char *v = g_hash_table_lookup (m->metadata, rule_keys[i].key);
      char *end = NULL;
      double d;
      if (v == NULL)
        return FALSE;
      d = g_ascii_strtod (v, &end);
      if (end == v || *end != '\0' || !isfinite (d) || fabs (d) > 1e6)
        return FALSE;
      if (rule_keys[i].is_int)
        G_STRUCT_MEMBER (int, &r, rule_keys[i].offset) = (int) d;
      else
        G_STRUCT_MEMBER (double, &r, rule_keys[i].offset) = d;
    }
  if (!space_from_model (m, &r))
    return FALSE;
  *rule = r;
  return TRUE;
}

/* Takes value; NULL removes the key. */
static void
store_or_remove (NnModel *m, const char *key, char *value)
{
  if (value != NULL)
    g_hash_table_insert (m->metadata, g_strdup (key), value);
  else
    g_hash_table_remove (m->metadata, key);
}

void
nn_verdict_rule_store (NnModel *m, const NnVerdictRule *rule)
{
  if (m->metadata == NULL)
    m->metadata = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  for (size_t i = 0; i < G_N_ELEMENTS (rule_keys); i++)
    {
      char buf[G_ASCII_DTOSTR_BUF_SIZE];
      double d = rule_keys[i].is_int ? G_STRUCT_MEMBER (int, rule, rule_keys[i].offset)
                                     : G_STRUCT_MEMBER (double, rule, rule_keys[i].offset);
      /* A check that is off is stored at a value no picture passes beyond. */
      if (!isfinite (d))
        d = d < 0 ? -1e6 : 1e6;
      g_ascii_formatd (buf, sizeof buf, "%.6g", d);
      g_hash_table_insert (m->metadata, g_strdup (rule_keys[i].key), g_strdup (buf));
    }
  store_or_remove (m, "verdict_dim", rule->dim > 0 ? g_strdup_printf ("%d", rule->dim) : NULL);
  store_or_remove (m, "verdict_centres", rule->centres != NULL
                   ? format_floats (rule->centres, rule->dim * rule->n_classes) : NULL);
  store_or_remove (m, "verdict_scale", rule->centres != NULL
                   ? format_floats (rule->scale, rule->dim) : NULL);
  if (rule->weights != NULL)
    {
      float b = (float) rule->bias, t = (float) rule->max_score;
      store_or_remove (m, "verdict_detector",
                       format_floats (rule->weights, detector_size (detector_inputs (rule),
                                                                    rule->hidden)));
      store_or_remove (m, "verdict_detector_pixels",
                       rule->pixels > 0 ? g_strdup_printf ("%d", rule->pixels) : NULL);
      store_or_remove (m, "verdict_detector_edges",
                       rule->edges > 0 ? g_strdup_printf ("%d", rule->edges) : NULL);
      store_or_remove (m, "verdict_detector_hidden",
                       rule->hidden > 0 ? g_strdup_printf ("%d", rule->hidden) : NULL);
      store_or_remove (m, "verdict_detector_bias", format_floats (&b, 1));
      store_or_remove (m, "verdict_max_score", format_floats (&t, 1));
    }
  else
    {
      store_or_remove (m, "verdict_detector", NULL);
      store_or_remove (m, "verdict_detector_hidden", NULL);
      store_or_remove (m, "verdict_detector_pixels", NULL);
      store_or_remove (m, "verdict_detector_edges", NULL);
      store_or_remove (m, "verdict_detector_bias", NULL);
      store_or_remove (m, "verdict_max_score", NULL);
    }
}

static int
cmp_double (const void *a, const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;
  return (x > y) - (x < y);
}

/* The value below which a share q of the sorted values lie. */
static double
quantile (const double *sorted, int n, double q)
{
  int i = (int) floor (q * n);
  return sorted[CLAMP (i, 0, n - 1)];
}

/* Rows of detector inputs, [feature space (dim) | pooled field (pixels) | its
 * edges (edges) | extra inputs], one per picture. */
typedef struct {
  int dim, pixels, edges, width, n;
  float *z;
} Rows;

typedef struct {
  Rows *rows;
  const float *x, *logits, *feats;
  int b, first, n_classes;
  NnVerdictFeatures *f;
} RowsJob;

static void
rows_job (void *data, int tid, int nt)
{
  RowsJob *job = data;
  Rows *rows = job->rows;

  for (int i = tid; i < job->b; i += nt)
    {
      NnVerdictFeatures one;
      const float *x = job->x + (size_t) i * NN_IMAGE_PIXELS;
      const float *logits = job->logits + (size_t) i * job->n_classes;
      float *z = rows->z + (size_t) (job->first + i) * rows->width;
      nn_verdict_features (NULL, x, logits, job->n_classes, NULL, &one);
      if (rows->dim > 0)
        memcpy (z, job->feats + (size_t) i * rows->dim, rows->dim * sizeof *z);
      int field = field_inputs (rows->pixels, rows->edges, x, z + rows->dim);
      extra_inputs (&one, logits, job->n_classes, z + rows->dim + field);
      if (job->f != NULL)
        job->f[i] = one;
    }
}

/* Runs the model on b fields x and appends their rows; f gets each field's
 * features (may be NULL). Each picture's row is its own, so the threads share
 * the pictures out. */
static void
rows_add (Rows *rows, NnModel *m, NnWorkspace *ws, int layer, const float *x, int b,
          NnVerdictFeatures *f)
{
  RowsJob job = { .rows = rows, .x = x, .b = b, .first = rows->n, .n_classes = m->n_classes,
                  .f = f };

  job.logits = nn_model_forward_logits (m, ws, x, b);
  job.feats = rows->dim > 0 ? nn_workspace_layer_output (ws, layer) : NULL;
  nn_workspace_share_out (ws, rows_job, &job);
  rows->n += b;
}

/* Negatives [first, first + count) in the order kind by kind within each seed,
 * rendered and preprocessed into x by the threads; ok says which preprocessing
 * took (a blank one it refuses). */
typedef struct {
  int first, count;
  const NnDataset *digits;  /* the fit's digits, which pairs are made of */
  float *x;
  gboolean *ok;
} NegativesJob;

/* Pair p: two of the fit's digits, drawn by a seed of its own, touching. */
static gboolean
render_pair (const NnDataset *digits, int p, guint8 *grey, float *x)
{
  guint32 state = FIT_SEED ^ (guint32) p * 2654435761u;
  int width;
  state = state * 1664525u + 1013904223u;
  int a = (int) (state % (guint32) digits->n);
  state = state * 1664525u + 1013904223u;
  int b = (int) (state % (guint32) digits->n);
  /* Half the pairs hold a 1, on either side: a 1 beside a digit reads most
   * surely as that digit alone (verdict-bench: 45% of such test pairs flagged,
   * against 80% of the others, before). */
  if (p % 2 == 1)
    {
      int *one = p % 4 == 1 ? &a : &b;
      while (digits->labels[*one] != 1)
        *one = (*one + 1) % digits->n;
    }
  nn_negative_pair (digits->images + (size_t) a * NN_IMAGE_PIXELS,
                    digits->images + (size_t) b * NN_IMAGE_PIXELS, FIT_SEED + (guint32) p, grey,
                    &width);
  return nn_preprocess_digit (grey, width, NN_PAIR_HEIGHT, NN_PAIR_MAX_WIDTH, NN_BACKGROUND_DARK,
                              x, NULL);
}

static void
negatives_job (void *data, int tid, int nt)
{
  NegativesJob *job = data;
  g_autofree guint8 *grey = g_new (guint8, MAX (NEG_SIDE * NEG_SIDE,
                                                NN_PAIR_HEIGHT * NN_PAIR_MAX_WIDTH));

  for (int j = tid; j < job->count; j += nt)
    {
      int index = job->first + j;
      float *x = job->x + (size_t) j * NN_IMAGE_PIXELS;
      if (index >= FIT_DRAWN + FIT_MORE)
        {
          job->ok[j] = render_pair (job->digits, index - FIT_DRAWN - FIT_MORE, grey, x);
          continue;
        }
      if (index >= FIT_DRAWN)
        nn_negative_render (index % 2 ? NN_NEGATIVE_SCRIBBLE : NN_NEGATIVE_LETTER,
                            FIT_SEED + (guint32) index, NEG_SIDE, grey);
      else
        nn_negative_render (index % NN_NEGATIVE_N_KINDS,
                            FIT_SEED + (guint32) (index / NN_NEGATIVE_N_KINDS), NEG_SIDE, grey);
      job->ok[j] = nn_preprocess_digit (grey, NEG_SIDE, NEG_SIDE, NEG_SIDE, NN_BACKGROUND_LIGHT,
                                        x, NULL);
    }
}

/* The seeded negatives of every kind, preprocessed as a drawing is (blank ones,
 * which preprocessing refuses anyway, left out), run through the model a batch at
 * a time. The threads share the rendering out, a batch's worth at a time, and the
 * kept ones go on in the same order, so the rule is the same to the bit as with
 * one thread (digits-cli calibrate of the quick model, 2 threads: 9.3 -> 6.6 s
 * with the rows below also shared out). */
static gboolean
rows_add_negatives (Rows *rows, NnModel *m, NnWorkspace *ws, int layer, int batch,
                    const NnDataset *digits, GCancellable *cancellable, GError **error)
{
  const int total = digits->n > 0 ? FIT_ALL_NEGATIVES : FIT_DRAWN;
  g_autofree float *x = g_new (float, (size_t) 2 * batch * NN_IMAGE_PIXELS);
  g_autofree gboolean *ok = g_new (gboolean, batch);
  int b = 0; /* fields waiting in x */

  for (int first = 0; first < total; first += batch)
    {
      NegativesJob job = { .first = first, .count = MIN (batch, total - first), .digits = digits,
                           .x = x + (size_t) b * NN_IMAGE_PIXELS, .ok = ok };
      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        return FALSE;
      nn_workspace_share_out (ws, negatives_job, &job);
      for (int j = 0; j < job.count; j++)
        if (ok[j])
          memmove (x + (size_t) b++ * NN_IMAGE_PIXELS, job.x + (size_t) j * NN_IMAGE_PIXELS,
                   NN_IMAGE_PIXELS * sizeof *x);
      if (b >= batch)
        {
          rows_add (rows, m, ws, layer, x, batch, NULL);
          b -= batch;
          memmove (x, x + (size_t) batch * NN_IMAGE_PIXELS,
                   (size_t) b * NN_IMAGE_PIXELS * sizeof *x);
        }
    }
  if (b > 0)
    rows_add (rows, m, ws, layer, x, b, NULL);
  return TRUE;
}

/* The detector's fit, one minibatch at a time, in two jobs shared out over the
 * model's threads. The gradient: the minibatch goes in FIT_CHUNKS chunks of
 * rows, whatever the number of threads, each chunk's share of the gradient kept
 * apart; the update: each thread adds the chunks' shares in chunk order for its
 * range of the parameters and takes the Adam step there. So the same rows give
 * the same detector on any number of threads.
 * The products (about 9,000 minibatches a fit) run on the engine's kernels
 * (nn-matmul.h), which take widths of whole vectors: rows are wp wide (w rounded
 * up to 16, zeros past w) and the first weights are kept turned, (wp, units). (On
 * a CPU that OpenBLAS 0.3.21 does not know, it falls back to SSE3 kernels: the
 * advanced model's calibrate took 38 s with BLAS here, 31 s with the engine's
 * kernels, and 15 s once no weight went denormal, below.)
 * Parameters p: without a hidden layer w (width) then the bias; with H hidden
 * units W1 (H, width), b1 (H), w2 (H), then the bias. */
#define FIT_CHUNKS 4

typedef struct {
  int w, wp, hidden, units, n_p;
  const float *z;             /* (n, w) the rows, standardized */
  const int *order;           /* this epoch's order of the rows */
  int n_digits;               /* rows before it are digits (0), from it negatives (1) */
  double class_weight[2];
  double *p, *m1, *m2;        /* (n_p) parameters and Adam's moments */
  float *w1t;                 /* (wp, units) the first weights turned */
  /* the minibatch: order[s, s + b), and the step's rate and Adam corrections */
  int s, b;
  double lr, c1, c2;
  /* per chunk: its rows (rows, wp), u and gh (rows, units), its share of dW1
   * (units, wp) and of the other gradients (units * 2 + 1: b1, w2, bias) */
  float *zs[FIT_CHUNKS], *u[FIT_CHUNKS], *gh[FIT_CHUNKS], *gw1[FIT_CHUNKS];
  double *rest[FIT_CHUNKS];
} Fit;

/* v as a float, or 0 where it would be denormal: the weights of inputs that are
 * always 0 (the pooled field's corners) only decay, and a product with denormal
 * weights ran 25 times slower (the advanced model's fit: 21 s, 1.5 s without). */
static inline float
normal_or_zero (double v)
{
  return fabs (v) < FLT_MIN ? 0.0f : (float) v;
}

/* Chunk c's share of the gradient of the weighted cross-entropy over the minibatch. */
static void
chunk_gradient (Fit *f, int c)
{
  int w = f->w, wp = f->wp, hidden = f->hidden, units = f->units;
  int r0 = f->b * c / FIT_CHUNKS, rows = f->b * (c + 1) / FIT_CHUNKS - r0;
  const double *b1 = f->p + (size_t) hidden * w, *w2 = b1 + hidden;
  double bias = f->p[f->n_p - 1], *rest = f->rest[c];
  float *zs = f->zs[c], *u = f->u[c], *gh = f->gh[c];

  memset (rest, 0, sizeof (double) * (2 * units + 1));
  if (rows == 0) /* a last minibatch of fewer rows than chunks; else the product writes it */
    {
      memset (f->gw1[c], 0, sizeof (float) * units * wp);
      return;
    }
  for (int q = 0; q < rows; q++)
    memcpy (zs + (size_t) q * wp, f->z + (size_t) f->order[f->s + r0 + q] * w, w * sizeof *zs);
  /* u = zs W1^T (+ b1), a = w2 . relu (u) + bias (or u + bias without hidden units) */
  nn_matmul (u, zs, f->w1t, rows, wp, units);
  for (int q = 0; q < rows; q++)
    {
      int y = f->order[f->s + r0 + q] >= f->n_digits;
      double a = bias;
      for (int h = 0; h < units; h++)
        {
          if (hidden > 0)
            u[q * units + h] += (float) b1[h];
          a += hidden > 0 ? w2[h] * MAX (u[q * units + h], 0.0f) : u[q * units + h];
        }
      double g = (1 / (1 + exp (-a)) - y) * f->class_weight[y] / f->b;
      rest[2 * units] += g;
      for (int h = 0; h < units; h++)
        {
          float uh = u[q * units + h];
          double gu = hidden > 0 ? (uh > 0 ? g * w2[h] : 0) : g;
          gh[q * units + h] = normal_or_zero (gu);
          rest[h] += gu;
          rest[units + h] += g * MAX (uh, 0.0f);
        }
    }
  /* dW1 = gh^T zs */
  nn_matmul_tn (f->gw1[c], gh, zs, rows, units, wp);
}

static void
gradient_job (void *data, int tid, int nt)
{
  for (int c = tid; c < FIT_CHUNKS; c += nt)
    chunk_gradient (data, c);
}

/* Adam on the first weights W1[h][k0, k1), each one's gradient the chunks'
 * shares in chunk order plus the L2 penalty; then their turned copy. Along one
 * row, with the copy's scattered stores after it: one weight at a time, each
 * store in between, a cnn's calibration took 14.3 s instead of 13.0. */
static void
first_weights_step (Fit *f, int h, int k0, int k1)
{
  size_t row = (size_t) h * f->w, grow = (size_t) h * f->wp;
  double *restrict p = f->p + row, *restrict m1 = f->m1 + row, *restrict m2 = f->m2 + row;
  const float *restrict g0 = f->gw1[0] + grow, *restrict g1 = f->gw1[1] + grow;
  const float *restrict g2 = f->gw1[2] + grow, *restrict g3 = f->gw1[3] + grow;
  const double lr = f->lr, c1 = f->c1, c2 = f->c2;
  G_STATIC_ASSERT (FIT_CHUNKS == 4);
  for (int k = k0; k < k1; k++)
    {
      double g = 0;
      g += g0[k];
      g += g1[k];
      g += g2[k];
      g += g3[k];
      g += FIT_L2 * p[k];
      m1[k] = 0.9 * m1[k] + 0.1 * g;
      m2[k] = 0.999 * m2[k] + 0.001 * g * g;
      p[k] -= lr * (m1[k] / c1) / (sqrt (m2[k] / c2) + 1e-8);
    }
  for (int k = k0; k < k1; k++)
    f->w1t[(size_t) k * f->units + h] = normal_or_zero (p[k]);
}

/* The Adam step on this thread's range of the parameters, each one's gradient the
 * chunks' shares in chunk order (and the L2 penalty on the first weights); the
 * first weights turned. Parameter j of the first weights is W1[h][k]; past them,
 * b1, w2 (rest's first 2 * hidden) and the bias. */
static void
update_job (void *data, int tid, int nt)
{
  Fit *f = data;
  int first = f->units * f->w;
  int j0 = (int) ((gint64) f->n_p * tid / nt), j1 = (int) ((gint64) f->n_p * (tid + 1) / nt);
  for (int j = j0, end = MIN (j1, first); j < end;)
    {
      int h = j / f->w, k0 = j % f->w, k1 = MIN (f->w, k0 + (end - j));
      first_weights_step (f, h, k0, k1);
      j += k1 - k0;
    }
  for (int j = MAX (j0, first); j < j1; j++)
    {
      int at = f->hidden > 0 && j - first < 2 * f->hidden ? j - first : 2 * f->units;
      double g = 0;
      for (int c = 0; c < FIT_CHUNKS; c++)
        g += f->rest[c][at];
      f->m1[j] = 0.9 * f->m1[j] + 0.1 * g;
      f->m2[j] = 0.999 * f->m2[j] + 0.001 * g * g;
      f->p[j] -= f->lr * (f->m1[j] / f->c1) / (sqrt (f->m2[j] / f->c2) + 1e-8);
    }
}

/* The detector, not-a-digit = 1, on rows [0, n_digits) (digits) and [n_digits,
 * n) (negatives), each class weighing half: Adam on standardized inputs, the
 * standardization then folded into the first weights. The rows are standardized
 * in place, once (every step standardized its minibatch again before: a second
 * of the quick recipe's minute). The steps run on ws's threads (Fit). */
static void
fit_detector (NnVerdictRule *rule, Rows *rows, int n_digits, int hidden, NnWorkspace *ws)
{
  int w = rows->width, n = rows->n, units = MAX (hidden, 1);
  int n_p = detector_size (w, hidden) + 1, wp = (w + 15) / 16 * 16;
  int chunk_rows = (FIT_BATCH + FIT_CHUNKS - 1) / FIT_CHUNKS;
  g_autofree double *mean = g_new0 (double, w), *sd = g_new0 (double, w);
  g_autofree double *p = g_new0 (double, n_p);
  g_autofree double *m1 = g_new0 (double, n_p), *m2 = g_new0 (double, n_p);
  g_autofree int *order = g_new (int, n);
  g_autofree float *floats = g_new0 (float, FIT_CHUNKS * ((size_t) chunk_rows * (wp + 2 * units)
                                                          + (size_t) units * wp));
  g_autofree double *rests = g_new0 (double, FIT_CHUNKS * (2 * units + 1));
  g_autofree float *w1t = g_new0 (float, (size_t) wp * units);
  GRand *r = g_rand_new_with_seed (FIT_SEED);
  double *w1 = p, *b1 = p + (size_t) hidden * w, *w2 = b1 + hidden, *bias = p + n_p - 1;
  Fit f = { .w = w, .wp = wp, .hidden = hidden, .units = units, .n_p = n_p, .z = rows->z,
            .order = order, .n_digits = n_digits, .p = p, .m1 = m1, .m2 = m2, .w1t = w1t,
            .class_weight = { 0.5 * n / n_digits, 0.5 * n / MAX (n - n_digits, 1) } };
  float *next = floats;
  for (int c = 0; c < FIT_CHUNKS; c++)
    {
      f.zs[c] = next, next += (size_t) chunk_rows * wp;
      f.u[c] = next, next += (size_t) chunk_rows * units;
      f.gh[c] = next, next += (size_t) chunk_rows * units;
      f.gw1[c] = next, next += (size_t) units * wp;
      f.rest[c] = rests + c * (2 * units + 1);
    }

  for (int i = 0; i < n; i++)
    for (int j = 0; j < w; j++)
      mean[j] += rows->z[(size_t) i * w + j] / n;
  for (int i = 0; i < n; i++)
    for (int j = 0; j < w; j++)
      {
        double d = rows->z[(size_t) i * w + j] - mean[j];
        sd[j] += d * d / n;
      }
  for (int j = 0; j < w; j++)
    sd[j] = sqrt (sd[j]) + 1e-6;
  for (int i = 0; i < n; i++)
    for (int j = 0; j < w; j++)
      {
        float *z = &rows->z[(size_t) i * w + j];
        *z = (float) ((*z - mean[j]) / sd[j]);
      }
  for (int i = 0; i < n; i++)
    order[i] = i;
  if (hidden > 0) /* He initialization; the output weights start small */
    {
      for (int i = 0; i < hidden * w; i++)
        w1[i] = g_rand_double_range (r, -1, 1) * sqrt (6.0 / w);
      for (int h = 0; h < hidden; h++)
        w2[h] = g_rand_double_range (r, -1, 1) * sqrt (1.0 / hidden);
    }
  for (int j = 0; j < units * w; j++)
    w1t[(size_t) (j % w) * units + j / w] = normal_or_zero (p[j]);

  for (int epoch = 0, step = 0; epoch < FIT_EPOCHS; epoch++)
    {
      for (int i = n - 1; i > 0; i--)
        {
          int k = g_rand_int_range (r, 0, i + 1), t = order[i];
          order[i] = order[k], order[k] = t;
        }
      for (f.s = 0; f.s < n; f.s += FIT_BATCH)
        {
          f.b = MIN (FIT_BATCH, n - f.s);
          nn_workspace_share_out (ws, gradient_job, &f);
          step++;
          f.lr = FIT_RATE * (epoch + 1 < FIT_EPOCHS ? 1.0 : 0.1);
          f.c1 = 1 - pow (0.9, step), f.c2 = 1 - pow (0.999, step);
          nn_workspace_share_out (ws, update_job, &f);
        }
    }

  /* Folding: u = sum_j W (z_j - mean_j) / sd_j + b = sum_j (W / sd_j) z_j + b - ... */
  rule->hidden = hidden;
  rule->weights = g_new (float, n_p - 1);
  rule->bias = *bias;
  for (int h = 0; h < units; h++)
    {
      double shift = 0;
      for (int j = 0; j < w; j++)
        {
          rule->weights[(size_t) h * w + j] = (float) (w1[(size_t) h * w + j] / sd[j]);
          shift += w1[(size_t) h * w + j] * mean[j] / sd[j];
        }
      if (hidden > 0)
        {
          rule->weights[(size_t) hidden * w + h] = (float) (b1[h] - shift);
          rule->weights[(size_t) hidden * (w + 1) + h] = (float) w2[h];
        }
      else
        rule->bias -= shift;
    }
  g_rand_free (r);
}

gboolean
nn_verdict_rule_fit (NnModel *m, NnWorkspace *ws, const NnDataset *ds, double reject,
                     NnVerdictRule *rule, GCancellable *cancellable, GError **error)
{
  int batch = MIN (FIT_BATCH, nn_workspace_max_batch (ws)), n = ds->n;
  int n_val = MIN (VALIDATION_IMAGES, n / 5), n_fit = n - n_val;
  int layer = nn_verdict_feature_layer (m);
  int dim = layer >= 0 ? (int) nn_shape_size (m->layers[layer].out_shape) : 0;
  g_autofree float *x = g_new (float, (size_t) batch * NN_IMAGE_PIXELS);
  g_autofree NnVerdictFeatures *f = g_new (NnVerdictFeatures, batch);
  if (dim > SPACE_MAX_DIM)
    dim = 0;
  /* The field itself, pooled, beside the feature space: the baseline has no
   * feature space (49% of verdict-bench's negatives flagged without, 78% with),
   * and shapes that read as confident digits in feature space have straight edges
   * and corners a pooled field shows (advanced: shapes 90% -> 97%, all 91.6% ->
   * 93.0%, MNIST test refused 0.77% -> 0.78%; measured with the fit in double
   * precision, before step_gradient). Its edges say which way the strokes run
   * where, which a logistic model's probabilities do not and a scribble's or a
   * letter's differ in (verdict-bench, all negatives: baseline 84.8% -> 93.9%,
   * cnn 96.5% -> 97.1%, advanced 95.5% -> 97.1%; raw, not scaled to a sum, the
   * cnn refused 1.26% of the test digits at the 1% budget). */
  int pixels = NN_VERDICT_PIXEL_INPUTS, edges = NN_VERDICT_EDGE_INPUTS;
  Rows rows = { .dim = dim, .pixels = pixels, .edges = edges,
                .width = dim + pixels + edges + NN_VERDICT_EXTRA_INPUTS };
  g_autofree double *ink = g_new (double, n), *largest = g_new (double, n);
  g_autofree double *pieces = g_new (double, n), *holes = g_new (double, n);
  g_autofree double *score = g_new (double, MAX (n_val, 1));
  g_autofree float *val = NULL;
  NnVerdictRule fitted = { .dim = dim, .n_classes = m->n_classes };
  fitted.pixels = pixels;
  fitted.edges = edges;

  rows.z = g_new (float, (size_t) (n + FIT_ALL_NEGATIVES) * rows.width);
  for (int s = 0; s < n; s += batch)
    {
      int b = MIN (batch, n - s);
      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        goto cancelled;
      nn_dataset_get_batch (ds, s, b, x);
      rows_add (&rows, m, ws, layer, x, b, f);
      for (int i = 0; i < b; i++)
        {
          ink[s + i] = f[i].ink, largest[s + i] = f[i].largest;
          pieces[s + i] = f[i].pieces, holes[s + i] = f[i].holes;
        }
    }
  /* The validation digits move behind the negatives: the detector never sees them. */
  val = g_memdup2 (rows.z + (size_t) n_fit * rows.width,
                                     (size_t) n_val * rows.width * sizeof (float));
  rows.n = n_fit;
  NnDataset fit_digits = { .n = n_fit, .images = ds->images, .labels = ds->labels };
  if (!rows_add_negatives (&rows, m, ws, layer, batch, &fit_digits, cancellable, error))
    goto cancelled;
  fit_detector (&fitted, &rows, n_fit, DETECTOR_HIDDEN, ws);
  for (int i = 0; i < n_val; i++)
    {
      const float *z = val + (size_t) i * rows.width;
      score[i] = detector_score (&fitted, z, z + dim);
    }
  qsort (score, n_val, sizeof *score, cmp_double);
  fitted.max_score = n_val > 0 ? quantile (score, n_val, 1 - reject * DETECTOR_SHARE) : INFINITY;

  qsort (ink, n, sizeof *ink, cmp_double);
  qsort (largest, n, sizeof *largest, cmp_double);
  qsort (pieces, n, sizeof *pieces, cmp_double);
  qsort (holes, n, sizeof *holes, cmp_double);
  fitted.max_holes = (int) quantile (holes, n, 1 - reject * HOLES_SHARE);
  fitted.max_ink = quantile (ink, n, 1 - reject * INK_HIGH_SHARE);
  fitted.min_ink = quantile (ink, n, reject * INK_LOW_SHARE);
  fitted.max_pieces = (int) quantile (pieces, n, 1 - reject * PIECES_SHARE);
  fitted.min_largest = quantile (largest, n, reject * LARGEST_SHARE);
  fitted.min_energy = -INFINITY;
  fitted.min_prob = 0;
  fitted.max_distance = INFINITY;
  g_free (rows.z);
  nn_verdict_rule_clear (rule);
  *rule = fitted;
  return TRUE;

cancelled:
  g_free (rows.z);
  nn_verdict_rule_clear (&fitted);
  return FALSE;
}

gboolean
nn_verdict_run (NnModel *m, NnWorkspace *ws, const NnVerdictRule *rule, const NnDataset *ds,
                NnVerdict *verdicts, GCancellable *cancellable, GError **error)
{
  int batch = MIN (FIT_BATCH, nn_workspace_max_batch (ws));
  int layer = rule->dim > 0 ? nn_verdict_feature_layer (m) : -1;
  g_autofree float *x = g_new (float, (size_t) batch * NN_IMAGE_PIXELS);

  for (int s = 0; s < ds->n; s += batch)
    {
      int b = MIN (batch, ds->n - s);
      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        return FALSE;
      nn_dataset_get_batch (ds, s, b, x);
      const float *logits = nn_model_forward_logits (m, ws, x, b);
      const float *feats = layer >= 0 ? nn_workspace_layer_output (ws, layer) : NULL;
      for (int i = 0; i < b; i++)
        {
          NnVerdictFeatures f;
          nn_verdict_features (rule, x + (size_t) i * NN_IMAGE_PIXELS,
                               logits + (size_t) i * m->n_classes, m->n_classes,
                               feats != NULL ? feats + (size_t) i * rule->dim : NULL, &f);
          verdicts[s + i] = nn_verdict_judge (rule, &f);
        }
    }
  return TRUE;
}
