/* nn-number.c: several digits in one picture (see nn-number.h). */
#include "nn-number.h"
#include "nn-error.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define MIN_CONTRAST 40     /* grey levels between background and the strongest ink */
#define INK_SHARE 0.35      /* a pixel is ink above this share of the strongest ink */
#define SPECK_SHARE 0.03    /* pieces under this share of the largest one's pixels */
#define STACK_OVERLAP 0.6   /* column overlap (of the narrower) that joins two pieces */
#define WIDE 1.0            /* width / height above which a piece may be two digits */
#define VERY_WIDE 1.5       /* ... above which it is split whatever the reading says */
#define SHORT 0.4           /* pieces shorter than this share of the tallest are marks */
#define CUTS 12             /* candidate cut columns tried per piece (6: 3 points fewer touching) */
#define MAX_DEPTH 3         /* splits of splits: up to 8 touching digits */

static const char *const number_verdicts[] = { "number", "not-a-number", "blank" };

const char *
nn_number_verdict_name (NnNumberVerdict verdict)
{
  return verdict <= NN_NUMBER_BLANK ? number_verdicts[verdict] : "?";
}

typedef struct {
  NnModel *m;
  NnWorkspace *ws;
  const NnVerdictRule *rule;
  const guint8 *grey;
  int width, height, stride;
  gboolean light;     /* dark ink on light paper */
  int bg;             /* background grey level */
  int *labels;        /* (height, width): 0 background, else the piece's label */
  NnNumberReading *out;
} Reader;

typedef struct {
  int label, cx0, cx1;  /* the label's pixels in columns [cx0, cx1) */
  int x0, y0, x1, y1;   /* their box, [x0, x1) x [y0, y1) */
} Piece;

static int
ink_at (const Reader *r, int x, int y)
{
  int g = r->grey[(size_t) y * r->stride + x];
  return MAX (0, r->light ? r->bg - g : g - r->bg);
}

static int
border_median (const guint8 *grey, int width, int height, int stride)
{
  guint32 hist[256] = { 0 };
  guint64 n = 0, half, cum = 0;
  for (int y = 0; y < height; y++)
    for (int x = 0; x < width; x++)
      if (y == 0 || x == 0 || y == height - 1 || x == width - 1)
        hist[grey[(size_t) y * stride + x]]++, n++;
  half = (n + 1) / 2;
  for (int v = 0; v < 256; v++)
    if ((cum += hist[v]) >= half)
      return v;
  return 255;
}

static int
find_root (int *parent, int i)
{
  while (parent[i] != i)
    i = parent[i] = parent[parent[i]];
  return i;
}

/* Labels the ink's 8-connected pieces; drops specks; joins pieces stacked in one
 * column. Returns the number of labels (1..n; 0 is background). */
static int
label_pieces (Reader *r, int threshold)
{
  int w = r->width, h = r->height, n = 0;
  g_autofree int *stack = g_new (int, (size_t) w * h);
  g_autoptr (GArray) sizes = g_array_new (FALSE, TRUE, sizeof (int));
  g_autoptr (GArray) boxes = g_array_new (FALSE, TRUE, sizeof (int) * 4);
  int zero = 0, largest = 0;

  g_array_append_val (sizes, zero);
  g_array_set_size (boxes, 1);
  for (int start = 0; start < w * h; start++)
    {
      int top = 0, count = 0, box[4] = { w, h, 0, 0 };
      if (r->labels[start] != 0 || ink_at (r, start % w, start / w) < threshold)
        continue;
      n++;
      r->labels[start] = n;
      stack[top++] = start;
      while (top > 0)
        {
          int p = stack[--top], px = p % w, py = p / w;
          count++;
          box[0] = MIN (box[0], px), box[1] = MIN (box[1], py);
          box[2] = MAX (box[2], px + 1), box[3] = MAX (box[3], py + 1);
          for (int dy = -1; dy <= 1; dy++)
            for (int dx = -1; dx <= 1; dx++)
              {
                int qx = px + dx, qy = py + dy;
                if (qx < 0 || qy < 0 || qx >= w || qy >= h || r->labels[qy * w + qx] != 0
                    || ink_at (r, qx, qy) < threshold)
                  continue;
                r->labels[qy * w + qx] = n;
                stack[top++] = qy * w + qx;
              }
        }
      g_array_append_val (sizes, count);
      g_array_append_val (boxes, box);
      largest = MAX (largest, count);
    }

  g_autofree int *parent = g_new (int, n + 1);
  for (int i = 0; i <= n; i++)
    parent[i] = g_array_index (sizes, int, i) < SPECK_SHARE * largest ? 0 : i;
  for (int i = 1; i <= n; i++)
    for (int j = i + 1; j <= n; j++)
      {
        const int *a = &g_array_index (boxes, int, 4 * i), *b = &g_array_index (boxes, int, 4 * j);
        int overlap = MIN (a[2], b[2]) - MAX (a[0], b[0]);
        int narrow = MIN (a[2] - a[0], b[2] - b[0]);
        if (parent[i] == 0 || parent[j] == 0 || overlap < STACK_OVERLAP * narrow)
          continue;
        parent[find_root (parent, j)] = find_root (parent, i);
      }
  for (int p = 0; p < w * h; p++)
    if (r->labels[p] != 0)
      r->labels[p] = parent[r->labels[p]] == 0 ? 0 : find_root (parent, r->labels[p]);
  return n;
}

