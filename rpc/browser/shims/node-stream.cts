/**
 * Browser stand-in for Node's `stream`, aliased in by build.ts: `isstream`
 * (via is-type-of, used by hessian.js) only tests `instanceof Stream`, which
 * no value in a browser call is.
 */
class Stream {}

export = { Stream };
