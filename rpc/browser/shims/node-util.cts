/**
 * Browser stand-in for Node's `util`, aliased in by build.ts: hessian.js
 * uses `inherits` and `debuglog` (whose output we drop in the browser).
 */
type Constructor = { prototype: object; super_?: unknown };

function inherits(child: Constructor, parent: Constructor): void {
  child.super_ = parent;
  Object.setPrototypeOf(child.prototype, parent.prototype);
}

function debuglog(_section: string): (...args: unknown[]) => void {
  return () => {};
}

export = { inherits, debuglog };
