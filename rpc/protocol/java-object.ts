/**
 * Java class names carried by JS values. A hessian2 object decoded from a
 * Java (or Go) peer keeps its class name in a non-enumerable symbol property,
 * so that echoing or forwarding it — alone, or inside a List or Map — writes
 * the same class again; Java Dubbo would otherwise receive a HashMap. The
 * symbol does not show in `Object.keys`, JSON or `deepEqual`.
 */

/** Registered symbol: two copies of the library (or a bundle) agree on it. */
export const JAVA_CLASS: unique symbol = Symbol.for('getty-rpc.javaClass') as never;

/** The Java class (or typed-list type) name a value carries, if any. */
export function javaClassOf(value: unknown): string | undefined {
  // A primitive has no own symbol property; null and undefined stop at `?.`.
  const name = (value as { [JAVA_CLASS]?: unknown } | null | undefined)?.[JAVA_CLASS];
  return typeof name === 'string' ? name : undefined;
}

/**
 * Marks `value` (an object or array) as an instance of Java `className`; returns it.
 * Writable and configurable: code may re-class a decoded value (`value[JAVA_CLASS] = ...`)
 * or `delete` the mark to send it as a plain Map.
 */
export function setJavaClass<T extends object>(value: T, className: string): T {
  Object.defineProperty(value, JAVA_CLASS, { value: className, enumerable: false, writable: true, configurable: true });
  return value;
}

/**
 * A value built in JS that is sent as an object of Java class `className`
 * wherever it goes, e.g. `javaObject('com.example.User', { id: 1, name: 'a' })`
 * inside a `List<Object>`. The fields are copied as own data properties.
 */
export function javaObject<T extends Record<string, unknown>>(className: string, fields: T): T {
  if (typeof className !== 'string' || className.length === 0) throw new TypeError('javaObject needs a class name');
  const out = {} as T;
  for (const key of Object.keys(fields)) setOwn(out, key, fields[key]);
  return setJavaClass(out, className);
}

/**
 * Sets an own data property, also for the key `__proto__` (whose plain
 * assignment would replace the prototype): decoded data stays plain data.
 */
export function setOwn(target: object, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  else (target as Record<string, unknown>)[key] = value;
}
