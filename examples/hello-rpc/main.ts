/**
 * hello-rpc: a Java-typed service exported over Dubbo 2 + hessian2 and called
 * through a typed proxy, provider and consumer in one process.
 *
 *   npm run build && node dist/examples/hello-rpc/main.js
 */
import { defineService, RpcClient, RpcContext, RpcServer, withCallOptions } from '../../index.js';

// The same interface a Java provider would declare: names and Java types.
const GreetingService = defineService('org.apache.dubbo.demo.GreetingService', {
  sayHello: { params: ['java.lang.String'], returns: 'java.lang.String' },
  add: { params: ['int', 'int'], returns: 'int' },
});

async function main(): Promise<void> {
  const server = new RpcServer({ host: '127.0.0.1', port: 0, application: 'hello-provider' });
  server.addService(
    GreetingService,
    {
      async sayHello(name) {
        const caller = RpcContext.current()?.attachments.caller ?? 'someone';
        return `Hello ${name}, from ${String(caller)}'s provider`;
      },
      add: (a, b) => a + b,
    },
    { version: '1.0.0' },
  );
  await server.start();
  console.log(`provider listening on 127.0.0.1:${server.port}`);

  const client = new RpcClient({ application: 'hello-consumer' });
  const greeting = client.refer(GreetingService, { url: `dubbo://127.0.0.1:${server.port}`, version: '1.0.0' });

  const reply: string | null = await RpcContext.run({ attachments: { caller: 'ann' } }, () => greeting.sayHello('world'));
  console.log(reply);
  console.log('2 + 40 =', await withCallOptions(greeting, { timeoutMs: 500 }).add(2, 40));
  console.log('$echo:', await greeting.$echo('still there?'));

  await client.close();
  await server.stop({ graceMs: 1000 });
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
