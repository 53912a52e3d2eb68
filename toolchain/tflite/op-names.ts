/**
 * Names of TFLite's builtin operators and tensor types, from TFLite's whole BuiltinOperator and
 * TensorType tables (schema.fbs, copied from TFLite's schema by gen-builtins.ts and compiled by
 * flatc into generated/): any op and tensor of any .tflite is named, not only those edgeq runs.
 */
import { BuiltinOperator } from "./generated/tflite/builtin-operator.js";
import { TensorType } from "./generated/tflite/tensor-type.js";

/** CUSTOM's code in TFLite's table. */
export const CUSTOM_CODE: number = BuiltinOperator.CUSTOM;

/** The name TFLite's schema gives a builtin code, or undefined for a code it does not list. */
export function builtinName(code: number): string | undefined {
  const name = (BuiltinOperator as unknown as Record<number, string | undefined>)[code];
  return typeof name === "string" ? name : undefined;
}

/** How messages name an op: `LSTM`, `CUSTOM 'TFLite_Detection_PostProcess'`, `builtin op code 250`. */
export function opLabel(code: number, custom?: string): string {
  if (code === CUSTOM_CODE) return `CUSTOM '${custom ?? "?"}'`;
  return builtinName(code) ?? `builtin op code ${code}`;
}

/** Every (name, code) of the table, in code order. */
export function builtinTable(): { name: string; code: number }[] {
  return Object.entries(BuiltinOperator)
    .filter(([, v]) => typeof v === "number")
    .map(([name, code]) => ({ name, code: code as number }))
    .sort((a, b) => a.code - b.code);
}

/** TFLite's name of a tensor type code (`FLOAT16`), or `type N` past TFLite's table. */
export function tensorTypeName(code: number): string {
  const name = (TensorType as unknown as Record<number, string | undefined>)[code];
  return typeof name === "string" ? name : `type ${code}`;
}
