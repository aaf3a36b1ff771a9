export { seededRandom } from '../../../bench/lib/seeded-random.js';

export function randomBytes(random: () => number, length: number): Buffer {
  const buf = Buffer.alloc(length);
  for (let i = 0; i < length; i++) buf[i] = Math.floor(random() * 256);
  return buf;
}
