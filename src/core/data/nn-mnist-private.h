/* nn-mnist-private.h: the four MNIST files, shared by the finder and the download. */
#pragma once

#include <glib.h>

typedef struct {
  const char *name;   /* "train-images-idx3-ubyte" */
  guint32 magic;      /* 0x00000803 images, 0x00000801 labels */
  guint32 count;      /* 60000 or 10000 */
  guint32 header;     /* header bytes: 16 for images, 8 for labels */
  guint32 item_bytes; /* 784 for images, 1 for labels */
} NnMnistFile;

#define NN_MNIST_N_FILES 4
extern const NnMnistFile nn_mnist_files[NN_MNIST_N_FILES];
