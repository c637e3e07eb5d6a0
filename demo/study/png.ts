/**
 * A minimal PNG writer (8-bit grayscale, no interlace) on node's zlib, and a grid of digits for the study's
 * clean / adversarial pictures. PNG = signature, IHDR, IDAT (deflate of rows, each prefixed by filter byte 0), IEND;
 * every chunk is length · type · data · CRC-32(type · data).
 */
import * as zlib from 'zlib';

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

/** CRC-32 (ISO 3309, the one PNG uses) of `bytes`. */
export function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'ascii');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])), 0);
  return Buffer.concat([head, data, crc]);
}

/** PNG bytes of a width × height 8-bit grayscale image given row by row (`gray[y · width + x]`, 0 = black). */
export function encodeGrayPng(gray: Uint8Array, width: number, height: number): Buffer {
  if (gray.length !== width * height)
    throw new Error(`encodeGrayPng: expected ${width * height} pixels, got ${gray.length}.`);
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 0; // color type: grayscale
  const raw = Buffer.alloc((width + 1) * height);
  for (let y = 0; y < height; y++) raw.set(gray.subarray(y * width, (y + 1) * width), y * (width + 1) + 1);
  return Buffer.concat([
    SIGNATURE,
    chunk('IHDR', ihdr),
    chunk('IDAT', zlib.deflateSync(raw)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/** Pixel byte of an intensity in [0, 1] (clamped): round(255 · v). */
export const toByte = (v: number) => Math.round(255 * Math.min(1, Math.max(0, v)));

/**
 * A grid of side × side images: `rows[r]` holds the images of row r, each side² intensities in [0, 1] row-major,
 * separated by `gap` white pixels. Returns the PNG and its size.
 */
export function digitGridPng(
  rows: Float32Array[][],
  side = 28,
  gap = 2,
): { png: Buffer; width: number; height: number } {
  const columns = Math.max(...rows.map((r) => r.length));
  const width = columns * side + (columns + 1) * gap;
  const height = rows.length * side + (rows.length + 1) * gap;
  const gray = new Uint8Array(width * height).fill(255);
  rows.forEach((row, r) =>
    row.forEach((image, c) => {
      const top = gap + r * (side + gap);
      const left = gap + c * (side + gap);
      for (let y = 0; y < side; y++)
        for (let x = 0; x < side; x++) gray[(top + y) * width + left + x] = toByte(image[y * side + x]);
    }),
  );
  return { png: encodeGrayPng(gray, width, height), width, height };
}
