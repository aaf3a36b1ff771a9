export * from "./common/rpc-error.js";
