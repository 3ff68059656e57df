// Small, dependency-free helpers for the Teams app packages: CRC-32, PNG encode/decode (RGBA, 8 bit), zip write/read.
import { deflateSync, inflateSync, deflateRawSync, inflateRawSync } from "node:zlib";

const table = new Uint32Array(256).map((_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

export function crc32(bytes) {
  let c = 0xffffffff;
  for (const b of bytes) c = table[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

function chunk(type, data) {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, "ascii");
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])), 0);
  return Buffer.concat([head, data, crc]);
}

/** A PNG of width x height RGBA pixels from pixel(x, y) => [r, g, b, a]. */
export function encodePng(width, height, pixel) {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 6; // RGBA
  const raw = Buffer.alloc((width * 4 + 1) * height);
  for (let y = 0; y < height; y++) {
    const row = y * (width * 4 + 1);
    raw[row] = 0; // no filter
    for (let x = 0; x < width; x++) raw.set(pixel(x, y), row + 1 + x * 4);
  }
  return Buffer.concat([PNG_SIGNATURE, chunk("IHDR", ihdr), chunk("IDAT", deflateSync(raw, { level: 9 })), chunk("IEND", Buffer.alloc(0))]);
}

/** Width, height, colour type and (for 8-bit RGBA without filters other than none/sub/up) the pixels of a PNG. */
export function decodePng(bytes) {
  if (!bytes.subarray(0, 8).equals(PNG_SIGNATURE)) throw new Error("not a PNG file");
  let offset = 8;
  let header;
  const data = [];
  while (offset < bytes.length) {
    const length = bytes.readUInt32BE(offset);
    const type = bytes.toString("ascii", offset + 4, offset + 8);
    const body = bytes.subarray(offset + 8, offset + 8 + length);
    if (type === "IHDR") header = { width: body.readUInt32BE(0), height: body.readUInt32BE(4), depth: body[8], colorType: body[9] };
    if (type === "IDAT") data.push(body);
    offset += 12 + length;
  }
  if (!header) throw new Error("PNG without IHDR");
  let pixels = null;
  if (header.depth === 8 && header.colorType === 6) {
    const raw = inflateSync(Buffer.concat(data));
    const stride = header.width * 4;
    pixels = Buffer.alloc(stride * header.height);
    for (let y = 0; y < header.height; y++) {
      const filter = raw[y * (stride + 1)];
      for (let i = 0; i < stride; i++) {
        const value = raw[y * (stride + 1) + 1 + i];
        const left = i >= 4 ? pixels[y * stride + i - 4] : 0;
        const up = y > 0 ? pixels[(y - 1) * stride + i] : 0;
        if (filter > 2) throw new Error(`PNG filter ${filter} is not supported by this check`);
        pixels[y * stride + i] = (value + (filter === 1 ? left : filter === 2 ? up : 0)) & 0xff;
      }
    }
  }
  return { ...header, pixels };
}

const DOS_DATE = (1 << 5) | 1; // 1980-01-01: fixed, so the same inputs give the same bytes

/** Little-endian fields [[byteCount, value], ...] in one buffer (zip headers). */
function pack(fields) {
  const buffer = Buffer.alloc(fields.reduce((n, [size]) => n + size, 0));
  let at = 0;
  for (const [size, value] of fields) {
    if (size === 2) buffer.writeUInt16LE(value, at);
    else buffer.writeUInt32LE(value, at);
    at += size;
  }
  return buffer;
}

/** A zip archive of [name, bytes] entries (deflated), with fixed timestamps. */
export function writeZip(entries) {
  const locals = [];
  const centrals = [];
  let offset = 0;
  for (const [name, bytes] of entries) {
    const nameBytes = Buffer.from(name, "utf8");
    const compressed = deflateRawSync(bytes, { level: 9 });
    // version needed, flags, method (8: deflate), time, date, CRC-32, sizes, name length, extra length
    const shared = [[2, 20], [2, 0], [2, 8], [2, 0], [2, DOS_DATE], [4, crc32(bytes)], [4, compressed.length], [4, bytes.length], [2, nameBytes.length], [2, 0]];
    const local = pack([[4, 0x04034b50], ...shared]);
    // made by, shared fields, comment length, disk, internal and external attributes, offset of the local header
    const central = pack([[4, 0x02014b50], [2, 20], ...shared, [2, 0], [2, 0], [2, 0], [4, 0], [4, offset]]);
    locals.push(local, nameBytes, compressed);
    centrals.push(central, nameBytes);
    offset += local.length + nameBytes.length + compressed.length;
  }
  const directory = Buffer.concat(centrals);
  const end = pack([[4, 0x06054b50], [2, 0], [2, 0], [2, entries.length], [2, entries.length], [4, directory.length], [4, offset], [2, 0]]);
  return Buffer.concat([...locals, directory, end]);
}

/** The entries of a zip archive as a Map of name => bytes (stored or deflated entries; CRCs checked). */
export function readZip(bytes) {
  const endAt = bytes.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  if (endAt < 0) throw new Error("not a zip archive");
  const count = bytes.readUInt16LE(endAt + 10);
  let at = bytes.readUInt32LE(endAt + 16);
  const entries = new Map();
  for (let i = 0; i < count; i++) {
    if (bytes.readUInt32LE(at) !== 0x02014b50) throw new Error("broken zip central directory");
    const method = bytes.readUInt16LE(at + 10);
    const crc = bytes.readUInt32LE(at + 16);
    const size = bytes.readUInt32LE(at + 20);
    const nameLength = bytes.readUInt16LE(at + 28);
    const extra = bytes.readUInt16LE(at + 30);
    const comment = bytes.readUInt16LE(at + 32);
    const local = bytes.readUInt32LE(at + 42);
    const name = bytes.toString("utf8", at + 46, at + 46 + nameLength);
    const dataAt = local + 30 + bytes.readUInt16LE(local + 26) + bytes.readUInt16LE(local + 28);
    const raw = bytes.subarray(dataAt, dataAt + size);
    const content = method === 8 ? inflateRawSync(raw) : method === 0 ? Buffer.from(raw) : null;
    if (!content) throw new Error(`${name}: zip method ${method} is not supported`);
    if (crc32(content) !== crc) throw new Error(`${name}: CRC mismatch`);
    entries.set(name, content);
    at += 46 + nameLength + extra + comment;
  }
  return entries;
}
