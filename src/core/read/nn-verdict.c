/* nn-verdict.c: digit, not a digit, or blank (see nn-verdict.h for the rule). */
#include "nn-verdict.h"
#include "nn-error.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define PIECE_LEVEL 0.3f   /* field values above this are ink for the pieces */
#define PIECE_MIN 4        /* pixels: smaller bits are anti-aliasing crumbs */
#define FIT_BATCH 256
/* Feature spaces wider than this are not kept: their centres would not fit the
 * 64 KB Keras metadata.json the readers accept (a 784-pixel baseline has none). */
#define SPACE_MAX_DIM 256
/* How the fit shares the rejection budget among the checks (sums to 1). */
#define INK_HIGH_SHARE 0.1
#define INK_LOW_SHARE 0.1
#define PIECES_SHARE 0.1
#define LARGEST_SHARE 0.1
#define HOLES_SHARE 0.05
/* Measured on seeded negatives (bench/verdict-features): with the shipped models'
 * feature spaces the distance catches more than the energy score at the same cost
 * in digits, so the energy check is left off in fitted rules. */
#define ENERGY_SHARE 0.0
#define DISTANCE_SHARE 0.55

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

void
nn_verdict_features (const NnVerdictRule *rule, const float *x, const float *logits,
                     int n_classes, const float *feat, NnVerdictFeatures *out)
{
  out->distance = rule != NULL && rule->dim > 0 && feat != NULL ? space_distance (rule, feat) : 0;

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
}

