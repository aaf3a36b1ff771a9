/**
 * Compile-time mapping from Java type names (as written in a service
 * definition) to the TypeScript types a proxy takes and returns. Runtime
 * descriptors live in rpc/protocol/java-types.ts, the hessian2 values in
 * rpc/serialization/hessian2-encoder.ts / hessian2-decoder.ts; this file is
 * types only. The table with what is lossy is docs/rpc.md "Java ↔ JS values".
 *
 * Java reference types may be null, so their TS types say `| null`;
 * primitives never are. long/Long is `number | bigint`: a number within
 * ±(2^53−1), a bigint beyond (or always, with hessian2 `longs: 'bigint'`).
 * Unknown names (POJOs, enums) map to `unknown`.
 */

/** Java primitives: never null. */
interface JavaPrimitives {
  boolean: boolean;
  byte: number;
  short: number;
  int: number;
  long: number | bigint;
  float: number;
  double: number;
  char: string;
  void: undefined;
}

/** Reference types, without their `null`. */
interface JavaReferences {
  'java.lang.String': string;
  'java.lang.Boolean': boolean;
  'java.lang.Byte': number;
  'java.lang.Short': number;
  'java.lang.Integer': number;
  'java.lang.Long': number | bigint;
  'java.lang.Float': number;
  'java.lang.Double': number;
  'java.lang.Character': string;
  'java.lang.Void': null;
  'java.math.BigDecimal': string;
  'java.math.BigInteger': bigint;
  'java.util.Date': Date;
  'java.util.List': unknown[];
  'java.util.ArrayList': unknown[];
  'java.util.LinkedList': unknown[];
  'java.util.Collection': unknown[];
  'java.util.Set': unknown[];
  'java.util.HashSet': unknown[];
  'java.util.Map': JavaMap;
  'java.util.HashMap': JavaMap;
  'java.util.LinkedHashMap': JavaMap;
  'java.util.TreeMap': JavaMap;
  'byte[]': Buffer;
  '[B': Buffer;
  'char[]': string;
  '[C': string;
}

/** A Java Map: a plain object when every key is a string, a JS Map when a key is not. */
export type JavaMap = Record<string, unknown> | Map<unknown, unknown>;

/** The TS type of a value of Java type `J` as received (a return value); reference types may be null. */
export type JavaToTs<J extends string> = J extends keyof JavaPrimitives
  ? JavaPrimitives[J]
  : J extends keyof JavaReferences
    ? JavaReferences[J] | null
    : J extends `${infer E}[]`
      ? JavaToTs<E>[] | null
      : unknown;

/**
 * The TS type of a parameter of Java type `J`, as the consumer sends it and
 * the provider receives it (the hessian2 encoder also accepts a few wider
 * forms at run time, e.g. a Set for a List; docs/rpc.md).
 */
export type JavaParamToTs<J extends string> = JavaToTs<J>;

/** Maps a tuple of Java parameter type names to a tuple of TS parameter types. */
export type JavaParams<P extends readonly string[]> = { -readonly [I in keyof P]: JavaParamToTs<P[I]> };
