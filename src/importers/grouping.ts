/**
 * Patient grouping without keeping identities: each identifier is hashed (SHA-256) with a salt
 * drawn fresh for every import, and only the order in which distinct hashes were first seen — a
 * small integer — leaves this object. The salt and the hashes die with the grouper.
 */
export class PatientGrouper {
  readonly #salt: Uint8Array;
  readonly #indexByHash = new Map<string, number>();

  constructor() {
    this.#salt = crypto.getRandomValues(new Uint8Array(32));
  }

  async groupOf(identifier: string): Promise<number> {
    const text = new TextEncoder().encode(identifier);
    const salted = new Uint8Array(this.#salt.length + text.length);
    salted.set(this.#salt);
    salted.set(text, this.#salt.length);
    const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', salted));
    const key = Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('');
    let index = this.#indexByHash.get(key);
    if (index === undefined) {
      index = this.#indexByHash.size;
      this.#indexByHash.set(key, index);
    }
    return index;
  }

  get groupCount(): number {
    return this.#indexByHash.size;
  }
}

/**
 * 64-bit FNV-1a over the pixels (as two 32-bit lanes), hex. Not cryptographic: it only has to make
 * accidental collisions between a user's images negligible (≈ n²/2⁶⁵).
 */
export function pixelHash(pixels: Uint8Array, size: number, channels: number): string {
  let h1 = 0x811c9dc5 ^ size;
  let h2 = 0x050c5d1f ^ channels;
  for (let i = 0; i < pixels.length; i++) {
    h1 = Math.imul(h1 ^ pixels[i], 0x01000193);
    h2 = Math.imul(h2 ^ pixels[i], 0x01000193) ^ (h1 >>> 15);
  }
  return (h1 >>> 0).toString(16).padStart(8, '0') + (h2 >>> 0).toString(16).padStart(8, '0');
}
