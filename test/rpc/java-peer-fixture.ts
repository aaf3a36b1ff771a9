/**
 * The Java Dubbo peer of the interop tests (test/interop/java/DubboPeer.java on
 * Caucho Hessian 4.0.38, with hessian-lite's rules): finds the JDK and the
 * Hessian jar (installed by scripts/services/java-peer.sh), compiles the peer
 * into a temporary directory, and runs it as a provider or as a consumer.
 * Not a test file itself.
 */
import { type ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const sources = join(root, 'test', 'interop', 'java');
/** Caucho's reflection reaches into these JDK packages (exceptions, collections, BigInteger). */
const JVM_OPTIONS = [
  '-Xss1m',
  '-XX:TieredStopAtLevel=1',
  '-XX:+UseSerialGC',
  '--add-opens=java.base/java.lang=ALL-UNNAMED',
  '--add-opens=java.base/java.util=ALL-UNNAMED',
  '--add-opens=java.base/java.math=ALL-UNNAMED',
];

export interface JavaTools {
  /** Class path of the compiled peer and Hessian. */
  classpath: string;
  /** Where the peer was compiled (removed by `dispose`). */
  dir: string;
  compileMs: number;
  dispose(): void;
}

/** Why the Java peer cannot run here, or undefined when it can. */
export function javaPeerMissing(): string | undefined {
  for (const tool of ['java', 'javac']) {
    const probe = spawnSync(tool, ['-version'], { stdio: 'ignore' });
    if (probe.error !== undefined || probe.status !== 0) return `${tool} not found (bash scripts/services/java-peer.sh install)`;
  }
  return hessianJar() === undefined ? 'Caucho Hessian jar not found (bash scripts/services/java-peer.sh install)' : undefined;
}

function hessianJar(): string | undefined {
  const found = spawnSync('bash', [join(root, 'scripts', 'services', 'java-peer.sh'), 'jar'], { encoding: 'utf8' });
  return found.status === 0 ? found.stdout.trim() : undefined;
}

/** Compiles DubboPeer.java and its com.example classes with javac. */
export function compileJavaPeer(): JavaTools {
  const jar = hessianJar();
  if (jar === undefined) throw new Error('Caucho Hessian jar not found');
  const dir = mkdtempSync(join(tmpdir(), 'getty-rpc-java-peer-'));
  const started = performance.now();
  const files = ['DubboPeer.java', 'com/example/User.java', 'com/example/Color.java'].map((file) => join(sources, file));
  // C1 only and the serial collector: javac then compiles these two files in about half the time.
  const fastJvm = ['-J-XX:TieredStopAtLevel=1', '-J-XX:+UseSerialGC'];
  execFileSync('javac', [...fastJvm, '-nowarn', '-encoding', 'UTF-8', '-cp', jar, '-d', dir, ...files], { stdio: ['ignore', 'ignore', 'pipe'] });
  return {
    classpath: `${dir}:${jar}`,
    dir,
    compileMs: performance.now() - started,
    dispose: () => rmSync(dir, { recursive: true, force: true }),
  };
}

function javaProcess(tools: JavaTools, args: string[]): ChildProcess {
  return spawn('java', [...JVM_OPTIONS, '-cp', tools.classpath, 'DubboPeer', ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
}

export interface JavaProvider {
  port: number;
  /** From spawn to "PORT n" on its output: JVM start plus class loading. */
  startMs: number;
  stderr(): string;
  stop(): Promise<void>;
}

/** Starts `DubboPeer provide`; it ends when its standard input closes (or by SIGKILL after 5 s). */
export async function startJavaProvider(tools: JavaTools): Promise<JavaProvider> {
  const started = performance.now();
  const child = javaProcess(tools, ['provide']);
  let errors = '';
  child.stderr!.setEncoding('utf8').on('data', (text: string) => (errors += text));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const port = await new Promise<number>((resolve, reject) => {
    // A JVM that never gets to listen is killed, so the test fails instead of hanging.
    const stuck = setTimeout(() => child.kill('SIGKILL'), 60_000);
    const lines = createInterface({ input: child.stdout! });
    lines.once('line', (line) => {
      clearTimeout(stuck);
      const match = /^PORT (\d+)$/.exec(line);
      if (match) resolve(Number(match[1]));
      else reject(new Error(`unexpected first line from the Java provider: ${line}`));
    });
    child.once('exit', (code, signal) => {
      clearTimeout(stuck);
      reject(new Error(`Java provider exited (${code ?? signal}) before listening: ${errors}`));
    });
  });
  const startMs = performance.now() - started;
  return {
    port,
    startMs,
    stderr: () => errors,
    stop: async () => {
      child.stdin!.end();
      const killer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(killer);
    },
  };
}

export interface JavaCase {
  case: string;
  ok: boolean;
  detail: string;
}

/** Runs `DubboPeer consume PORT` to its end; one result per case it printed. */
export async function runJavaConsumer(tools: JavaTools, port: number): Promise<{ cases: JavaCase[]; runMs: number; stderr: string }> {
  const started = performance.now();
  const child = javaProcess(tools, ['consume', String(port)]);
  child.stdin!.end();
  let out = '';
  let errors = '';
  child.stdout!.setEncoding('utf8').on('data', (text: string) => (out += text));
  child.stderr!.setEncoding('utf8').on('data', (text: string) => (errors += text));
  const killer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  clearTimeout(killer);
  if (code !== 0) throw new Error(`Java consumer exited with ${code}: ${errors}`);
  const cases = out.split('\n').filter((line) => line.startsWith('{')).map((line) => JSON.parse(line) as JavaCase);
  return { cases, runMs: performance.now() - started, stderr: errors };
}
