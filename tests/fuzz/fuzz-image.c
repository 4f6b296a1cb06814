/* fuzz-image.c: a PNG or JPEG file through decoding and digit preprocessing, as
 * `digits-cli predict` and the app's Open Image take it. */
#include "fuzz-util.h"
#include "nn-image.h"

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  return 0;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  GError *error = NULL;
  NnGreyImage *img = nn_grey_image_load (fuzz_memfd_path (0, data, size), &error);
  g_assert ((img == NULL) != (error == NULL));
  fuzz_report ("image", error);
  if (img == NULL)
    {
      g_clear_error (&error);
      return 0;
    }
  float out[NN_IMAGE_PIXELS];
  NnPreprocessInfo info;
  if (nn_preprocess_digit_info (img->pixels, img->width, img->height, img->width,
                                NN_BACKGROUND_AUTO, out, &info, &error))
    for (int i = 0; i < NN_IMAGE_PIXELS; i++)
      g_assert (out[i] >= 0.0f && out[i] <= 1.0f);
  g_clear_error (&error);
  nn_grey_image_free (img);
  return 0;
}