static gboolean
piece_box (const Reader *r, Piece *pc)
{
  pc->x0 = r->width, pc->y0 = r->height, pc->x1 = 0, pc->y1 = 0;
  for (int y = 0; y < r->height; y++)
    for (int x = pc->cx0; x < pc->cx1; x++)
      if (r->labels[y * r->width + x] == pc->label)
        {
          pc->x0 = MIN (pc->x0, x), pc->y0 = MIN (pc->y0, y);
          pc->x1 = MAX (pc->x1, x + 1), pc->y1 = MAX (pc->y1, y + 1);
        }
  return pc->x1 > pc->x0;
}

/* The piece's ink alone (with the faint pixels around it) on the background,
 * preprocessed and read. FALSE when preprocessing finds nothing to read. */
static gboolean
read_piece (const Reader *r, const Piece *pc, NnNumberDigit *d)
{
  int bx0 = MAX (pc->x0 - 1, pc->cx0), by0 = MAX (pc->y0 - 1, 0);
  int bx1 = MIN (pc->x1 + 1, pc->cx1), by1 = MIN (pc->y1 + 1, r->height);
  int bw = bx1 - bx0, bh = by1 - by0;
  g_autofree guint8 *crop = g_new (guint8, (size_t) bw * bh);
  float x[NN_IMAGE_PIXELS], probs[10];
  NnVerdictFeatures f;

  for (int y = by0; y < by1; y++)
    for (int xx = bx0; xx < bx1; xx++)
      {
        gboolean mine = r->labels[y * r->width + xx] == pc->label;
        for (int dy = -1; dy <= 1 && !mine; dy++)
          for (int dx = -1; dx <= 1 && !mine; dx++)
            {
              int qx = xx + dx, qy = y + dy;
              mine = qx >= bx0 && qx < bx1 && qy >= 0 && qy < r->height
                     && r->labels[y * r->width + xx] == 0
                     && r->labels[qy * r->width + qx] == pc->label;
            }
        crop[(y - by0) * bw + (xx - bx0)] = mine ? r->grey[(size_t) y * r->stride + xx] : r->bg;
      }
  if (!nn_preprocess_digit (crop, bw, bh, bw, r->light ? NN_BACKGROUND_LIGHT : NN_BACKGROUND_DARK,
                            x, NULL))
    return FALSE;
  const float *logits = nn_model_forward (r->m, r->ws, x, 1);
  int layer = r->rule->dim > 0 ? nn_verdict_feature_layer (r->m) : -1;
  nn_verdict_features (r->rule, x, logits, 10, layer >= 0 ? nn_workspace_layer_output (r->ws, layer)
                                                          : NULL, &f);
  nn_softmax_rows (probs, logits, 1, 10);
  d->digit = 0;
  for (int k = 0; k < 10; k++)
    {
      d->probs[k] = probs[k];
      if (probs[k] > probs[d->digit])
        d->digit = k;
    }
  d->confidence = probs[d->digit];
  d->verdict = nn_verdict_judge (r->rule, &f);
  d->x = pc->x0, d->y = pc->y0, d->w = pc->x1 - pc->x0, d->h = pc->y1 - pc->y0;
  return TRUE;
}

static double
score (const NnNumberDigit *d)
{
  return d->verdict == NN_VERDICT_DIGIT ? d->confidence : d->confidence * 0.5;
}

/* Reads pc as one digit or, when it is wide, as the best cut into two (each
 * read the same way); appends the digits to r->out. */
