/** The `--help` texts of `getty-rpc` and each command (docs/cli.md says the same at length). */

const TARGET = `<target>  dubbo://host:port[,host:port...] (direct) or a registry URL:
            zookeeper://host:2181, etcd://host:2379, file:///dir`;

const CALL_OPTIONS = `  --version V            service version
  --group G              service group
  --timeout MS           call timeout in ms (default 3000)
  --attachment K=V       send an attachment with the call (repeatable)
  --serialization NAME   hessian2 (default) or json
  --transport tcp|ws     how to reach a direct target (default tcp)
  --ws-path PATH         WebSocket path for --transport ws (default /)
  --tls                  connect with TLS (implied by any --tls-* option)
  --tls-ca FILE          CA certificate(s) to trust, PEM
  --tls-cert FILE        client certificate, PEM (with --tls-key)
  --tls-key FILE         client private key, PEM
  --tls-servername NAME  server name to check the certificate against
  --tls-insecure         do not verify the server's certificate
  --json                 print one JSON document (the result, or {"error": {...}})
  -h, --help             this help`;

const EXIT_CODES = `exit codes: 0 success; 1 the call or lookup failed (its RpcError code is printed);
            2 usage or bad input (nothing was sent)`;

export const HELP: Readonly<Record<string, string>> = {
  main: `usage: getty-rpc <command> [options]

commands:
  echo       round trip through a provider's $echo
  call       generic call ($invoke) with JSON arguments
  providers  list the providers registered for an interface
  gen        write TypeScript types for the services and messages of a .proto

getty-rpc <command> --help   options of a command
getty-rpc --version          the getty-rpc version

${EXIT_CODES}`,

  echo: `usage: getty-rpc echo <target> <interface> [text] [options]

Sends text (default "ping") to the provider's $echo and prints what comes back.
${TARGET}

options:
${CALL_OPTIONS}

${EXIT_CODES}`,

  call: `usage: getty-rpc call <target> <interface> <method> [types-json] [args-json] [options]

Calls <method> generically ($invoke): types-json is a JSON array of Java parameter
types, args-json the JSON array of arguments, checked against those types before
anything is sent. Example:
  getty-rpc call dubbo://127.0.0.1:20880 org.example.OrderService getOrder '["java.lang.String"]' '["o-1"]'
${TARGET}

options:
${CALL_OPTIONS}

${EXIT_CODES}`,

  providers: `usage: getty-rpc providers <registry-url> <interface> [options]

Lists the providers registered for <interface>, one URL per line.
<registry-url>  zookeeper://host:2181, etcd://host:2379, file:///dir

options:
  --version V   only providers of this version
  --group G     only providers of this group
  --timeout MS  give up after this long (default 10000)
  --json        print a JSON array of {url, address, version, group, application, methods}
  -h, --help    this help

${EXIT_CODES}`,

  gen: `usage: getty-rpc gen <file.proto> [more.proto ...] [options]

Writes TypeScript interfaces for every message, enum and service of the files, so
defineProtoService<Service>(...) is typed. Fields are camelCase, as protobufjs
decodes them; 64-bit integers are number | bigint.

options:
  --out DIR      write DIR/<first file's name>.ts instead of printing to stdout
  --keep-case    keep the .proto's field names
  --include DIR  also look for imported .proto files in DIR (repeatable)
  -h, --help     this help

exit codes: 0 written; 2 usage, or a .proto that cannot be read or parsed`,
};
