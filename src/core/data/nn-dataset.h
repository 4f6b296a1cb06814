/* nn-dataset.h: labelled 28 x 28 digit images, kept as uint8.
 *
 * MNIST stays uint8 in memory (47 MB for the training set, not 188 MB) and is
 * converted to float per batch with nn_dataset_get_batch().
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define NN_IMAGE_SIDE 28
#define NN_IMAGE_PIXELS (NN_IMAGE_SIDE * NN_IMAGE_SIDE)

typedef struct {
  int n;            /* number of images */
  guint8 *images;   /* (N, 28, 28), 0 = background, 255 = ink (MNIST polarity) */
  guint8 *labels;   /* (N,), 0..9 */
  char **paths;     /* (N,) source file of each image, or NULL for IDX data */
} NnDataset;

typedef enum {
  NN_MNIST_TRAIN,
  NN_MNIST_TEST,
} NnMnistSplit;

/* Reads one IDX file pair; each file may also be gzipped. A wrong magic number,
 * a count that does not match, or a truncated file is an NN_ERROR_FORMAT naming it. */
NnDataset *nn_idx_load (const char *images_path, const char *labels_path, GError **error);

/* Reads MNIST from dir: "train-images-idx3-ubyte" (or with ".gz") and so on.
 * dir NULL means the first place nn_mnist_find (NULL) finds (nn-mnist-location.h). */
NnDataset *nn_mnist_load (const char *dir, NnMnistSplit split, GError **error);

NnDataset *nn_dataset_new (int n);                 /* zeroed, paths NULL */
void       nn_dataset_free (NnDataset *ds);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (NnDataset, nn_dataset_free)
/* Images [start, start + count) as float (count, 28, 28, 1) in [0, 1]. */
void       nn_dataset_get_batch (const NnDataset *ds, int start, int count, float *out);
/* The images of the given indices, gathered, as float (count, 28, 28, 1). */
void       nn_dataset_gather (const NnDataset *ds, const int *indices, int count, float *out,
                              guint8 *labels_out);
/* A new dataset holding images [start, start + count). */
NnDataset *nn_dataset_slice (const NnDataset *ds, int start, int count);

G_END_DECLS