static void
read_split (Reader *r, Piece pc, int depth)
{
  NnNumberDigit whole;
  gboolean have_whole = read_piece (r, &pc, &whole);
  int w = pc.x1 - pc.x0, h = pc.y1 - pc.y0;

  if (depth < MAX_DEPTH && w > WIDE * h && w >= 8)
    {
      int lo = pc.x0 + MAX (3, w / 6), hi = pc.x1 - MAX (3, w / 6), cuts[CUTS], n_cuts = 0;
      g_autofree int *col = g_new0 (int, w);
      Piece best_l = { 0 }, best_r = { 0 };
      double best = -1;

      for (int y = pc.y0; y < pc.y1; y++)
        for (int x = pc.x0; x < pc.x1; x++)
          if (r->labels[y * r->width + x] == pc.label)
            col[x - pc.x0] += ink_at (r, x, y);
      /* The thinnest columns away from the ends, at least 2 apart. */
      for (int k = 0; k < CUTS; k++)
        {
          int pick = -1;
          for (int x = lo; x < hi; x++)
            {
              gboolean near = FALSE;
              for (int j = 0; j < n_cuts; j++)
                near |= abs (cuts[j] - x) < 2;
              if (!near && (pick < 0 || col[x - pc.x0] < col[pick - pc.x0]))
                pick = x;
            }
          if (pick >= 0)
            cuts[n_cuts++] = pick;
        }
      for (int k = 0; k < n_cuts; k++)
        {
          Piece left = pc, right = pc;
          NnNumberDigit dl, dr;
          left.cx1 = cuts[k], right.cx0 = cuts[k];
          if (!piece_box (r, &left) || !piece_box (r, &right) || !read_piece (r, &left, &dl)
              || !read_piece (r, &right, &dr))
            continue;
          double s = MIN (score (&dl), score (&dr));
          if (s > best)
            best = s, best_l = left, best_r = right;
        }
      /* MNIST digits are rarely wider than tall: much wider pieces are cut, those
       * in between when the halves read better than the whole. (Measured with
       * bench/read-bench: stricter rules lose more touching pairs than they save
       * single digits from being cut.) */
      if (best >= 0
          && (!have_whole || w > VERY_WIDE * h
              || best > score (&whole)))
        {
          read_split (r, best_l, depth + 1);
          read_split (r, best_r, depth + 1);
          return;
        }
    }
  if (have_whole && r->out->n < NN_NUMBER_MAX_DIGITS)
    r->out->digits[r->out->n++] = whole;
}

static int
cmp_piece (const void *a, const void *b)
{
  const Piece *p = a, *q = b;
  return (p->x0 + p->x1) - (q->x0 + q->x1);
}

static int
cmp_digit (const void *a, const void *b)
{
  const NnNumberDigit *p = a, *q = b;
  return (2 * p->x + p->w) - (2 * q->x + q->w);
}

gboolean
nn_number_read (NnModel *m, NnWorkspace *ws, const NnVerdictRule *rule, const guint8 *grey,
                int width, int height, int stride, NnBackground background,
                NnNumberReading *out, GError **error)
{
  Reader r = { .m = m, .ws = ws, .rule = rule, .grey = grey, .width = width, .height = height,
               .stride = stride, .out = out };
  int max_ink = 0, n_labels;

  if (m->n_classes != 10)
    {
      g_set_error (error, NN_ERROR, NN_ERROR_UNSUPPORTED,
                   "The model has %d outputs; reading numbers needs a digit model of 10",
                   m->n_classes);
      return FALSE;
    }
  memset (out, 0, sizeof *out);
  out->verdict = NN_NUMBER_BLANK;
  if (width < 1 || height < 1)
    return TRUE;
  if (background == NN_BACKGROUND_AUTO)
    background = nn_detect_background (grey, width, height, stride);
  r.light = background == NN_BACKGROUND_LIGHT;
  r.bg = border_median (grey, width, height, stride);
  for (int y = 0; y < height; y++)
    for (int x = 0; x < width; x++)
      max_ink = MAX (max_ink, ink_at (&r, x, y));
  if (max_ink < MIN_CONTRAST)
    return TRUE;

  g_autofree int *labels = g_new0 (int, (size_t) width * height);
  r.labels = labels;
  n_labels = label_pieces (&r, (int) MAX (MIN_CONTRAST / 2, INK_SHARE * max_ink));
  g_autofree Piece *pieces = g_new0 (Piece, n_labels + 1);
  int n = 0;
  for (int l = 1; l <= n_labels; l++)
    {
      pieces[n] = (Piece){ .label = l, .cx0 = 0, .cx1 = width };
      if (piece_box (&r, &pieces[n]))
        n++;
    }
  qsort (pieces, n, sizeof *pieces, cmp_piece);
  int tallest = 0;
  for (int i = 0; i < n; i++)
    tallest = MAX (tallest, pieces[i].y1 - pieces[i].y0);
  for (int i = 0; i < n; i++)
    if (pieces[i].y1 - pieces[i].y0 >= SHORT * tallest)
      read_split (&r, pieces[i], 0);
  qsort (out->digits, out->n, sizeof *out->digits, cmp_digit);

  out->verdict = out->n == 0 ? NN_NUMBER_BLANK : NN_NUMBER_NUMBER;
  for (int i = 0; i < out->n; i++)
    {
      out->number[i] = (char) ('0' + out->digits[i].digit);
      if (out->digits[i].verdict != NN_VERDICT_DIGIT)
        out->verdict = NN_NUMBER_NOT_A_NUMBER;
    }
  out->number[out->n] = '\0';
  return TRUE;
}
