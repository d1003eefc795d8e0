// Draws the app icon — a white SIM card with a gold chip on a teal rounded square — and writes it as
// PNG files (node:zlib only, no image libraries): build/icon.png (512), build/icons/<n>x<n>.png for
// Linux packages, and the renderer's favicon. Run: node scripts/make-icons.mjs. The PNGs are committed.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Buffer } from 'node:buffer';
import { crc32, deflateSync } from 'node:zlib';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const SIZES = [16, 24, 32, 48, 64, 128, 256, 512];
const SUPERSAMPLE = 4; // 4×4 samples per pixel for smooth edges

const COLORS = {
  background: [31, 111, 139, 255],
  card: [255, 255, 255, 255],
  chip: [226, 179, 60, 255],
  contacts: [170, 128, 28, 255],
};

/** Signed distance to a rounded rectangle (negative inside); coordinates in units of the icon size. */
function roundedRect(x, y, x0, y0, x1, y1, r) {
  const qx = Math.abs(x - (x0 + x1) / 2) - ((x1 - x0) / 2 - r);
  const qy = Math.abs(y - (y0 + y1) / 2) - ((y1 - y0) / 2 - r);
  return Math.hypot(Math.max(qx, 0), Math.max(qy, 0)) + Math.min(Math.max(qx, qy), 0) - r;
}

/** Colour of the icon at (x, y) in [0,1]², or undefined where it is transparent. Layers painted in order. */
function colorAt(x, y) {
  if (roundedRect(x, y, 0.04, 0.04, 0.96, 0.96, 0.2) > 0) return undefined;
  // The SIM card: portrait, its top-right corner cut off diagonally like a real SIM.
  const inCard = roundedRect(x, y, 0.29, 0.17, 0.71, 0.83, 0.04) <= 0;
  const cutOff = x - 0.58 > y - 0.17; // beyond the 45° line from (0.58, 0.17) to (0.71, 0.30)
  if (!inCard || cutOff) return COLORS.background;
  if (roundedRect(x, y, 0.37, 0.43, 0.63, 0.71, 0.035) > 0) return COLORS.card;
  // Chip contacts: one vertical and two horizontal separators.
  const line = 0.011;
  const onContact = Math.abs(x - 0.5) < line || Math.abs(y - 0.523) < line || Math.abs(y - 0.617) < line;
  return onContact && x > 0.385 && x < 0.615 && y > 0.445 && y < 0.705 ? COLORS.contacts : COLORS.chip;
}

function render(size) {
  const pixels = Buffer.alloc(size * size * 4);
  const n = SUPERSAMPLE * SUPERSAMPLE;
  for (let py = 0; py < size; py++) {
    for (let px = 0; px < size; px++) {
      let r = 0, g = 0, b = 0, a = 0;
      for (let sy = 0; sy < SUPERSAMPLE; sy++) {
        for (let sx = 0; sx < SUPERSAMPLE; sx++) {
          const c = colorAt((px + (sx + 0.5) / SUPERSAMPLE) / size, (py + (sy + 0.5) / SUPERSAMPLE) / size);
          if (!c) continue;
          // Premultiplied accumulation, so edges against transparency do not darken.
          r += c[0] * c[3]; g += c[1] * c[3]; b += c[2] * c[3]; a += c[3];
        }
      }
      const o = (py * size + px) * 4;
      pixels[o] = a ? Math.round(r / a) : 0;
      pixels[o + 1] = a ? Math.round(g / a) : 0;
      pixels[o + 2] = a ? Math.round(b / a) : 0;
      pixels[o + 3] = Math.round(a / n);
    }
  }
  return pixels;
}

function chunk(type, data) {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}

/** PNG: 8-bit RGBA, no interlace, filter type 0 (None) on every scanline. */
function encodePng(size, rgba) {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(size, 0);
  header.writeUInt32BE(size, 4);
  header.set([8, 6, 0, 0, 0], 8);
  const raw = Buffer.alloc(size * (size * 4 + 1));
  for (let y = 0; y < size; y++) rgba.copy(raw, y * (size * 4 + 1) + 1, y * size * 4, (y + 1) * size * 4);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(raw, { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

function write(path, size) {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, encodePng(size, render(size)));
  console.log(`wrote ${path.slice(root.length + 1)} (${size}×${size})`);
}

for (const size of SIZES) write(join(root, 'build', 'icons', `${size}x${size}.png`), size);
write(join(root, 'build', 'icon.png'), 512);
write(join(root, 'src-renderer', 'public', 'favicon.png'), 64);
