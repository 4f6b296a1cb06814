/* nn-number.c: several digits in one picture (see nn-number.h). */
#include "nn-number.h"
#include "nn-error.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define MIN_CONTRAST 40     /* grey levels between background and the strongest ink */
#define READ_HEIGHT 20      /* ink at least twice as high is read reduced to about this */
#define INK_SHARE 0.35      /* a pixel is ink above this share of the strongest ink */
#define SPECK_SHARE 0.03    /* pieces under this share of the largest one's pixels */
#define STACK_OVERLAP 0.6   /* column overlap (of the narrower) that joins two pieces */
#define SHORT 0.4           /* pieces shorter than this share of the tallest are marks */
/* When a piece may be several touching digits (widths as shares of its height). */
#define TRY_WIDTH 0.5       /* narrower pieces are one digit */
#define WIDE 1.0            /* up to this wide, a piece read SURE-ly as a digit is one */
#define SURE 0.99           /* 0.9: touching 3 points lower (read-bench, 100) */
#define MIN_DIGIT 0.12      /* the narrowest digit (a 1) a cut may leave */
#define GAP 0.35            /* the widest stretch without a candidate cut */
/* ... in a piece wider than tall and of the line's full height, most likely two
 * digits or more: read-bench, touching, 300 of each at seeds 11 and 1000: 58.0
 * and 60.7% at GAP, 62.0 and 65.7% at 0.15 (0.1 alike), at about 1.5 times the
 * reads. Without the height, a 7 half drawn on the canvas (its bar and the top
 * of its stem) took as many: latency-bench's read (6 digits) took 8.4 and 9.3 ms
 * at the 95th percentile, against 7.8 and 7.8 without the denser cuts; with the
 * height (and the reads in batches), 6.0 to 6.6 ms. */
#define WIDE_GAP 0.15
#define FULL_HEIGHT 0.85
#define MAX_CUTS 48
#define SPACING 0.05        /* the closest two candidate cuts may be */
#define MAX_DIGIT 1.0       /* the widest part between two cuts */
#define CUT_REACH 0.15      /* a cut path strays this share of the height from its column */
#define CUT_BEND 2          /* ink levels a cut path pays per pixel it strays */
/* Where touching digits' strokes cross, a cut path leaves each a little of the
 * other's ink and takes a little of its own: a part takes this many columns past
 * its cuts, within the box of its own pixels (past it, a cut that runs along a
 * stroke would give the part a sliver of that stroke, and the stroke's height:
 * a lone L on the canvas read as a 1 and a tall 2). read-bench, 300 touching:
 * 47.0% so, 47.3% past the box too, 39.3% without. */
#define SPILL 1
/* The features of a digit (NnNumberFeatures) that the score weighs. The
 * detector's doubt counts scores well under its threshold too (reach). */
#define DOUBT_REACH 8.0
#define MAX_JOIN 3          /* pieces joined into one digit at most */
#define JOIN_WIDTH 1.0      /* the widest a join may be, as a share of the tallest piece */
/* Widths as shares of the tallest piece's height (which, with touching digits,
 * is that of two digits' union, a little taller than one). In MNIST, 99% of
 * digits are at most 1.33 times as wide as tall and 95% of those but the 1s at
 * least half as wide (measured on the test set). */
#define WIDEST 1.2
#define NARROW 0.4

/* The weights, as `bench/read-fit models/mnist_advanced.keras` prints them. The
 * score before them was log-probabilities, less 3 per refused digit, the doubt,
 * and 10 per unit of width beyond WIDEST or short of NARROW. read-bench, 1,000 of
 * each, separate / close / touching: the advanced model 98.0 / 96.8 / 74.5%
 * (97.5 / 96.0 / 68.0% before), the cnn 98.0 / 96.8 / 70.4% (97.9 / 96.1 /
 * 63.5%). */
const NnNumberFeatures nn_number_weights = {
  .log_prob = 0.0443f,
  .margin = 0.4536f,
  .refused = 0.2101f,
  .doubt = -0.2352f,
  .score = -1.0209f,
  .score_softplus = -1.9261f,
  .too_wide = -13.2978f,
  .too_narrow = -10.8299f,
  .width = 1.1897f,
  .short_ = -7.2491f,
  .digit = -0.5647f,
  .part = -1.7881f,
  .wide_part = -2.4560f,
  .join = 0.4909f,
  .cuts = -0.1810f,
  .crossed = -1.3112f,
  .crossed_excess = 0.3718f,
  .digit_as = { 3.3220f, -0.1889f, -2.4748f, -1.6886f, 0.2046f, -1.6634f, 0.6482f, -1.6218f, 0.5003f, 2.3975f },
  .part_as = { 2.3131f, 0.2946f, -1.6433f, -1.4895f, -0.5174f, -1.7753f, 0.3649f, -1.7689f, 0.4108f, 2.0229f },
  .wide_as = { 0.2296f, 0.0178f, -2.5178f, -0.1699f, -0.3846f, -0.0697f, -0.0198f, -0.4118f, -0.9435f, -0.6245f },
  .short_as = { -1.3021f, -2.8420f, -0.9178f, -0.1320f, -0.3923f, -0.2591f, -0.9631f, -1.1375f, 0.0733f, 0.1245f },
};

/* As `bench/read-fit --without-detector models/mnist_advanced.keras` prints them.
 * read-bench, 1,000 of each, separate / close / touching, against the hand-set
 * score: the advanced model with its rule taken out 98.3 / 96.0 / 66.7% (95.8 /
 * 94.0 / 51.3%), the Keras-made CNN of the format notes 68.0 / 60.4 / 1.4% (64.7
 * / 57.9 / 1.7%: it is near-certain of slices of digits too). */
const NnNumberFeatures nn_number_weights_without_detector = {
  .log_prob = -0.6720f,
  .margin = 0.9786f,
  .refused = -2.1719f,
  .doubt = 0.0000f,
  .score = 0.0000f,
  .score_softplus = 0.0000f,
  .too_wide = -12.7493f,
  .too_narrow = -10.9658f,
  .width = 0.2925f,
  .short_ = -9.4563f,
  .digit = -0.2281f,
  .part = -0.6160f,
  .wide_part = -2.7913f,
  .join = 0.5289f,
  .cuts = 0.5680f,
  .crossed = -0.8782f,
  .crossed_excess = -0.0931f,
  .digit_as = { 2.1802f, -0.5929f, -1.4173f, -1.0767f, 0.4297f, -1.1016f, 0.6027f, -1.2225f, 0.1203f, 1.8500f },
  .part_as = { 1.1824f, -0.0068f, -0.5553f, -0.5954f, -0.7278f, -1.1662f, 0.0108f, -0.6382f, 0.1458f, 1.7349f },
  .wide_as = { -0.0066f, -0.0092f, -1.7736f, -0.4218f, -0.4880f, -0.0843f, -0.0519f, -0.7812f, -1.5111f, -0.9060f },
  .short_as = { -1.3484f, -4.3883f, -0.6574f, -0.1269f, -0.6884f, -0.1738f, -1.4508f, -1.9757f, 0.1980f, 0.1162f },
};

