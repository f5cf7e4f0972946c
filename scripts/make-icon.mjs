#!/usr/bin/env node
// `node scripts/make-icon.mjs`: draws the extension icon, media/icon.png (128x128 RGBA): a medallion
// whose face holds the three layers, bronze at the bottom, silver, gold on top. Pure Node (zlib
// for the PNG), supersampled 4x4 for smooth edges; run it again after changing the drawing.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';
import { root } from './lib/setup.mjs';

const SIZE = 128;
const SAMPLES = 4;
const centre = SIZE / 2;
const RIM = { outer: 62, inner: 52 };
const colours = {
  rim: [196, 150, 40],
  rimEdge: [120, 86, 16],
  bronze: [176, 104, 56],
  silver: [176, 184, 196],
  gold: [236, 190, 60],
  line: [255, 255, 255],
};

/** The colour at a point, or undefined outside the medallion. */
function colourAt(x, y) {
  const distance = Math.hypot(x - centre, y - centre);
  if (distance > RIM.outer) return undefined;
  if (distance > RIM.outer - 2.5 || (distance < RIM.inner + 2 && distance > RIM.inner)) return colours.rimEdge;
  if (distance > RIM.inner) return colours.rim;
  // The face: three bands, separated by thin light lines.
  const band = (y - (centre - RIM.inner)) / (2 * RIM.inner);
  if (Math.abs(band - 1 / 3) < 0.018 || Math.abs(band - 2 / 3) < 0.018) return colours.line;
  return band < 1 / 3 ? colours.gold : band < 2 / 3 ? colours.silver : colours.bronze;
}

const raw = Buffer.alloc(SIZE * (SIZE * 4 + 1));
for (let y = 0; y < SIZE; y++) {
  raw[y * (SIZE * 4 + 1)] = 0; // filter: none
  for (let x = 0; x < SIZE; x++) {
    const sum = [0, 0, 0, 0];
    for (let sy = 0; sy < SAMPLES; sy++) {
      for (let sx = 0; sx < SAMPLES; sx++) {
        const colour = colourAt(x + (sx + 0.5) / SAMPLES, y + (sy + 0.5) / SAMPLES);
        if (!colour) continue;
        sum[0] += colour[0];
        sum[1] += colour[1];
        sum[2] += colour[2];
        sum[3] += 255;
      }
    }
    const covered = sum[3] / 255;
    const at = y * (SIZE * 4 + 1) + 1 + x * 4;
    raw[at] = covered ? Math.round(sum[0] / covered) : 0;
    raw[at + 1] = covered ? Math.round(sum[1] / covered) : 0;
    raw[at + 2] = covered ? Math.round(sum[2] / covered) : 0;
    raw[at + 3] = Math.round(sum[3] / (SAMPLES * SAMPLES));
  }
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
const crc32 = (buffer) => {
  let c = 0xffffffff;
  for (const byte of buffer) c = CRC_TABLE[(c ^ byte) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
};
function chunk(type, data) {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}
const header = Buffer.alloc(13);
header.writeUInt32BE(SIZE, 0);
header.writeUInt32BE(SIZE, 4);
header[8] = 8; // bit depth
header[9] = 6; // RGBA
const png = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', header), chunk('IDAT', deflateSync(raw, { level: 9 })), chunk('IEND', Buffer.alloc(0))]);
const out = join(root, 'media', 'icon.png');
writeFileSync(out, png);
console.log(`make-icon: ${out} (${png.length} bytes)`);
