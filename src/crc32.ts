/**
 * CRC-32 (ISO 3309 / ITU-T V.42, the polynomial of zlib, PNG and ZIP), one table for the PNG
 * chunk writer (plot) and the `.npz` ZIP writer (io), which may not import each other.
 */

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

/**
 * Updates a running CRC register with `bytes`, without the final inversion, so a checksum can
 * be computed over several pieces: start from the default 0xffffffff, then `crc32Finish`.
 */
export function crc32Update(bytes: Uint8Array, crc = 0xffffffff): number {
  let c = crc;
  for (let i = 0; i < bytes.length; i++) c = CRC_TABLE[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return c >>> 0;
}

/** The final inversion of a running register from {@link crc32Update}. */
export function crc32Finish(crc: number): number {
  return (crc ^ 0xffffffff) >>> 0;
}

/** The CRC-32 of `bytes` (e.g. `crc32(new TextEncoder().encode('123456789')) === 0xcbf43926`). */
export function crc32(bytes: Uint8Array): number {
  return crc32Finish(crc32Update(bytes));
}
