/**
 * An append-only log of records, each framed with its length and CRC-32, fsynced before an
 * append returns. Appending is the commit point of the simulation (see store.ts): a record is
 * either whole on disk or, torn by a crash or a full disk, recognised as such and cut off.
 *
 * Layout: the 8-byte magic `MDLJRNL1`, then records of `[u32 length][u32 crc32][payload]`
 * (little endian), the payload being UTF-8 text.
 */
import { closeSync, existsSync, fstatSync, ftruncateSync, openSync, readSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { crc32 } from 'node:zlib';
import { writeFileAtomic } from '../core/files';

const MAGIC = Buffer.from('MDLJRNL1', 'latin1');
const HEADER = 8;
/** Largest record accepted when reading: anything longer is a torn or foreign length field. */
const MAX_RECORD = 1 << 30;

export interface JournalContents {
  /** Payloads of the whole records, in order. */
  records: string[];
  /** Bytes up to the end of the last whole record. */
  validBytes: number;
  /** Bytes after it: a record torn by a crash or a full disk (never committed). */
  tornBytes: number;
}

/** The records of a journal file (an absent file has none); never changes the file. */
export function readJournal(path: string): JournalContents {
  if (!existsSync(path)) return { records: [], validBytes: 0, tornBytes: 0 };
  const fd = openSync(path, 'r');
  try {
    const size = fstatSync(fd).size;
    const data = Buffer.allocUnsafe(size);
    let read = 0;
    while (read < size) {
      const n = readSync(fd, data, read, size - read, read);
      if (n === 0) break;
      read += n;
    }
    return parseJournal(data.subarray(0, read), path);
  } finally {
    closeSync(fd);
  }
}

/** Parses journal bytes; a bad magic is an error, a bad record ends the valid part. */
export function parseJournal(data: Buffer, origin: string): JournalContents {
  if (data.length === 0) return { records: [], validBytes: 0, tornBytes: 0 };
  if (data.length < HEADER) return { records: [], validBytes: 0, tornBytes: data.length };
  if (!data.subarray(0, HEADER).equals(MAGIC)) throw new Error(`${origin} is not a Medallion journal; it was left untouched`);
  const records: string[] = [];
  let offset = HEADER;
  while (offset + 8 <= data.length) {
    const length = data.readUInt32LE(offset);
    const sum = data.readUInt32LE(offset + 4);
    const end = offset + 8 + length;
    if (length > MAX_RECORD || end > data.length) break;
    const payload = data.subarray(offset + 8, end);
    if (crc32(payload) !== sum) break;
    records.push(payload.toString('utf8'));
    offset = end;
  }
  return { records, validBytes: offset, tornBytes: data.length - offset };
}

/** Frames one record. */
export function frameRecord(payload: string): Buffer {
  const body = Buffer.from(payload, 'utf8');
  const head = Buffer.allocUnsafe(8);
  head.writeUInt32LE(body.length, 0);
  head.writeUInt32LE(crc32(body), 4);
  return Buffer.concat([head, body]);
}

/** Test hook: called before each durable write, so a fault can be injected exactly there. */
export type WriteFault = (what: string) => void;

/**
 * A journal open for appending, by the one process holding the store's lock. Opening cuts off a
 * torn tail, so that the next record follows the last whole one.
 */
export class JournalWriter {
  private constructor(
    readonly path: string,
    private handle: FileHandle,
    private size: number,
    private readonly fault: WriteFault | undefined,
  ) {}

  static async open(path: string, fault?: WriteFault): Promise<JournalWriter> {
    const { validBytes, tornBytes } = readJournal(path);
    if (validBytes === 0) {
      // New (or only a torn header): start with the magic, atomically.
      await writeFileAtomic(path, MAGIC);
    } else if (tornBytes > 0) {
      const fd = openSync(path, 'r+');
      try {
        ftruncateSync(fd, validBytes);
      } finally {
        closeSync(fd);
      }
    }
    const handle = await open(path, 'r+');
    return new JournalWriter(path, handle, validBytes === 0 ? HEADER : validBytes, fault);
  }

  get bytes(): number {
    return this.size;
  }

  /**
   * Appends one record and makes it durable. On any failure (a full disk) the file is cut back
   * to where it was, so the record never half-exists, and the error is rethrown.
   */
  async append(payload: string): Promise<void> {
    const frame = frameRecord(payload);
    const writeAll = async (part: Buffer, position: number): Promise<void> => {
      for (let written = 0; written < part.length; ) {
        written += (await this.handle.write(part, written, part.length - written, position + written)).bytesWritten;
      }
    };
    try {
      this.fault?.('journal');
      // With a fault hook, in two halves, so that a test can tear a record the way a crash or a full disk would.
      const half = this.fault ? frame.length >> 1 : frame.length;
      await writeAll(frame.subarray(0, half), this.size);
      this.fault?.('journal:torn');
      await writeAll(frame.subarray(half), this.size + half);
      await this.handle.sync();
      this.size += frame.length;
    } catch (error) {
      await this.handle.truncate(this.size).catch(() => undefined);
      throw error;
    }
  }

  async close(): Promise<void> {
    await this.handle.close();
  }
}

/** An empty journal, replacing any previous one atomically (after a snapshot made it obsolete). */
export async function resetJournal(path: string): Promise<void> {
  await writeFileAtomic(path, MAGIC);
}