/* As `bench/read-fit --pieces models/pieces/number_pieces.keras
 * models/mnist_advanced.keras` prints them. read-bench, the advanced model, four
 * seeds of 1,000 of each: separate 98.15%, close 97.70%, touching 85.45% (97.80,
 * 97.05 and 73.25% without the pieces model; models/README.md). */
const NnNumberFeatures nn_number_weights_in_place = {
  .log_prob = 1.3692f,
  .margin = 0.0040f,
  .refused = -0.9460f,
  .doubt = 0.8269f,
  .score = -1.3172f,
  .score_softplus = -1.4785f,
  .too_wide = -10.4348f,
  .too_narrow = -10.0457f,
  .width = 0.2106f,
  .short_ = -0.2199f,
  .digit = 0.5474f,
  .part = -0.5017f,
  .wide_part = -0.9500f,
  .join = 0.2691f,
  .cuts = 1.5575f,
  .crossed = 0.1662f,
  .crossed_excess = -0.2740f,
  .digit_as = { 0.5886f, -0.2890f, 0.0350f, -0.4809f, -0.1572f, 0.5883f, 0.5314f, -0.6618f, -0.1973f, 0.5905f },
  .part_as = { 0.4671f, -0.3335f, -0.1477f, -0.4016f, -0.1575f, -0.0473f, 1.0210f, -0.8712f, 0.0447f, -0.0759f },
  .wide_as = { -0.0159f, 0.0178f, -0.1277f, 0.0272f, -0.0438f, -0.1817f, -0.0119f, 0.0211f, -0.0821f, -0.0389f },
  .short_as = { -0.1266f, -0.2184f, -0.2041f, -0.0425f, -0.0346f, -0.0620f, 0.0567f, 0.1344f, 0.0457f, 0.0504f },
  .in_place = 4.0788f,
  .in_place_as = { 0.0155f, 0.0403f, 0.7991f, 0.6344f, 0.1253f, 0.7449f, 0.3110f, 0.3339f, 0.2670f, -0.1926f },
};

const NnNumberFeatures *
nn_number_weights_for (const NnVerdictRule *rule, const NnNumberPieces *pieces)
{
  if (rule->weights == NULL)
    return &nn_number_weights_without_detector;
  return pieces != NULL ? &nn_number_weights_in_place : &nn_number_weights;
}

struct _NnNumberPieces {
  NnModel *model;
  NnWorkspace *ws;
};

NnNumberPieces *
nn_number_pieces_new (NnModel *model, GError **error)
{
  if (model->n_classes != NN_NUMBER_PIECE_CLASSES)
    {
      g_set_error (error, NN_ERROR, NN_ERROR_UNSUPPORTED,
                   "The model has %d outputs; a pieces model has %d", model->n_classes,
                   NN_NUMBER_PIECE_CLASSES);
      nn_model_free (model);
      return NULL;
    }
  NnNumberPieces *pieces = g_new0 (NnNumberPieces, 1);
  pieces->model = model;
  pieces->ws = nn_workspace_new (model, NN_NUMBER_BATCH, NN_MODE_INFERENCE);
  return pieces;
}

void
nn_number_pieces_free (NnNumberPieces *pieces)
{
  if (pieces == NULL)
    return;
  nn_workspace_free (pieces->ws);
  nn_model_free (pieces->model);
  g_free (pieces);
}

const char *
nn_number_pieces_shipped_path (void)
{
  static const char *path;
  if (g_once_init_enter (&path))
    {
      g_autofree char *exe = g_file_read_link ("/proc/self/exe", NULL);
      gboolean built = exe != NULL && g_str_has_prefix (exe, NN_PIECES_BUILD_ROOT G_DIR_SEPARATOR_S);
      g_once_init_leave (&path, built ? NN_PIECES_SOURCE : NN_PIECES_INSTALLED);
    }
  return path;
}

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
  NnNumberPieces *pieces;   /* NULL: no reading in place */
  gboolean keep_place;      /* make the pictures in place (with pieces, or for fitting) */
  const guint8 *grey;
  int width, height, stride;
  gboolean light;     /* dark ink on light paper */
  int bg;             /* background grey level */
  int *labels;        /* (height, width): 0 background, else the piece's label */
  int n_labels;
  int tallest;        /* the tallest piece's height, once the pieces are found */
  NnNumberReading *out;
} Reader;

