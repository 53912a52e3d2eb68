/*
 * Host harness of the native kernels (test only): runtime-int8/native/kernels.c compiled for the
 * host with the system cc. Reads a memory image (the buffers the JS glue registered, at the
 * addresses a stand-in E.getAddressOf gave them), calls edgeq_native(kind, params) with those
 * addresses as offsets into the image, writes the image back.
 * Usage: edgeq-native-host IN OUT. IN: uint32 kind, uint32 params address, uint32 image size,
 * then the image. OUT: int32 result, then the image.
 */
#define EDGEQ_HOST 1
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>

uint8_t *edgeq_base;

#include "../../runtime-int8/native/kernels.c"

int main(int argc, char **argv) {
  if (argc != 3) return 2;
  FILE *f = fopen(argv[1], "rb");
  if (!f) return 3;
  uint32_t h[3];
  if (fread(h, 4, 3, f) != 3) return 4;
  edgeq_base = calloc(h[2] + 16, 1);
  if (!edgeq_base || fread(edgeq_base, 1, h[2], f) != h[2]) return 5;
  fclose(f);
  int32_t r = edgeq_native((int32_t)h[0], (int32_t *)(edgeq_base + h[1]));
  FILE *o = fopen(argv[2], "wb");
  if (!o) return 6;
  fwrite(&r, 4, 1, o);
  fwrite(edgeq_base, 1, h[2], o);
  fclose(o);
  return 0;
}
