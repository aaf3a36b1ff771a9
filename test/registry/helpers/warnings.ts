/**
 * Collects the process warnings emitted while a test runs. `process.emitWarning`
 * emits on the next tick, so `settled()` waits one macrotask before reading.
 */
export function collectWarnings() {
  const warnings: Error[] = [];
  const onWarning = (warning: Error) => warnings.push(warning);
  process.on('warning', onWarning);
  return {
    settled: async (): Promise<Error[]> => {
      await new Promise((resolve) => setImmediate(resolve));
      return warnings;
    },
    stop: () => process.off('warning', onWarning),
  };
}
