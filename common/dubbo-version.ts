/**
 * The Dubbo protocol version getty-rpc speaks: written in request bodies and
 * in the `dubbo` parameter of registry URLs, where Java consumers check it
 * (dubbo-go common/constant/default.go `DEFAULT_DUBBO_PROTOCOL_VERSION`).
 * Here, below every layer, because both rpc/ and registry/ write it.
 */
export const DUBBO_VERSION = '2.0.2';
