// Golden-data harness: runs TFLite Micro's own reference kernels (compiled from a tflite-micro
// checkout, see tflm-math-ops.gen.ts) for the int8 activation / arithmetic ops of
// runtime-int8/src/kernels/{logistic,tanh,hard_swish,leaky_relu,prelu,sub}.ts.
// The per-op parameter lines below transcribe the ops' Prepare functions in
// tensorflow/lite/micro/kernels/*_common.cc / tanh.cc (named at each op); the eval is TFLM's
// code itself (reference_integer_ops / reference_ops).
// stdin: one case per line, "OP p1 p2 ..." (float32 scales printed with 9 digits);
// stdout: one line per case, the int8 outputs separated by spaces, or "reject" when TFLM's
// Prepare refuses the parameters.
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "tensorflow/lite/kernels/internal/common.h"
#include "tensorflow/lite/kernels/internal/quantization_util.h"
#include "tensorflow/lite/kernels/internal/reference/hard_swish.h"
#include "tensorflow/lite/kernels/internal/reference/integer_ops/logistic.h"
#include "tensorflow/lite/kernels/internal/reference/integer_ops/tanh.h"
#include "tensorflow/lite/kernels/internal/reference/leaky_relu.h"
#include "tensorflow/lite/kernels/internal/reference/prelu.h"
#include "tensorflow/lite/kernels/internal/reference/process_broadcast_shapes.h"
#include "tensorflow/lite/kernels/internal/reference/sub.h"

using namespace tflite;

static std::vector<int8_t> all_int8() {
  std::vector<int8_t> v;
  for (int i = -128; i <= 127; i++) v.push_back(static_cast<int8_t>(i));
  return v;
}

static RuntimeShape shape(int a, int b = 0) {
  const int32_t dims[2] = {a, b};
  return RuntimeShape(b ? 2 : 1, dims);
}

static void print(const std::vector<int8_t>& y) {
  for (size_t i = 0; i < y.size(); i++) printf(i ? " %d" : "%d", y[i]);
  printf("\n");
}

