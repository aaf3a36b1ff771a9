/**
 * Watches one config-center node (`/dubbo/config/dubbo/<key>`) the way
 * dubbo-go's config center does (`config_center/zookeeper/listener.go`): an
 * exists-watch, re-armed before each read so no change is lost, that also
 * fires when the node is created later. Absent and empty nodes both mean "no
 * rule". The listener hears only real changes; the registry calls
 * `refresh()` again after a reconnect or a new session.
 */
import { CoalescedTask } from './coalesced-task.js';
import { ConfigFeed } from './config-feed.js';
import type { ConfigListener } from './registry.js';
import { isNoNode, type ZookeeperConnection } from './zookeeper-connection.js';

export class ZookeeperConfigWatch {
  private readonly feed: ConfigFeed;
  private readonly reader = new CoalescedTask(
    () => this.readOnce(),
    () => this.feed.active,
  );
  private readonly watcher = (): void => {
    this.refresh().catch(() => undefined);
  };

  constructor(
    private readonly connection: ZookeeperConnection,
    readonly path: string,
    listener: ConfigListener,
  ) {
    this.feed = new ConfigFeed(listener);
  }

  refresh(): Promise<void> {
    return this.reader.run();
  }

  stop(): void {
    this.feed.stop();
  }

  private async readOnce(): Promise<void> {
    await this.connection.watchNode(this.path, this.watcher);
    let text: string | undefined;
    try {
      const data = await this.connection.call<Buffer | undefined>(`read ${this.path}`, (client, done) => client.getData(this.path, (err, value) => done(err, value)));
      text = data && data.length > 0 ? data.toString('utf8') : undefined;
    } catch (err) {
      if (!isNoNode(err)) throw err;
    }
    this.feed.deliver(text);
  }
}