typedef struct {
  int label;
  const guint8 *take;   /* when not NULL, the labels it takes (pieces read as one digit) */
  const int *lo, *hi;   /* per row, the piece is in columns [lo[y], hi[y]); NULL: no limit */
  int spill;            /* and this many columns past them */
  int x0, y0, x1, y1;   /* the box of its pixels, [x0, x1) x [y0, y1) */
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

static inline gboolean
in_bounds (const Piece *pc, int x, int y)
{
  return (pc->lo == NULL || x >= pc->lo[y] - pc->spill)
         && (pc->hi == NULL || x < pc->hi[y] + pc->spill);
}

static inline gboolean
in_piece (const Reader *r, const Piece *pc, int x, int y)
{
  int label = r->labels[y * r->width + x];
  return (pc->take != NULL ? label != 0 && pc->take[label] : label == pc->label)
         && in_bounds (pc, x, y);
}

/* The box of pc's pixels within columns [x0, x1); FALSE when it has none. */
static gboolean
piece_box (const Reader *r, Piece *pc, int x0, int x1)
{
  pc->x0 = r->width, pc->y0 = r->height, pc->x1 = 0, pc->y1 = 0;
  for (int y = 0; y < r->height; y++)
    for (int x = x0; x < x1; x++)
      if (in_piece (r, pc, x, y))
        {
          pc->x0 = MIN (pc->x0, x), pc->y0 = MIN (pc->y0, y);
          pc->x1 = MAX (pc->x1, x + 1), pc->y1 = MAX (pc->y1, y + 1);
        }
  return pc->x1 > pc->x0;
}

/* What queue_piece and queue_edge return in place of a queued picture's index. */
enum { NO_WAY = -1, MARK_DROPPED = -2 };

/* Pictures of pieces waiting to be read, read together (read_queue): a batch
 * runs each layer over all its images at once, and over the workspace's threads. */
typedef struct {
  float log_prob[10];
  float score;          /* the detector's score less its threshold */
  gboolean scored;      /* FALSE: the rule has no detector */
  gboolean refused;
  float in_place[10];   /* the pieces model's log-probabilities (0 without one) */
} Segment;

typedef struct {
  GArray *x;            /* float: NN_IMAGE_PIXELS per picture */
  GArray *place;        /* float: the same pictures in place, when the reader keeps them */
  GArray *read;         /* NnNumberDigit: each picture's box, then its reading */
  GArray *seg;          /* Segment: what the score needs of each */
  GHashTable *seen;     /* a hash of each picture and box -> the first index queued with it */
  int done;             /* pictures read so far */
} Queue;

static void
queue_init (Queue *q)
{
  q->x = g_array_new (FALSE, FALSE, sizeof (float));
  q->place = g_array_new (FALSE, FALSE, sizeof (float));
  q->read = g_array_new (FALSE, TRUE, sizeof (NnNumberDigit));
  q->seg = g_array_new (FALSE, TRUE, sizeof (Segment));
  q->seen = g_hash_table_new (NULL, NULL);
  q->done = 0;
}

static void
queue_clear (Queue *q)
{
  g_array_unref (q->x);
  g_array_unref (q->place);
  g_array_unref (q->read);
  g_array_unref (q->seg);
  g_hash_table_unref (q->seen);
}

/* FNV-1a over the bytes of the picture and its box. */
static guint
picture_hash (const float *x, const NnNumberDigit *box)
{
  guint32 h = 2166136261u;
  const guint8 *b = (const guint8 *) x;
  for (size_t i = 0; i < NN_IMAGE_PIXELS * sizeof (float); i++)
    h = (h ^ b[i]) * 16777619u;
  int corners[4] = { box->x, box->y, box->w, box->h };
  b = (const guint8 *) corners;
  for (size_t i = 0; i < sizeof corners; i++)
    h = (h ^ b[i]) * 16777619u;
  return h;
}

/* The piece in its place, as a pieces model reads it: the line around the
 * centre of its box, scaled so that the tallest piece is NN_NUMBER_PLACE_HEIGHT
 * pixels high, each pixel the mean of four samples; the piece's own ink at its
 * strength, the rest at PLACE_OTHERS of it. */
#define PLACE_OTHERS 0.35
static void
place_picture (const Reader *r, const Piece *pc, float *out)
{
  double scale = (double) NN_NUMBER_PLACE_HEIGHT / MAX (r->tallest, 1);
  double cx = 0.5 * (pc->x0 + pc->x1), cy = 0.5 * (pc->y0 + pc->y1);
  int half = NN_IMAGE_SIDE / 2;

  for (int v = 0; v < NN_IMAGE_SIDE; v++)
    for (int u = 0; u < NN_IMAGE_SIDE; u++)
      {
        double sum = 0;
        for (int sy = 0; sy < 2; sy++)
          for (int sx = 0; sx < 2; sx++)
            {
              int x = (int) floor (cx + (u - half + 0.25 + 0.5 * sx) / scale);
              int y = (int) floor (cy + (v - half + 0.25 + 0.5 * sy) / scale);
              if (x < 0 || y < 0 || x >= r->width || y >= r->height)
                continue;
              sum += ink_at (r, x, y) / 255.0 * (in_piece (r, pc, x, y) ? 1.0 : PLACE_OTHERS);
            }
        out[v * NN_IMAGE_SIDE + u] = (float) MIN (1.0, sum / 4);
      }
}

/* Queues the piece's ink alone (with the faint pixels around it) on the
 * background, preprocessed, unless the same picture with the same box is queued
 * already. Returns its index, NO_WAY when preprocessing finds nothing to read. */
static int
queue_piece (const Reader *r, Queue *q, const Piece *pc)
{
  int bx0 = MAX (pc->x0 - 1, 0), by0 = MAX (pc->y0 - 1, 0);
  int bx1 = MIN (pc->x1 + 1, r->width), by1 = MIN (pc->y1 + 1, r->height);
  int bw = bx1 - bx0, bh = by1 - by0;
  g_autofree guint8 *crop = g_new (guint8, (size_t) bw * bh);
  float x[NN_IMAGE_PIXELS];

  g_autofree guint8 *own = g_new0 (guint8, (size_t) bw * bh);
  for (int y = by0; y < by1; y++)
    for (int xx = bx0; xx < bx1; xx++)
      own[(y - by0) * bw + (xx - bx0)] = in_piece (r, pc, xx, y);
  for (int y = by0; y < by1; y++)
    for (int xx = bx0; xx < bx1; xx++)
      {
        gboolean mine = own[(y - by0) * bw + (xx - bx0)];
        /* An unlabelled edge pixel of the piece's own columns. */
        if (!mine && r->labels[y * r->width + xx] == 0 && in_bounds (pc, xx, y))
          for (int dy = -1; dy <= 1 && !mine; dy++)
            for (int dx = -1; dx <= 1 && !mine; dx++)
              {
                int qx = xx + dx - bx0, qy = y + dy - by0;
                mine = qx >= 0 && qx < bw && qy >= 0 && qy < bh && own[qy * bw + qx];
              }
        crop[(y - by0) * bw + (xx - bx0)] = mine ? r->grey[(size_t) y * r->stride + xx] : r->bg;
      }
  if (!nn_preprocess_digit (crop, bw, bh, bw, r->light ? NN_BACKGROUND_LIGHT : NN_BACKGROUND_DARK,
                            x, NULL))
    return NO_WAY;
  NnNumberDigit box = { .x = pc->x0, .y = pc->y0, .w = pc->x1 - pc->x0, .h = pc->y1 - pc->y0 };
  guint hash = picture_hash (x, &box);
  gpointer first;
  /* Cut paths that differ only where there is no ink make the same part. */
  if (g_hash_table_lookup_extended (q->seen, GUINT_TO_POINTER (hash), NULL, &first))
    {
      int k = GPOINTER_TO_INT (first);
      const NnNumberDigit *kb = &g_array_index (q->read, NnNumberDigit, k);
      if (memcmp (&g_array_index (q->x, float, (size_t) k * NN_IMAGE_PIXELS), x, sizeof x) == 0
          && kb->x == box.x && kb->y == box.y && kb->w == box.w && kb->h == box.h)
        return k;
    }
  else
    g_hash_table_insert (q->seen, GUINT_TO_POINTER (hash), GINT_TO_POINTER ((int) q->read->len));
  g_array_append_vals (q->x, x, NN_IMAGE_PIXELS);
  if (r->keep_place)
    {
      g_array_set_size (q->place, q->read->len * NN_IMAGE_PIXELS + NN_IMAGE_PIXELS);
      place_picture (r, pc, &g_array_index (q->place, float, q->read->len * NN_IMAGE_PIXELS));
    }
  g_array_append_val (q->read, box);
  g_array_set_size (q->seg, q->read->len);
  return (int) q->read->len - 1;
}

/* One picture's reading from its logits (and the detector's features): the
 * digit and its verdict, and what the score needs of it. */
static void
judge (const Reader *r, const float *x, const float *logits, const float *feats,
       NnNumberDigit *d, Segment *seg)
{
  float probs[10];
  NnVerdictFeatures f;

  nn_verdict_features (r->rule, x, logits, 10, feats, &f);
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
  for (int k = 0; k < 10; k++)
    seg->log_prob[k] = (float) log (MAX (probs[k], 1e-6));
  seg->refused = d->verdict != NN_VERDICT_DIGIT;
  seg->scored = r->rule->weights != NULL;
  seg->score = seg->scored ? (float) (f.score - r->rule->max_score) : 0;
}

/* The pieces model's log-probabilities of the ten digits for pictures
 * [start, start + n) of the queue, in place. */
static void
read_in_place (const Reader *r, Queue *q, int start, int n)
{
  NnNumberPieces *pieces = r->pieces;
  int batch = MIN (nn_workspace_max_batch (pieces->ws), NN_NUMBER_BATCH);
  for (int s = start; s < start + n; s += batch)
    {
      int b = MIN (batch, start + n - s);
      const float *x = &g_array_index (q->place, float, (size_t) s * NN_IMAGE_PIXELS);
      const float *logits = nn_model_forward_logits (pieces->model, pieces->ws, x, b);
      float probs[NN_NUMBER_BATCH * NN_NUMBER_PIECE_CLASSES];
      nn_softmax_rows (probs, logits, b, NN_NUMBER_PIECE_CLASSES);
      for (int i = 0; i < b; i++)
        {
          Segment *seg = &g_array_index (q->seg, Segment, s + i);
          for (int k = 0; k < 10; k++)
            seg->in_place[k] = MAX (logf (probs[i * NN_NUMBER_PIECE_CLASSES + k]), -12.0f);
        }
    }
}

/* Reads the pictures queued since the last call, a workspace batch at a time. */
static void
read_queue (const Reader *r, Queue *q)
{
  int batch = nn_workspace_max_batch (r->ws), n = (int) q->read->len;
  int layer = r->rule->dim > 0 ? nn_verdict_feature_layer (r->m) : -1;

  for (int s = q->done; s < n; s += batch)
    {
      int b = MIN (batch, n - s);
      const float *x = &g_array_index (q->x, float, (size_t) s * NN_IMAGE_PIXELS);
      const float *logits = nn_model_forward_logits (r->m, r->ws, x, b);
      const float *feats = layer >= 0 ? nn_workspace_layer_output (r->ws, layer) : NULL;
      for (int i = 0; i < b; i++)
        judge (r, x + (size_t) i * NN_IMAGE_PIXELS, logits + (size_t) i * 10,
               feats != NULL ? feats + (size_t) i * r->rule->dim : NULL,
               &g_array_index (q->read, NnNumberDigit, s + i), &g_array_index (q->seg, Segment, s + i));
    }
  if (r->pieces != NULL && n > q->done)
    read_in_place (r, q, q->done, n - q->done);
  q->done = n;
}

static void
append (Reader *r, const NnNumberDigit *d)
{
  if (r->out->n < NN_NUMBER_MAX_DIGITS)
    r->out->digits[r->out->n++] = *d;
}

/* Candidate cut columns, sorted, leaving a digit's width at either end: where
 * the column profile of the ink has a valley, where the top outline dips or the
 * bottom one rises (the notch between two touching digits), and, wherever these
 * leave more than GAP of the height without a candidate (WIDE_GAP in a piece that
 * may be touching digits: wide, and as tall as the tallest), the thinnest column
 * there. Returns how many. */
static int
pick_cuts (const Reader *r, const Piece *pc, int tallest, int *cuts)
{
  int w = pc->x1 - pc->x0, h = pc->y1 - pc->y0, n = 0;
  int margin = MAX (2, (int) (MIN_DIGIT * h)), lo = margin, hi = w - margin;
  g_autofree int *col = g_new0 (int, w), *top = g_new (int, w), *bottom = g_new (int, w);
  g_autofree guint8 *mark = g_new0 (guint8, w + 1);

  for (int x = 0; x < w; x++)
    top[x] = h, bottom[x] = 0;
  for (int y = pc->y0; y < pc->y1; y++)
    for (int x = pc->x0; x < pc->x1; x++)
      if (in_piece (r, pc, x, y))
        {
          int i = x - pc->x0;
          col[i] += ink_at (r, x, y);
          top[i] = MIN (top[i], y - pc->y0), bottom[i] = MAX (bottom[i], y - pc->y0 + 1);
        }
  for (int x = MAX (lo, 1); x < MIN (hi, w - 1); x++)
    {
      gboolean valley = col[x] <= col[x - 1] && col[x] < col[x + 1];
      gboolean dip = top[x] >= top[x - 1] && top[x] > top[x + 1];
      gboolean rise = bottom[x] <= bottom[x - 1] && bottom[x] < bottom[x + 1];
      mark[x] = valley || dip || rise;
    }
  /* Fill the gaps, at the thinnest column of each. */
  gboolean pair = w > WIDE * h && h >= FULL_HEIGHT * tallest;
  int gap = MAX (3, (int) ((pair ? WIDE_GAP : GAP) * h));
  for (gboolean filled = TRUE; filled;)
    {
      int last = lo - 1;
      filled = FALSE;
      for (int x = lo; x <= hi; x++)
        if (x == hi || mark[x])
          {
            if (x - last > gap)
              {
                int pick = (last + x) / 2;
                for (int k = last + 2; k <= x - 2; k++)
                  if (col[k] < col[pick])
                    pick = k;
                if (pick >= lo && pick < hi && !mark[pick])
                  mark[pick] = 1, filled = TRUE;
              }
            last = x;
          }
    }
  /* Of candidates closer than SPACING, the thinner column: a large drawing's
   * profile has a valley at every wiggle of its outline, and each candidate
   * costs reads of the parts it makes. */
  int spacing = MAX (1, (int) (SPACING * h)), last = -1;
  for (int x = lo; x < hi; x++)
    if (mark[x])
      {
        if (n > 0 && x - last < spacing)
          {
            if (col[x] < col[last])
              cuts[n - 1] = pc->x0 + x, last = x;
            continue;
          }
        if (n == MAX_CUTS)
          break;
        cuts[n++] = pc->x0 + x, last = x;
      }
  return n;
}

/* The strongest ink of pc's pixels (at least 1). */
static int
strongest_ink (const Reader *r, const Piece *pc)
{
  int strongest = 1;
  for (int y = pc->y0; y < pc->y1; y++)
    for (int x = pc->x0; x < pc->x1; x++)
      if (in_piece (r, pc, x, y))
        strongest = MAX (strongest, ink_at (r, x, y));
  return strongest;
}

/* The cut near column c that crosses the least ink: a path from the top row of pc
 * to its bottom, one pixel sideways at most per row, within CUT_REACH of c.
 * bound[y] is the first column right of it (every row of the picture). Returns
 * the ink it crosses, in pixels at strongest (the piece's strongest ink). */
static float
cut_path (const Reader *r, const Piece *pc, int c, int strongest, int *bound)
{
  int h = pc->y1 - pc->y0, reach = MAX (1, (int) (CUT_REACH * h)), span = 2 * reach + 1;
  g_autofree double *acc = g_new (double, (size_t) h * span);
  g_autofree signed char *step = g_new (signed char, (size_t) h * span);

  for (int i = 0; i < h; i++)
    for (int k = 0; k < span; k++)
      {
        int x = c - reach + k, y = pc->y0 + i;
        double cost = x <= pc->x0 || x >= pc->x1 ? 1e9
                      : (in_piece (r, pc, x, y) ? ink_at (r, x, y) : 0) + CUT_BEND * abs (k - reach);
        double best = i == 0 ? 0 : 1e18;
        step[i * span + k] = 0;
        for (int d = -1; i > 0 && d <= 1; d++)
          if (k + d >= 0 && k + d < span && acc[(i - 1) * span + k + d] < best)
            best = acc[(i - 1) * span + k + d], step[i * span + k] = (signed char) d;
        acc[i * span + k] = best + cost;
      }
  int k = reach;
  for (int j = 0; j < span; j++)
    if (acc[(h - 1) * span + j] < acc[(h - 1) * span + k])
      k = j;
  for (int y = 0; y < r->height; y++)
    bound[y] = c;
  for (int i = h - 1; i >= 0; i--)
    {
      bound[pc->y0 + i] = c - reach + k;
      k += step[i * span + k];
    }
  double crossed = 0;
  for (int y = pc->y0; y < pc->y1; y++)
    {
      int x = bound[y];
      if (x > pc->x0 && x < pc->x1 && in_piece (r, pc, x, y))
        crossed += ink_at (r, x, y);
    }
  return (float) (crossed / strongest);
}

/* The nodes of one line's dynamic programme: each piece's left end, its cuts
 * (with their paths), then the next piece's left end, the last one's right end. */
typedef struct {
  int piece;          /* the piece whose left end or cut this is; n_pieces: the end */
  const int *bound;   /* the cut's path (first column right of it per row); NULL at an end */
  int x;
  float crossed;      /* the ink the cut crosses */
} Node;

/* Whether a piece is to be cut: wide enough for two digits, unless it reads
 * surely as one. */
static gboolean
may_cut (const Piece *pc, const NnNumberDigit *whole, gboolean have_whole)
{
  int w = pc->x1 - pc->x0, h = pc->y1 - pc->y0;
  return !(w < TRY_WIDTH * h || w < 6
           || (have_whole && w <= WIDE * h && whole->verdict == NN_VERDICT_DIGIT
               && whole->confidence >= SURE));
}

typedef enum { WAY_WHOLE, WAY_PART, WAY_JOIN } WayKind;

/* A way from one node to a later one: a digit read, or a mark dropped. */
typedef struct {
  int from;           /* the node it leaves */
  int read;           /* the queue's picture read as its digit, or MARK_DROPPED */
  WayKind kind;
  int cuts;           /* of its two sides */
  float crossed;      /* the ink its cuts cross */
} Edge;

/* Every way of reading a line: the nodes, and the edges into each (into[j] to
 * into[j + 1]), with the pictures they read. */
struct _NnNumberLattice {
  int n;              /* nodes; the first is the line's start, the last its end */
  GArray *edges;      /* Edge */
  int *into;          /* (n + 1) */
  Queue queue;
  int tallest;
  int classes;        /* how many of a picture's best classes a way may read it as */
};

/* A step of a way: an edge, read as the class-th best class of its picture. */
#define MAX_CLASSES 2
#define STEP_EDGE(step) ((step) / MAX_CLASSES)

/* The class a step reads its edge's picture as. */
static int
step_class (const NnNumberLattice *lat, int step)
{
  const Edge *e = &g_array_index (lat->edges, Edge, STEP_EDGE (step));
  const NnNumberDigit *d = &g_array_index (lat->queue.read, NnNumberDigit, e->read);
  int second = -1;
  if (step % MAX_CLASSES == 0)
    return d->digit;
  for (int k = 0; k < 10; k++)
    if (k != d->digit && (second < 0 || d->probs[k] > d->probs[second]))
      second = k;
  return second;
}

/* The way from node i into node j, if there is one: queues the picture it reads
 * and returns its queue index, or returns MARK_DROPPED or NO_WAY. */
static int
queue_edge (Reader *r, Queue *queue, const Piece *pieces, const Node *node, const int *first,
            const int *whole, guint8 *take, int tallest, int i, int j)
{
  int p = node[i].piece, q = node[j - 1].piece;
  gboolean at_start = node[i].bound == NULL, at_end = j == first[q + 1];
  if (p == q && at_start && at_end)
    /* The piece whole, or a mark dropped. */
    return pieces[p].y1 - pieces[p].y0 < SHORT * tallest ? MARK_DROPPED : whole[p];
  if (p == q)
    {
      /* A part of one piece between two of its cuts. */
      const Piece *pc = &pieces[p];
      Piece part = { .label = pc->label, .lo = node[i].bound, .hi = at_end ? NULL : node[j].bound };
      int sw = (at_end ? pc->x1 : node[j].x) - node[i].x, h = pc->y1 - pc->y0;
      if (sw < MIN_DIGIT * h || sw > MAX_DIGIT * h || !piece_box (r, &part, pc->x0, pc->x1))
        return NO_WAY;
      /* The box is the part's own; the spill only fills it out. */
      part.spill = SPILL;
      return queue_piece (r, queue, &part);
    }
  /* Whole pieces p..q joined. */
  Piece group = { .take = take };
  int x0 = r->width, x1 = 0, read = NO_WAY;
  if (!at_start || !at_end || q - p >= MAX_JOIN)
    return NO_WAY;
  for (int k = p; k <= q; k++)
    x0 = MIN (x0, pieces[k].x0), x1 = MAX (x1, pieces[k].x1);
  if (x1 - x0 > JOIN_WIDTH * MAX (tallest, 1))
    return NO_WAY;
  for (int k = p; k <= q; k++)
    take[pieces[k].label] = 1;
  if (piece_box (r, &group, x0, x1))
    read = queue_piece (r, queue, &group);
  for (int k = p; k <= q; k++)
    take[pieces[k].label] = 0;
  return read;
}

/* The features of reading the picture of edge e as class c. */
static void
edge_features (const NnNumberLattice *lat, const Edge *e, int c, NnNumberFeatures *f)
{
  const NnNumberDigit *d = &g_array_index (lat->queue.read, NnNumberDigit, e->read);
  const Segment *seg = &g_array_index (lat->queue.seg, Segment, e->read);
  double width = (double) d->w / MAX (lat->tallest, 1);
  double height = (double) d->h / MAX (lat->tallest, 1);
  float other = -INFINITY;

  memset (f, 0, sizeof *f);
  for (int k = 0; k < 10; k++)
    if (k != c)
      other = MAX (other, seg->log_prob[k]);
  f->log_prob = seg->log_prob[c];
  f->margin = seg->log_prob[c] - other;
  f->refused = seg->refused;
  if (seg->scored)
    {
      f->doubt = (float) log1p (exp (MIN (seg->score + DOUBT_REACH, 50.0)));
      f->score = CLAMP (seg->score, -20.0f, 20.0f);
      f->score_softplus = (float) log1p (exp (MIN (seg->score, 50.0)));
    }
  f->too_wide = (float) MAX (0, width - WIDEST);
  f->too_narrow = (float) MAX (0, (c == 1 ? 0 : NARROW) - width);
  f->width = (float) MIN (width, 2.0);
  f->short_ = (float) MAX (0, 1 - height);
  f->digit = 1;
  f->part = e->kind == WAY_PART;
  f->wide_part = e->kind == WAY_PART && width > 0.9;
  f->join = e->kind == WAY_JOIN;
  f->cuts = (float) e->cuts;
  f->crossed = e->crossed;
  f->crossed_excess = MAX (0, e->crossed - 2);
  f->digit_as[c] = 1;
  f->part_as[c] = f->part;
  f->wide_as[c] = (float) MAX (0, width - 0.8);
  f->short_as[c] = (float) MAX (0, 0.9 - height);
  f->in_place = seg->in_place[c];
  f->in_place_as[c] = seg->in_place[c];
}

static double
dot (const NnNumberFeatures *w, const NnNumberFeatures *f)
{
  const float *a = (const float *) w, *b = (const float *) f;
  double s = 0;
  for (int i = 0; i < NN_NUMBER_N_FEATURES; i++)
    s += (double) a[i] * b[i];
  return s;
}

/* Builds the lattice of the line of pieces (sorted left to right): the ways that
 * take each piece whole, cut it along paths at candidate columns into touching
 * digits, or join it with the next one or two into one digit (a digit drawn in
 * strokes that do not touch). Marks (pieces much shorter than the tallest) may
 * be dropped. The pieces whole are read first (they say which to cut), then
 * every part and join a way may take, together. */
static void
build_lattice (Reader *r, Piece *pieces, int n_pieces, NnNumberLattice *lat)
{
  int tallest = 0, n = 0, cuts[MAX_CUTS];
  g_autofree int *whole = g_new (int, MAX (n_pieces, 1));
  g_autoptr (GArray) nodes = g_array_new (FALSE, FALSE, sizeof (Node));
  g_autoptr (GPtrArray) paths = g_ptr_array_new_with_free_func (g_free);
  g_autofree int *first = g_new (int, n_pieces + 1);
  g_autofree guint8 *take = g_new0 (guint8, MAX (r->n_labels + 1, 1));
  Queue *queue = &lat->queue;

  for (int i = 0; i < n_pieces; i++)
    tallest = MAX (tallest, pieces[i].y1 - pieces[i].y0);
  lat->tallest = r->tallest = tallest;
  for (int i = 0; i < n_pieces; i++)
    whole[i] = queue_piece (r, queue, &pieces[i]);
  read_queue (r, queue);
  for (int i = 0; i < n_pieces; i++)
    {
      Piece *pc = &pieces[i];
      Node start = { .piece = i, .x = pc->x0 };
      first[i] = (int) nodes->len;
      g_array_append_val (nodes, start);
      const NnNumberDigit *w = whole[i] >= 0 ? &g_array_index (queue->read, NnNumberDigit, whole[i])
                                             : NULL;
      if (pc->y1 - pc->y0 < SHORT * tallest || !may_cut (pc, w, w != NULL))
        continue;
      int n_cuts = pick_cuts (r, pc, tallest, cuts), strongest = strongest_ink (r, pc);
      for (int k = 0; k < n_cuts; k++)
        {
          int *bound = g_new (int, r->height);
          float crossed = cut_path (r, pc, cuts[k], strongest, bound);
          g_ptr_array_add (paths, bound);
          Node cut = { .piece = i, .bound = bound, .x = cuts[k], .crossed = crossed };
          g_array_append_val (nodes, cut);
        }
    }
  first[n_pieces] = (int) nodes->len;
  Node end = { .piece = n_pieces, .x = n_pieces > 0 ? pieces[n_pieces - 1].x1 : 0 };
  g_array_append_val (nodes, end);
  n = lat->n = (int) nodes->len;

  /* The ways into each node, from nodes a way reaches. */
  const Node *node = (const Node *) nodes->data;
  g_autofree gboolean *reached = g_new0 (gboolean, n);
  lat->into = g_new (int, n + 1);
  reached[0] = TRUE, lat->into[0] = lat->into[1] = 0;
  for (int j = 1; j < n; j++)
    {
      for (int i = j - 1; i >= 0; i--)
        {
          int read = reached[i] ? queue_edge (r, queue, pieces, node, first, whole, take,
                                              tallest, i, j)
                                : NO_WAY;
          if (read == NO_WAY)
            continue;
          int p = node[i].piece, q = node[j - 1].piece;
          gboolean cut_right = p == q && j != first[q + 1];
          Edge e = { .from = i, .read = read,
                     .kind = p != q ? WAY_JOIN : node[i].bound != NULL || cut_right ? WAY_PART
                                                                                     : WAY_WHOLE,
                     .cuts = (node[i].bound != NULL) + cut_right,
                     .crossed = (node[i].bound != NULL ? node[i].crossed : 0)
                                + (cut_right ? node[j].crossed : 0) };
          g_array_append_val (lat->edges, e);
          reached[j] = TRUE;
        }
      lat->into[j + 1] = (int) lat->edges->len;
    }
  read_queue (r, queue);
}

/* The score weights give reading e's picture as class c. */
static double
gain_of (const NnNumberLattice *lat, const NnNumberFeatures *weights, const Edge *e, int c)
{
  NnNumberFeatures f;
  edge_features (lat, e, c, &f);
  return dot (weights, &f);
}

/* The way of highest score (of those reading truth, when not NULL), each digit
 * read as one of its picture's lat->classes best classes, or as any class with
 * any_class: its steps (edge and class, STEP_EDGE) that read a digit, from the
 * last (path, at most lat->n). Returns how many, -1 for no way. */
static int
best_way (const NnNumberLattice *lat, const NnNumberFeatures *weights, const char *truth,
          gboolean any_class, int *path)
{
  /* States: node j having read k digits of truth (one state per node without). */
  int n = lat->n, len = truth != NULL ? (int) strlen (truth) : 0, states = len + 1;
  const Edge *edge = (const Edge *) lat->edges->data;
  g_autofree double *best = g_new (double, (size_t) n * states);
  g_autofree int *from = g_new (int, (size_t) n * states), *took = g_new (int, (size_t) n * states);
  int classes = any_class ? 1 : lat->classes;

  if (n == 1)
    return len == 0 ? 0 : -1;
  for (int i = 0; i < n * states; i++)
    best[i] = -INFINITY, from[i] = -1;
  best[0] = 0;
  for (int j = 1; j < n; j++)
    for (int step = lat->into[j] * MAX_CLASSES; step < lat->into[j + 1] * MAX_CLASSES; step++)
      {
        const Edge *e = &edge[STEP_EDGE (step)];
        if (step % MAX_CLASSES >= (e->read >= 0 ? classes : 1))
          continue;
        /* A digit's score does not depend on the state it is read in. */
        int c = e->read >= 0 ? step_class (lat, step) : -1;
        double gain = c >= 0 ? gain_of (lat, weights, e, c) : 0;
        for (int t = 0; t < states; t++)
          {
            double s = best[e->from * states + t];
            int next = t;
            if (s == -INFINITY)
              continue;
            if (c >= 0)
              {
                int want = truth != NULL && t < len ? truth[t] - '0' : -1;
                if (truth != NULL && (want < 0 || (!any_class && want != c)))
                  continue;
                next = truth != NULL ? t + 1 : t;
                s += want >= 0 && want != c ? gain_of (lat, weights, e, want) : gain;
              }
            int at = j * states + next;
            if (s > best[at])
              best[at] = s, from[at] = e->from * states + t, took[at] = step;
          }
      }
  int count = 0, at = (n - 1) * states + len;
  if (best[at] == -INFINITY)
    return -1;
  for (; at >= states; at = from[at])
    if (edge[STEP_EDGE (took[at])].read >= 0)
      path[count++] = took[at];
  return count;
}

/* With a pieces model, whose reading in place may correct the digit model's, a
 * way may read a picture as its second best class too (read-bench, seed 1,
 * separate / close / touching, with a pieces model of half the filters, each
 * with its own fitted weights: 98.3 / 97.4 / 77.9% with the best class alone,
 * 98.5 / 97.1 / 79.3% so). */
static NnNumberLattice *
lattice_new (const NnNumberPieces *pieces)
{
  NnNumberLattice *lat = g_new0 (NnNumberLattice, 1);
  lat->classes = pieces != NULL ? MAX_CLASSES : 1;
  lat->edges = g_array_new (FALSE, FALSE, sizeof (Edge));
  queue_init (&lat->queue);
  return lat;
}

void
nn_number_lattice_free (NnNumberLattice *lat)
{
  if (lat == NULL)
    return;
  g_array_unref (lat->edges);
  g_free (lat->into);
  queue_clear (&lat->queue);
  g_free (lat);
}

gboolean
nn_number_lattice_best (const NnNumberLattice *lat, const NnNumberFeatures *weights,
                        const char *truth, char *number, NnNumberFeatures *sum)
{
  g_autofree int *path = g_new (int, MAX (lat->n, 1));
  int count = best_way (lat, weights, truth, FALSE, path);
  float *total = (float *) sum;
  NnNumberFeatures f;

  memset (sum, 0, sizeof *sum);
  number[0] = '\0';
  if (count < 0)
    return FALSE;
  for (int k = 0; k < count && k < NN_NUMBER_MAX_DIGITS; k++)
    {
      const Edge *e = &g_array_index (lat->edges, Edge, STEP_EDGE (path[count - 1 - k]));
      int c = step_class (lat, path[count - 1 - k]);
      number[k] = (char) ('0' + c);
      edge_features (lat, e, c, &f);
      for (int i = 0; i < NN_NUMBER_N_FEATURES; i++)
        total[i] += ((const float *) &f)[i];
    }
  number[MIN (count, NN_NUMBER_MAX_DIGITS)] = '\0';
  return TRUE;
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

/* In one pass over the rows: the height of the ink (the rows from the first to
 * the last with a pixel of at least threshold, 0 for none), and the narrowest run
 * of columns without ink between two columns with ink (G_MAXINT for none):
 * pieces set apart by such a run stay apart when the picture is reduced by at
 * most (run + 1) / 2. */
static void
ink_extent (const Reader *r, int threshold, int *height, int *narrowest_gap)
{
  g_autofree guint8 *column = g_new0 (guint8, r->width);
  int top = -1, bottom = -1, last = -1;

  for (int y = 0; y < r->height; y++)
    for (int x = 0; x < r->width; x++)
      if (ink_at (r, x, y) >= threshold)
        {
          column[x] = 1;
          top = top < 0 ? y : top, bottom = y;
        }
  *height = top < 0 ? 0 : bottom - top + 1;
  *narrowest_gap = G_MAXINT;
  for (int x = 0; x < r->width; x++)
    if (column[x])
      {
        if (last >= 0 && x - last > 1)
          *narrowest_gap = MIN (*narrowest_gap, x - last - 1);
        last = x;
      }
}

/* grey reduced f times in each direction, each pixel the mean of its f x f block
 * (a last partial block is dropped). */
static guint8 *
shrink (const guint8 *grey, int width, int height, int stride, int f, gboolean light, int *out_w,
        int *out_h)
{
  int w = width / f, h = height / f;
  guint8 *out = g_new (guint8, (size_t) MAX (w, 1) * MAX (h, 1));
  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++)
      {
        int lo = 255, hi = 0;
        for (int dy = 0; dy < f; dy++)
          for (int dx = 0; dx < f; dx++)
            {
              int g = grey[(size_t) (y * f + dy) * stride + x * f + dx];
              lo = MIN (lo, g), hi = MAX (hi, g);
            }
        out[y * w + x] = (guint8) (light ? lo : hi);
      }
  *out_w = w, *out_h = h;
  return out;
}

/* d's box, found in the picture reduced f times, back in the picture's pixels:
 * the blocks it covers, shrunk to the ink (at least threshold above bg) within
 * them, so that it is as exact as a box found at full size. */
static void
tighten_box (const guint8 *grey, int width, int height, int stride, gboolean light, int bg,
             int threshold, int f, NnNumberDigit *d)
{
  int x0 = d->x * f, y0 = d->y * f;
  int x1 = MIN ((d->x + d->w) * f, width), y1 = MIN ((d->y + d->h) * f, height);
  int bx0 = x1, by0 = y1, bx1 = x0, by1 = y0;

  for (int y = y0; y < y1; y++)
    for (int x = x0; x < x1; x++)
      {
        int g = grey[(size_t) y * stride + x];
        if ((light ? bg - g : g - bg) < threshold)
          continue;
        bx0 = MIN (bx0, x), by0 = MIN (by0, y), bx1 = MAX (bx1, x + 1), by1 = MAX (by1, y + 1);
      }
  if (bx1 <= bx0) /* no ink at full size: the blocks themselves */
    bx0 = x0, by0 = y0, bx1 = x1, by1 = y1;
  d->x = bx0, d->y = by0, d->w = bx1 - bx0, d->h = by1 - by0;
}

/* Finds the pieces of r's picture and builds the lattice of their line. */
static void
read_picture (Reader *r, int max_ink, NnNumberLattice *lat)
{
  g_autofree int *labels = g_new0 (int, (size_t) r->width * r->height);
  r->labels = labels;
  r->n_labels = label_pieces (r, (int) MAX (MIN_CONTRAST / 2, INK_SHARE * max_ink));
  g_autofree Piece *pieces = g_new0 (Piece, r->n_labels + 1);
  int n = 0;
  for (int l = 1; l <= r->n_labels; l++)
    {
      pieces[n] = (Piece){ .label = l };
      if (piece_box (r, &pieces[n], 0, r->width))
        n++;
    }
  qsort (pieces, n, sizeof *pieces, cmp_piece);
  build_lattice (r, pieces, n, lat);
  r->labels = NULL;
}

static int
max_ink_of (const Reader *r)
{
  int max_ink = 0;
  for (int y = 0; y < r->height; y++)
    for (int x = 0; x < r->width; x++)
      max_ink = MAX (max_ink, ink_at (r, x, y));
  return max_ink;
}

/* How r's picture was read: at full size, or reduced f times into small. */
typedef struct {
  guint8 *small;
  int f, threshold, bg_full;
} Scale;

/* Builds the lattice of r's picture (r has its model, rule, picture and size).
 * FALSE, with an empty lattice, when the picture has no ink. */
static gboolean
read_lattice (Reader *r, NnBackground background, NnNumberLattice *lat, Scale *scale)
{
  int max_ink, ink_h, gap;

  memset (scale, 0, sizeof *scale);
  if (r->width < 1 || r->height < 1)
    return FALSE;
  if (background == NN_BACKGROUND_AUTO)
    background = nn_detect_background (r->grey, r->width, r->height, r->stride);
  r->light = background == NN_BACKGROUND_LIGHT;
  r->bg = border_median (r->grey, r->width, r->height, r->stride);
  max_ink = max_ink_of (r);
  if (max_ink < MIN_CONTRAST)
    return FALSE;

  /* Large pictures are read reduced, their ink about MNIST's height: the cuts'
   * reach, bends and spill are set in pixels at that scale, and the reads of the
   * parts cost the time of their pixels. */
  scale->threshold = (int) MAX (MIN_CONTRAST / 2, INK_SHARE * max_ink);
  ink_extent (r, scale->threshold, &ink_h, &gap);
  /* but not so far that a gap between two pieces closes (the app's canvas sets
   * its digits' strokes apart by a few pixels) */
  scale->f = MIN (ink_h / READ_HEIGHT, gap == G_MAXINT ? G_MAXINT : (gap + 1) / 2);
  if (scale->f >= 2 && r->width >= scale->f) /* a column of ink one pixel wide stays as it is */
    {
      scale->bg_full = r->bg;
      scale->small = shrink (r->grey, r->width, r->height, r->stride, scale->f, r->light,
                             &r->width, &r->height);
      r->grey = scale->small, r->stride = r->width;
      r->bg = border_median (scale->small, r->width, r->height, r->stride);
      max_ink = max_ink_of (r);
    }
  read_picture (r, max_ink, lat);
  return TRUE;
}

static gboolean
check_classes (const NnModel *m, GError **error)
{
  if (m->n_classes == 10)
    return TRUE;
  g_set_error (error, NN_ERROR, NN_ERROR_UNSUPPORTED,
               "The model has %d outputs; reading numbers needs a digit model of 10",
               m->n_classes);
  return FALSE;
}

NnNumberLattice *
nn_number_lattice_new (NnModel *m, NnWorkspace *ws, const NnVerdictRule *rule,
                       NnNumberPieces *pieces, const guint8 *grey, int width, int height,
                       int stride, NnBackground background, GError **error)
{
  Reader r = { .m = m, .ws = ws, .rule = rule, .pieces = pieces, .keep_place = TRUE,
               .grey = grey, .width = width, .height = height, .stride = stride };
  Scale scale;

  if (!check_classes (m, error))
    return NULL;
  NnNumberLattice *lat = lattice_new (pieces);
  if (!read_lattice (&r, background, lat, &scale))
    lat->n = 1; /* the line's start is its end */
  g_free (scale.small);
  return lat;
}

gboolean
nn_number_read (NnModel *m, NnWorkspace *ws, const NnVerdictRule *rule, NnNumberPieces *pieces,
                const guint8 *grey, int width, int height, int stride, NnBackground background,
                NnNumberReading *out, GError **error)
{
  /* The weights of a rule without a detector do not weigh the reading in place. */
  pieces = rule->weights != NULL ? pieces : NULL;
  Reader r = { .m = m, .ws = ws, .rule = rule, .pieces = pieces, .keep_place = pieces != NULL,
               .grey = grey, .width = width, .height = height, .stride = stride, .out = out };
  Scale scale;

  if (!check_classes (m, error))
    return FALSE;
  memset (out, 0, sizeof *out);
  out->verdict = NN_NUMBER_BLANK;
  NnNumberLattice *lat = lattice_new (pieces);
  if (read_lattice (&r, background, lat, &scale))
    {
      g_autofree int *path = g_new (int, lat->n);
      int count = best_way (lat, nn_number_weights_for (rule, pieces), NULL, FALSE, path);
      for (int k = 0; k < count; k++)
        {
          const Edge *e = &g_array_index (lat->edges, Edge, STEP_EDGE (path[k]));
          NnNumberDigit d = g_array_index (lat->queue.read, NnNumberDigit, e->read);
          d.digit = step_class (lat, path[k]);
          d.confidence = d.probs[d.digit];
          append (&r, &d);
        }
    }
  nn_number_lattice_free (lat);
  qsort (out->digits, out->n, sizeof *out->digits, cmp_digit);

  out->verdict = out->n == 0 ? NN_NUMBER_BLANK : NN_NUMBER_NUMBER;
  for (int i = 0; i < out->n; i++)
    {
      NnNumberDigit *d = &out->digits[i];
      if (scale.small != NULL)
        tighten_box (grey, width, height, stride, r.light, scale.bg_full, scale.threshold,
                     scale.f, d);
      out->number[i] = (char) ('0' + d->digit);
      if (d->verdict != NN_VERDICT_DIGIT)
        out->verdict = NN_NUMBER_NOT_A_NUMBER;
    }
  out->number[out->n] = '\0';
  g_free (scale.small);
  return TRUE;
}

int
nn_number_lattice_n_pictures (const NnNumberLattice *lat)
{
  return (int) lat->queue.read->len;
}

const float *
nn_number_lattice_in_place (const NnNumberLattice *lat, int i)
{
  g_return_val_if_fail (i >= 0 && i < (int) lat->queue.read->len, NULL);
  if (lat->queue.place->len < (guint) (i + 1) * NN_IMAGE_PIXELS)
    return NULL;
  return &g_array_index (lat->queue.place, float, (size_t) i * NN_IMAGE_PIXELS);
}

const NnNumberDigit *
nn_number_lattice_picture (const NnNumberLattice *lat, int i)
{
  g_return_val_if_fail (i >= 0 && i < (int) lat->queue.read->len, NULL);
  return &g_array_index (lat->queue.read, NnNumberDigit, i);
}

int
nn_number_lattice_right_pictures (const NnNumberLattice *lat, const NnNumberFeatures *weights,
                                  const char *truth, int *pictures)
{
  g_autofree int *path = g_new (int, MAX (lat->n, 1));
  int count = best_way (lat, weights, truth, TRUE, path);
  for (int k = 0; k < count; k++)
    pictures[k] = g_array_index (lat->edges, Edge, STEP_EDGE (path[count - 1 - k])).read;
  return count;
}