int main() {
  std::string line;
  const std::vector<int8_t> x = all_int8();
  while (std::getline(std::cin, line)) {
    std::istringstream in(line);
    std::string op;
    in >> op;
    std::vector<int8_t> y(256);
    if (op == "LOGISTIC" || op == "TANH") {
      // logistic_common.cc CalculateArithmeticOpDataLogistic / tanh.cc CalculateArithmeticOpData
      float sx;
      int zx;
      in >> sx >> zx;
      static constexpr int kInputIntegerBits = 4;
      const double input_real_multiplier =
          static_cast<double>(sx) * static_cast<double>(1 << (31 - kInputIntegerBits));
      int left_shift;
      const double q = std::frexp(input_real_multiplier, &left_shift);
      const int32_t multiplier = static_cast<int32_t>(TfLiteRound(q * (1ll << 31)));
      const int32_t radius = CalculateInputRadius(kInputIntegerBits, left_shift, 31);
      if (op == "LOGISTIC")
        reference_integer_ops::Logistic(zx, radius, multiplier, left_shift, 256, x.data(), y.data());
      else
        reference_integer_ops::Tanh(zx, radius, multiplier, left_shift, shape(256), x.data(),
                                    shape(256), y.data());
    } else if (op == "HARD_SWISH") {
      // hard_swish_common.cc HardSwishPrepare
      float input_scale, output_scale;
      int zx, zy;
      in >> input_scale >> zx >> output_scale >> zy;
      HardSwishParams params;
      params.input_zero_point = zx;
      params.output_zero_point = zy;
      const float hires_input_scale = (1.0f / 128.0f) * input_scale;
      const float reluish_scale = 3.0f / 32768.0f;
      const double output_multiplier = static_cast<double>(hires_input_scale / output_scale);
      int32_t om32;
      QuantizeMultiplier(output_multiplier, &om32, &params.output_multiplier_exponent);
      DownScaleInt32ToInt16Multiplier(om32, &params.output_multiplier_fixedpoint_int16);
      if (params.output_multiplier_exponent > 0) {
        printf("reject\n");
        continue;
      }
      const double reluish_multiplier = static_cast<double>(hires_input_scale / reluish_scale);
      int32_t rm32;
      QuantizeMultiplier(reluish_multiplier, &rm32, &params.reluish_multiplier_exponent);
      DownScaleInt32ToInt16Multiplier(rm32, &params.reluish_multiplier_fixedpoint_int16);
      reference_ops::HardSwish<int8_t>(params, shape(256), x.data(), shape(256),
                                       y.data());
    } else if (op == "LEAKY_RELU") {
      // leaky_relu_common.cc CalculateOpDataLeakyRelu, leaky_relu.cc QuantizeLeakyRelu
      float sx, sy, alpha;
      int zx, zy;
      in >> sx >> zx >> sy >> zy >> alpha;
      LeakyReluParams op_params = {};
      op_params.input_offset = zx;
      op_params.output_offset = zy;
      int shift_alpha, shift_identity;
      const double alpha_multiplier = static_cast<double>(sx * alpha / sy);
      QuantizeMultiplier(alpha_multiplier, &op_params.output_multiplier_alpha, &shift_alpha);
      op_params.output_shift_alpha = shift_alpha;
      const double identity_multiplier = static_cast<double>(sx / sy);
      QuantizeMultiplier(identity_multiplier, &op_params.output_multiplier_identity, &shift_identity);
      op_params.output_shift_identity = shift_identity;
      reference_ops::QuantizeLeakyRelu(op_params, shape(256), x.data(), shape(256),
                                       y.data());
    } else if (op == "PRELU") {
      // prelu_common.cc CalculatePreluParams; alpha [A] broadcast against x [256, A]
      float sx, sa, sy;
      int zx, za, zy, n;
      in >> sx >> zx >> sa >> za >> sy >> zy >> n;
      std::vector<int8_t> alpha(n);
      for (int i = 0; i < n; i++) {
        int a;
        in >> a;
        alpha[i] = static_cast<int8_t>(a);
      }
      PreluParams params;
      const double m1 = static_cast<double>(sx) / static_cast<double>(sy);
      const double m2 = static_cast<double>(sx) * static_cast<double>(sa) / static_cast<double>(sy);
      QuantizeMultiplier(m1, &params.output_multiplier_1, &params.output_shift_1);
      QuantizeMultiplier(m2, &params.output_multiplier_2, &params.output_shift_2);
      params.input_offset = -zx;
      params.alpha_offset = -za;
      params.output_offset = zy;
      std::vector<int8_t> xs(256 * n);
      for (int i = 0; i < 256; i++)
        for (int j = 0; j < n; j++) xs[i * n + j] = x[i];
      y.resize(256 * n);
      reference_ops::BroadcastPrelu4DSlow(params, shape(256, n), xs.data(), shape(n),
                                          alpha.data(), shape(256, n), y.data());
    } else if (op == "SUB") {
      // sub_common.cc CalculateOpDataSub (float quotients), sub.cc EvalSubQuantized: a [256, 1]
      // minus b [1, B] broadcast (BroadcastQuantSubSlow), fused activation code act
      float s1, s2, so;
      int z1, z2, zo, act, n;
      in >> s1 >> z1 >> s2 >> z2 >> so >> zo >> act >> n;
      std::vector<int8_t> b(n);
      for (int i = 0; i < n; i++) {
        int v;
        in >> v;
        b[i] = static_cast<int8_t>(v);
      }
      ArithmeticParams op_params = {};
      op_params.left_shift = 20;
      op_params.input1_offset = -z1;
      op_params.input2_offset = -z2;
      op_params.output_offset = zo;
      const float twice_max_input_scale = 2 * std::max(s1, s2);
      const double real_input1_multiplier = static_cast<double>(s1 / twice_max_input_scale);
      const double real_input2_multiplier = static_cast<double>(s2 / twice_max_input_scale);
      const double real_output_multiplier =
          static_cast<double>(twice_max_input_scale / ((1 << op_params.left_shift) * so));
      QuantizeMultiplierSmallerThanOneExp(real_input1_multiplier, &op_params.input1_multiplier,
                                          &op_params.input1_shift);
      QuantizeMultiplierSmallerThanOneExp(real_input2_multiplier, &op_params.input2_multiplier,
                                          &op_params.input2_shift);
      QuantizeMultiplierSmallerThanOneExp(real_output_multiplier, &op_params.output_multiplier,
                                          &op_params.output_shift);
      // CalculateActivationRangeQuantized and Quantize (kernels/kernel_util.cc/.h): 0 NONE, 1 RELU, 3 RELU6
      auto quantize = [&](float f) { return zo + static_cast<int32_t>(TfLiteRound(f / so)); };
      int32_t lo = -128, hi = 127;
      if (act == 1 || act == 3) lo = std::max(lo, quantize(0.0f));
      if (act == 3) hi = std::min(hi, quantize(6.0f));
      op_params.quantized_activation_min = lo;
      op_params.quantized_activation_max = hi;
      reference_ops::ProcessBroadcastShapes(shape(256, 1), shape(1, n), &op_params);
      y.resize(256 * n);
      reference_ops::BroadcastQuantSubSlow(op_params, shape(256, 1), x.data(),
                                           shape(1, n), b.data(), shape(256, n),
                                           y.data());
    } else {
      fprintf(stderr, "unknown op %s\n", op.c_str());
      return 2;
    }
    print(y);
  }
  return 0;
}
