/**
 * Checks the JSON arguments of `getty-rpc call` against the Java parameter
 * types given with them, before anything is sent: the provider would
 * otherwise answer a mismatch with a null or a remote exception that does not
 * say which argument was wrong. Type names follow Java Dubbo's generic call
 * (`GenericService.$invoke(method, parameterTypes, args)`, dubbo
 * rpc/service/GenericService.java): class names, primitives, `X[]` arrays or
 * JVM array descriptors (`[I`, `[Ljava.lang.String;`).
 */
import { usageError } from './cli-args.js';

const INTEGER_RANGES: Readonly<Record<string, readonly [number, number]>> = {
  byte: [-128, 127],
  'java.lang.Byte': [-128, 127],
  short: [-32768, 32767],
  'java.lang.Short': [-32768, 32767],
  int: [-2147483648, 2147483647],
  'java.lang.Integer': [-2147483648, 2147483647],
  long: [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
  'java.lang.Long': [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
};
const PRIMITIVES = new Set(['boolean', 'byte', 'short', 'int', 'long', 'float', 'double', 'char']);
const DESCRIPTOR_PRIMITIVES: Readonly<Record<string, string>> = { Z: 'boolean', B: 'byte', S: 'short', I: 'int', J: 'long', F: 'float', D: 'double', C: 'char' };
const NUMBERS = new Set(['float', 'double', 'java.lang.Float', 'java.lang.Double', 'java.lang.Number']);
const DECIMALS = new Set(['java.math.BigDecimal', 'java.math.BigInteger']);
const COLLECTIONS = /^java\.util\.(List|ArrayList|LinkedList|Set|HashSet|LinkedHashSet|TreeSet|Collection)$/;
const MAPS = /^java\.util\.(Map|HashMap|LinkedHashMap|TreeMap|concurrent\.ConcurrentHashMap)$/;
const ANYTHING = new Set(['java.lang.Object', 'java.io.Serializable', 'java.lang.Comparable']);
const CLASS_NAME = /^[A-Za-z_$][\w$]*(\.[A-Za-z_$][\w$]*)+$/;
const DESCRIPTOR = /^\[+([ZBSIJFDC]|L[A-Za-z_$][\w$.]*;)$/;

/** Checks the types and that `args` fit them; throws a usage error naming the first problem. */
export function checkCallArguments(method: string, types: readonly unknown[], args: readonly unknown[]): string[] {
  const names = types.map((type, i) => checkTypeName(type, i));
  if (names.length !== args.length) {
    throw usageError(
      `${method} is given ${names.length} parameter type(s) [${names.join(', ')}] but ${args.length} argument(s); ` +
        `give the types first, then the arguments: call <target> <interface> ${method} '["java.lang.String"]' '["o-1"]'`,
    );
  }
  for (let i = 0; i < names.length; i++) checkValue(names[i]!, args[i], `argument ${i + 1} (${names[i]})`);
  return names;
}

function checkTypeName(type: unknown, index: number): string {
  if (typeof type === 'string' && (PRIMITIVES.has(type) || CLASS_NAME.test(type) || DESCRIPTOR.test(type) || isArrayName(type))) return type;
  throw usageError(
    `parameter type ${index + 1} is ${JSON.stringify(type)}, not a Java type name (e.g. java.lang.String, int, long[]); ` +
      'were the arguments given in place of the types? The types come first: call <target> <interface> <method> <types-json> <args-json>',
  );
}

function isArrayName(type: string): boolean {
  const component = type.replace(/(\[\])+$/, '');
  return component !== type && (PRIMITIVES.has(component) || CLASS_NAME.test(component));
}

/** The element type of an array type name, or undefined when `type` is not an array. */
function componentOf(type: string): string | undefined {
  if (type.endsWith('[]')) return type.slice(0, -2);
  if (!type.startsWith('[')) return undefined;
  const inner = type.slice(1);
  if (inner.startsWith('[')) return inner;
  if (inner.startsWith('L')) return inner.slice(1, -1);
  return DESCRIPTOR_PRIMITIVES[inner];
}

function checkValue(type: string, value: unknown, what: string): void {
  const fail = (expected: string): never => {
    throw usageError(`${what}: expected ${expected}, got ${JSON.stringify(value)}`);
  };
  if (value === null) {
    if (PRIMITIVES.has(type)) fail(`a ${type} (a primitive cannot be null)`);
    return;
  }
  const range = INTEGER_RANGES[type];
  if (range !== undefined) {
    if (typeof value !== 'number' || !Number.isInteger(value) || value < range[0] || value > range[1]) fail(`a whole number in [${range[0]}, ${range[1]}]`);
    return;
  }
  const component = componentOf(type);
  if (component !== undefined) {
    if (!Array.isArray(value)) fail(`a JSON array of ${component}`);
    for (let i = 0; i < (value as unknown[]).length; i++) checkValue(component, (value as unknown[])[i], `${what}[${i}]`);
    return;
  }
  if (type === 'boolean' || type === 'java.lang.Boolean') {
    if (typeof value !== 'boolean') fail('true or false');
  } else if (NUMBERS.has(type)) {
    if (typeof value !== 'number') fail('a number');
  } else if (type === 'char' || type === 'java.lang.Character') {
    if (typeof value !== 'string' || value.length !== 1) fail('a one-character string');
  } else if (type === 'java.lang.String') {
    if (typeof value !== 'string') fail('a string');
  } else if (DECIMALS.has(type)) {
    if (typeof value !== 'string' && typeof value !== 'number') fail('a number or a string of digits');
  } else if (COLLECTIONS.test(type)) {
    if (!Array.isArray(value)) fail('a JSON array');
  } else if (MAPS.test(type)) {
    if (typeof value !== 'object' || Array.isArray(value)) fail('a JSON object');
  } else if (!ANYTHING.has(type) && (typeof value !== 'object' || Array.isArray(value))) {
    fail(`a JSON object with the fields of ${type}`);
  }
}
