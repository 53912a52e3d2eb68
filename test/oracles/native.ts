/** The bit-exactness oracle of the tests: native TFLite 2.9 (npm tfjs-tflite-node). */
export { loadNative, type NativeModel, nativeAvailable } from "../../toolchain/native.js";
