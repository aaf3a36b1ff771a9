/**
 * A self-signed certificate for 127.0.0.1 / localhost, generated once per
 * test process with the `selfsigned` dev package (nothing committed).
 */
import { generate } from 'selfsigned';

export interface TestCert {
  key: string;
  cert: string;
}

let pending: Promise<TestCert> | null = null;

export function testCert(): Promise<TestCert> {
  pending ??= generate([{ name: 'commonName', value: 'localhost' }], {
    keySize: 2048,
    extensions: [
      {
        name: 'subjectAltName',
        altNames: [
          { type: 7, ip: '127.0.0.1' },
          { type: 2, value: 'localhost' },
        ],
      },
    ],
  }).then((pems) => ({ key: pems.private, cert: pems.cert }));
  return pending;
}
