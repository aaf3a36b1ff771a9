/**
 * Watches the children of one ZooKeeper node (a `providers` folder) and feeds
 * their decoded URLs to a ProviderList (dubbo-go `registry/zookeeper/listener.go`). ZooKeeper
 * watches fire once, so every refresh re-arms the watch with the same
 * watcher function (the client keeps one registration per function).
 * Refreshes are coalesced; a failed refresh keeps the last list, and the
 * registry calls `refresh()` again after a reconnect or a new session.
 */
import { CoalescedTask } from './coalesced-task.js';
import { isNoNode, type ZookeeperConnection } from './zookeeper-connection.js';
import type { ProviderList } from './provider-list.js';
import { decodeNodeNames } from './registry-path.js';

export class ZookeeperChildrenWatch {
  private readonly reader = new CoalescedTask(
    () => this.readOnce(),
    () => this.list.active,
  );
  private readonly watcher = (): void => {
    this.refresh().catch(() => undefined);
  };

  constructor(
    private readonly connection: ZookeeperConnection,
    readonly path: string,
    readonly list: ProviderList,
  ) {}

  /** Lists the children now (creating the folder when missing) and arms the watch; rejects when ZooKeeper cannot be reached. */
  async start(): Promise<void> {
    await this.connection.mkdirp(this.path);
    await this.refresh();
  }

  /** Re-reads the children; concurrent calls share one read plus at most one more. */
  refresh(): Promise<void> {
    return this.reader.run();
  }

  private async readOnce(): Promise<void> {
    try {
      const names = await this.connection.getChildren(this.path, this.watcher);
      this.list.replace(decodeNodeNames(names));
    } catch (err) {
      if (!isNoNode(err)) throw err;
      // Someone removed the folder: it really has no providers; recreate it to watch again.
      this.list.replace(new Map());
      await this.connection.mkdirp(this.path);
      this.reader.repeat();
    }
  }
}
