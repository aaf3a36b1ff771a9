/**
 * Loads the built-in serializations so each registers itself. Adding one
 * means adding its file and one import here.
 */
import './hessian2.js';
import './json.js';
import './protobuf.js';
