/**
 * One to four byte edits of a valid body for the body-decoder fuzzers: a
 * random byte, a byte from `special` (the format's structural or marker
 * bytes), a cut, a duplicated range, a removed range. `below(n)` is the
 * fuzzer's seeded 0..n-1, so an input can be produced again.
 */
export function mutateBody(body: Buffer, below: (n: number) => number, special: readonly number[]): Buffer {
  let result = Buffer.from(body);
  const edits = 1 + below(4);
  for (let i = 0; i < edits && result.length > 0; i++) {
    const at = below(result.length);
    switch (below(5)) {
      case 0:
        result[at] = below(256);
        break;
      case 1:
        result[at] = special[below(special.length)]!;
        break;
      case 2:
        result = result.subarray(0, at);
        break;
      case 3: {
        const from = below(result.length);
        result = Buffer.concat([result.subarray(0, at), result.subarray(from, from + below(64)), result.subarray(at)]);
        break;
      }
      default:
        result = Buffer.concat([result.subarray(0, at), result.subarray(at + 1 + below(8))]);
    }
  }
  return result;
}
