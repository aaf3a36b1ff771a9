/** Shapes, timings and the quick/full plans (docs/performance.md "Shapes"). */

export interface Shape {
  connections: number;
  inFlight: number;
  payloadBytes: number;
}

export interface Timing {
  /** Load before the first window, in ms (systems may add their own extra warm-up). */
  warmupMs: number;
  /** Length of one measuring window (= one trial), in ms. */
  windowMs: number;
  /** Back-to-back windows per cell; the cell reports their median and spread. */
  windows: number;
}

export interface OpenLoopPlan {
  /** Shapes whose cells are also run in open loop at half of their closed-loop calls/s. */
  shapes: Shape[];
  /** Systems that get the open-loop run (default every system). */
  systems?: string[];
}

export interface BenchPlan {
  mode: 'quick' | 'full' | 'custom';
  shapes: Shape[];
  timing: Timing;
  systems: string[];
  /** "p99 at half of peak throughput" (docs/performance.md "Method"); absent: closed loop only. */
  openLoop?: OpenLoopPlan;
}

/** The message of getty's own benchmark is ~915 bytes (getty's `benchmark/client/main.go`, AlexStocks/getty PRs #61 and #66). */
export const GETTY_PAYLOAD_BYTES = 915;
export const SMALL_PAYLOAD_BYTES = 64;

export const FULL_SHAPES: Shape[] = [
  ...[1, 16, 256].flatMap((inFlight) =>
    [SMALL_PAYLOAD_BYTES, GETTY_PAYLOAD_BYTES].map((payloadBytes) => ({ connections: 1, inFlight, payloadBytes })),
  ),
  { connections: 100, inFlight: 1, payloadBytes: GETTY_PAYLOAD_BYTES },
];

export const QUICK_SHAPES: Shape[] = [
  { connections: 1, inFlight: 256, payloadBytes: SMALL_PAYLOAD_BYTES },
  { connections: 100, inFlight: 1, payloadBytes: GETTY_PAYLOAD_BYTES },
];

/** The open-loop shapes: the deep single connection and getty's own 100-connection shape. */
export const OPEN_LOOP_SHAPES: Shape[] = QUICK_SHAPES;
/** Quick runs keep the open loop to the baseline and getty-rpc's own systems, to stay under a minute. */
export const QUICK_OPEN_LOOP_SYSTEMS = ['raw-net', 'getty-rpc-hessian2'];

export const FULL_TIMING: Timing = { warmupMs: 1000, windowMs: 1500, windows: 3 };
export const QUICK_TIMING: Timing = { warmupMs: 300, windowMs: 700, windows: 1 };

export function shapeName(shape: Shape): string {
  return `${shape.connections}×${shape.inFlight}×${shape.payloadBytes} B`;
}

/** Parses `--shapes=1x256x64,100x1x915` (connections × in flight × payload bytes). */
export function parseShapes(text: string): Shape[] | undefined {
  const shapes = text.split(',').map((item) => /^(\d+)x(\d+)x(\d+)$/.exec(item.trim()));
  if (shapes.some((match) => match === null)) return undefined;
  return shapes.map((match) => ({ connections: Number(match![1]), inFlight: Number(match![2]), payloadBytes: Number(match![3]) }));
}
