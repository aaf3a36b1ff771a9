/**
 * Compile-time mapping from Java type names (as written in a service
 * definition) to the TypeScript types a proxy takes and returns. Runtime
 * descriptors and value wrapping live in rpc/protocol/java-types.ts; this file
 * is types only.
 *
 * Numbers: every Java integer and floating type maps to `number` (hessian.js
 * decodes longs that fit 2^53 as numbers, larger ones as decimal strings,
 * which the type does not show); `bigint` is also accepted for `long`
 * parameters. Unknown names (POJOs, enums) map to `unknown`.
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

/** Reference types: null is allowed as an argument. */
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
  'java.lang.Object': unknown;
  'java.lang.Void': null;
  'java.math.BigDecimal': string;
  'java.math.BigInteger': string;
  'java.util.Date': Date;
  'java.util.List': unknown[];
  'java.util.ArrayList': unknown[];
  'java.util.LinkedList': unknown[];
  'java.util.Collection': unknown[];
  'java.util.Set': unknown[];
  'java.util.HashSet': unknown[];
  'java.util.Map': Record<string, unknown>;
  'java.util.HashMap': Record<string, unknown>;
  'java.util.LinkedHashMap': Record<string, unknown>;
  'java.util.TreeMap': Record<string, unknown>;
  'byte[]': Buffer;
  '[B': Buffer;
}

type Known = JavaPrimitives & JavaReferences;

/** The TS type of a value of Java type `J` as received (a return value). */
export type JavaToTs<J extends string> = J extends keyof Known
  ? Known[J]
  : J extends `${infer E}[]`
    ? JavaToTs<E>[]
    : unknown;

/** The TS type accepted for a parameter of Java type `J` (reference types may be null). */
export type JavaParamToTs<J extends string> = J extends keyof JavaPrimitives ? JavaPrimitives[J] : JavaToTs<J> | null;

/** Maps a tuple of Java parameter type names to a tuple of TS parameter types. */
export type JavaParams<P extends readonly string[]> = { -readonly [I in keyof P]: JavaParamToTs<P[I]> };
