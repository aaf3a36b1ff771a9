/**
 * Browser stand-in for Node's `module`, aliased in by build.ts. The library
 * requires some packages lazily with `createRequire(import.meta.url)(name)`
 * (rpc/serialization/protobufjs-module.ts); in the browser bundle the ones it
 * can use are bundled up front and handed out by name.
 */
import protobufjs = require('protobufjs');

const bundled: Readonly<Record<string, unknown>> = { protobufjs };

function createRequire(_from: string): (name: string) => unknown {
  return (name) => {
    if (!(name in bundled)) throw new Error(`${name} is not available in the browser bundle`);
    return bundled[name];
  };
}

export = { createRequire };
