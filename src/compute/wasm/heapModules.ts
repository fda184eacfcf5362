/**
 * Hand-assembled WebAssembly modules bound to the tfjs wasm heap: one instance per heap (imported as
 * env.memory, shared in the threaded build), or null where the engine refuses the bytes (no SIMD).
 */

/** A getter that instantiates `bytesFor(shared)` once per heap and returns its exports (or null). */
export function perHeap<Exports>(bytesFor: (sharedMemory: boolean) => Uint8Array<ArrayBuffer>): (memory: WebAssembly.Memory) => Exports | null {
  const instances = new WeakMap<WebAssembly.Memory, Exports | null>();
  return (memory) => {
    if (!instances.has(memory)) {
      let made: Exports | null = null;
      try {
        const shared = typeof SharedArrayBuffer !== 'undefined' && memory.buffer instanceof SharedArrayBuffer;
        const bytes = bytesFor(shared);
        if (WebAssembly.validate(bytes)) made = new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { memory } }).exports as unknown as Exports;
      } catch {
        made = null;
      }
      instances.set(memory, made);
    }
    return instances.get(memory) ?? null;
  };
}
