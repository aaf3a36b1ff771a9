/** Records what a diagnostics channel publishes while subscribed. */
import diagnosticsChannel from 'node:diagnostics_channel';

export function recordChannel(name: string) {
  const messages: unknown[] = [];
  const onMessage = (message: unknown) => messages.push(message);
  diagnosticsChannel.subscribe(name, onMessage);
  return { messages, stop: () => diagnosticsChannel.unsubscribe(name, onMessage) };
}
