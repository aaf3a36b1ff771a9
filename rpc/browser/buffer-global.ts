/**
 * Injected into the browser bundle by esbuild (build.ts): every `Buffer`
 * the codec and serializations use resolves to the `buffer` package, the
 * browser's stand-in for Node's Buffer. Only the bundle imports this file.
 */
export { Buffer } from 'buffer';