NnVerdict
nn_verdict_judge (const NnVerdictRule *rule, const NnVerdictFeatures *f)
{
  if (f->ink > rule->max_ink || f->ink < rule->min_ink || f->pieces > rule->max_pieces
      || f->largest < rule->min_largest || f->holes > rule->max_holes || f->energy < rule->min_energy
      || f->max_prob < rule->min_prob || (rule->dim > 0 && f->distance > rule->max_distance))
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

/* The feature space of the stored rule, checked against the model's shapes. */
static gboolean
space_from_model (const NnModel *m, NnVerdictRule *r)
{
  const char *dim_text = g_hash_table_lookup (m->metadata, "verdict_dim");
  const char *centres = g_hash_table_lookup (m->metadata, "verdict_centres");
  const char *scale = g_hash_table_lookup (m->metadata, "verdict_scale");
  int layer = nn_verdict_feature_layer (m);
  gint64 dim;

  r->dim = 0, r->centres = NULL, r->scale = NULL;
  if (dim_text == NULL)
    return TRUE; /* a rule without the distance check */
  if (!g_ascii_string_to_signed (dim_text, 10, 0, SPACE_MAX_DIM, &dim, NULL) || dim == 0
      || centres == NULL || scale == NULL || layer < 0
      || nn_shape_size (m->layers[layer].out_shape) != (size_t) dim)
    return FALSE;
  r->centres = parse_floats (centres, (int) dim * m->n_classes);
  r->scale = parse_floats (scale, (int) dim);
  r->dim = (int) dim;
  r->n_classes = m->n_classes;
  if (r->centres == NULL || r->scale == NULL)
    {
      nn_verdict_rule_clear (r);
      return FALSE;
    }
  return TRUE;
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
  if (rule->dim > 0)
    {
      g_hash_table_insert (m->metadata, g_strdup ("verdict_dim"),
                           g_strdup_printf ("%d", rule->dim));
      g_hash_table_insert (m->metadata, g_strdup ("verdict_centres"),
                           format_floats (rule->centres, rule->dim * rule->n_classes));
      g_hash_table_insert (m->metadata, g_strdup ("verdict_scale"),
                           format_floats (rule->scale, rule->dim));
    }
  else
    {
      g_hash_table_remove (m->metadata, "verdict_dim");
      g_hash_table_remove (m->metadata, "verdict_centres");
      g_hash_table_remove (m->metadata, "verdict_scale");
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

/* Class centres and pooled per-dimension scales of feats (n, dim) with labels. */
static void
fit_space (NnVerdictRule *rule, const float *feats, const guint8 *labels, int n, int dim,
           int n_classes)
{
  g_autofree double *sum = g_new0 (double, (size_t) n_classes * dim);
  g_autofree double *var = g_new0 (double, dim);
  g_autofree int *count = g_new0 (int, n_classes);

  rule->dim = dim;
  rule->n_classes = n_classes;
  rule->centres = g_new0 (float, (size_t) n_classes * dim);
  rule->scale = g_new0 (float, dim);
  for (int i = 0; i < n; i++)
    {
      int c = MIN (labels[i], n_classes - 1);
      count[c]++;
      for (int j = 0; j < dim; j++)
        sum[(size_t) c * dim + j] += feats[(size_t) i * dim + j];
    }
  for (int c = 0; c < n_classes; c++)
    for (int j = 0; j < dim; j++)
      rule->centres[(size_t) c * dim + j] = count[c] > 0 ? sum[(size_t) c * dim + j] / count[c] : 0;
  for (int i = 0; i < n; i++)
    {
      const float *mu = rule->centres + (size_t) MIN (labels[i], n_classes - 1) * dim;
      for (int j = 0; j < dim; j++)
        {
          double z = feats[(size_t) i * dim + j] - mu[j];
          var[j] += z * z;
        }
    }
  /* A floor keeps dimensions that never vary (dead ReLUs) from dominating. */
  double mean_var = 0;
  for (int j = 0; j < dim; j++)
    mean_var += var[j] / n / dim;
  for (int j = 0; j < dim; j++)
    rule->scale[j] = 1.0 / sqrt (MAX (var[j] / n, 0.01 * mean_var) + 1e-12);
}

gboolean
nn_verdict_rule_fit (NnModel *m, NnWorkspace *ws, const NnDataset *ds, double reject,
                     NnVerdictRule *rule, GCancellable *cancellable, GError **error)
{
  int batch = MIN (FIT_BATCH, nn_workspace_max_batch (ws)), n = ds->n;
  int layer = nn_verdict_feature_layer (m);
  int dim = layer >= 0 ? (int) nn_shape_size (m->layers[layer].out_shape) : 0;
  double energy_share = ENERGY_SHARE;
  g_autofree float *x = g_new (float, (size_t) batch * NN_IMAGE_PIXELS);
  if (dim > SPACE_MAX_DIM)
    dim = 0;
  if (dim == 0) /* without a feature space, the energy takes the distance's share */
    energy_share += DISTANCE_SHARE;
  g_autofree float *feats = dim > 0 ? g_new (float, (size_t) n * dim) : NULL;
  g_autofree double *ink = g_new (double, n), *largest = g_new (double, n);
  g_autofree double *energy = g_new (double, n), *pieces = g_new (double, n);
  g_autofree double *dist = g_new (double, n), *holes = g_new (double, n);
  NnVerdictRule fitted = { 0 };

  for (int s = 0; s < n; s += batch)
    {
      int b = MIN (batch, n - s);
      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        return FALSE;
      nn_dataset_get_batch (ds, s, b, x);
      const float *logits = nn_model_forward (m, ws, x, b);
      if (dim > 0)
        memcpy (feats + (size_t) s * dim, nn_workspace_layer_output (ws, layer),
                (size_t) b * dim * sizeof (float));
      for (int i = 0; i < b; i++)
        {
          NnVerdictFeatures f;
          nn_verdict_features (NULL, x + (size_t) i * NN_IMAGE_PIXELS,
                               logits + (size_t) i * m->n_classes, m->n_classes, NULL, &f);
          ink[s + i] = f.ink, largest[s + i] = f.largest;
          energy[s + i] = f.energy, pieces[s + i] = f.pieces, holes[s + i] = f.holes;
        }
    }
  if (dim > 0)
    {
      fit_space (&fitted, feats, ds->labels, n, dim, m->n_classes);
      for (int i = 0; i < n; i++)
        dist[i] = space_distance (&fitted, feats + (size_t) i * dim);
      qsort (dist, n, sizeof *dist, cmp_double);
      fitted.max_distance = quantile (dist, n, 1 - reject * DISTANCE_SHARE);
    }
  qsort (ink, n, sizeof *ink, cmp_double);
  qsort (largest, n, sizeof *largest, cmp_double);
  qsort (energy, n, sizeof *energy, cmp_double);
  qsort (pieces, n, sizeof *pieces, cmp_double);
  qsort (holes, n, sizeof *holes, cmp_double);
  fitted.max_holes = (int) quantile (holes, n, 1 - reject * HOLES_SHARE);
  fitted.max_ink = quantile (ink, n, 1 - reject * INK_HIGH_SHARE);
  fitted.min_ink = quantile (ink, n, reject * INK_LOW_SHARE);
  fitted.max_pieces = (int) quantile (pieces, n, 1 - reject * PIECES_SHARE);
  fitted.min_largest = quantile (largest, n, reject * LARGEST_SHARE);
  fitted.min_energy = energy_share > 0 ? quantile (energy, n, reject * energy_share) : -INFINITY;
  fitted.min_prob = 0;
  nn_verdict_rule_clear (rule);
  *rule = fitted;
  return TRUE;
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
      const float *logits = nn_model_forward (m, ws, x, b);
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
