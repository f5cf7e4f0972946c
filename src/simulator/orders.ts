/**
 * Orders still on their way, kept compact: one fixed-size binary record per order (ids as 16
 * bytes, times as doubles, money as integer cents), about 136 bytes where a JavaScript object
 * took 400 and more. A burst of a million purchases squeezed into the last minutes leaves a
 * million orders open; they must fit beside the next batch in the CLI's heap (records live in
 * buffers outside it).
 *
 * Delivered orders become tombstones, skipped by iteration, so that a batch changes the store
 * in proportion to what it changed (a journal record names orders by index); the store is
 * compacted, keeping order, when tombstones make a quarter of it, and before a snapshot.
 */
import { SHIPPING_SERVICES } from './catalog';

/** An open order as the simulator reads and writes it. */
export interface OpenOrder {
  orderId: string;
  userId: string;
  addressId: string;
  /** Session of the checkout; the package_shipped event joins it, as in the raw data. */
  sessionId: string;
  createdAt: number;
  /** Promo name, or '' without promo. */
  promoId: string;
  costCents: number;
  shippingCents: number;
  totalCents: number;
  status: 'preparing' | 'shipped';
  shippingService: string;
  trackingId: string;
  estimatedDeliveryAt: number | null;
  /** When the order will ship and be delivered (already decided, revealed batch by batch). */
  shipAt: number;
  deliverAt: number;
}

/** The same, as one JSON-friendly tuple (journal records and snapshots). */
export type OpenOrderTuple = [
  orderId: string,
  userId: string,
  addressId: string,
  sessionId: string,
  createdAt: number,
  promoId: string,
  costCents: number,
  shippingCents: number,
  totalCents: number,
  status: 'preparing' | 'shipped',
  shippingService: string,
  trackingId: string,
  estimatedDeliveryAt: number | null,
  shipAt: number,
  deliverAt: number,
];

/** An open order as a tuple. */
export const toTuple = (o: OpenOrder): OpenOrderTuple => [
  o.orderId, o.userId, o.addressId, o.sessionId, o.createdAt, o.promoId, o.costCents, o.shippingCents, o.totalCents,
  o.status, o.shippingService, o.trackingId, o.estimatedDeliveryAt, o.shipAt, o.deliverAt,
];

/** An open order from its tuple. */
export const fromTuple = (t: OpenOrderTuple): OpenOrder => ({
  orderId: t[0], userId: t[1], addressId: t[2], sessionId: t[3], createdAt: t[4], promoId: t[5], costCents: t[6], shippingCents: t[7],
  totalCents: t[8], status: t[9], shippingService: t[10], trackingId: t[11], estimatedDeliveryAt: t[12], shipAt: t[13], deliverAt: t[14],
});

const RECORD = 136;
const ID_FIELDS = 5; // orderId, userId, addressId, sessionId, trackingId
const AT_CREATED = 80;
const AT_SHIP = 88;
const AT_DELIVER = 96;
const AT_ESTIMATE = 104;
const AT_COST = 112;
const AT_SHIPPING = 116;
const AT_TOTAL = 120;
const AT_PROMO = 124;
const AT_STATUS = 126;
const AT_SERVICE = 127;
/** Bit i set: id field i is not a UUID but an index into the side table. */
const AT_EXOTIC = 128;
const STATUS_PREPARING = 0;
const STATUS_SHIPPED = 1;
const STATUS_DELIVERED = 255;
const NO_PROMO = 0xffff;
const EMPTY_ID = 0xffffffff;
const FIRST_CAPACITY = 1024;

const HEX = '0123456789abcdef';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const hexValue = (code: number): number => (code <= 57 ? code - 48 : code - 87);
/** Text offsets of the 16 bytes of a UUID (hex pairs, skipping dashes). */
const UUID_OFFSETS = [0, 2, 4, 6, 9, 11, 14, 16, 19, 21, 24, 26, 28, 30, 32, 34];
const uuidScratch = Buffer.alloc(36);

export class OpenOrders {
  private data: Buffer;
  private view: DataView;
  private used = 0;
  private dead = 0;
  /** Promo names, by index (a promo's name is its id). */
  private readonly promos: string[] = [];
  private readonly promoIndex = new Map<string, number>();
  /** Ids that are not canonical UUIDs (data a warehouse held before the simulator came). */
  private readonly exotic: string[] = [];

  constructor(capacity = FIRST_CAPACITY) {
    this.data = Buffer.alloc(Math.max(1, capacity) * RECORD);
    this.view = new DataView(this.data.buffer, this.data.byteOffset, this.data.byteLength);
  }

  /** Slots in use, delivered ones included (indices run over these). */
  get slots(): number {
    return this.used;
  }

  /** Orders still open. */
  get size(): number {
    return this.used - this.dead;
  }

  /** Bytes the records take. */
  get bytes(): number {
    return this.data.byteLength;
  }

  isOpen(index: number): boolean {
    return this.data[index * RECORD + AT_STATUS] !== STATUS_DELIVERED;
  }

  isPreparing(index: number): boolean {
    return this.data[index * RECORD + AT_STATUS] === STATUS_PREPARING;
  }

  shipAt(index: number): number {
    return this.view.getFloat64(index * RECORD + AT_SHIP, true);
  }

  deliverAt(index: number): number {
    return this.view.getFloat64(index * RECORD + AT_DELIVER, true);
  }

  /** Appends an order; returns its index. */
  push(order: OpenOrder): number {
    if ((this.used + 1) * RECORD > this.data.byteLength) this.grow();
    const index = this.used++;
    const base = index * RECORD;
    this.data.fill(0, base, base + RECORD);
    const ids = [order.orderId, order.userId, order.addressId, order.sessionId, order.trackingId];
    for (let field = 0; field < ID_FIELDS; field++) this.writeId(base, field, ids[field] as string);
    this.view.setFloat64(base + AT_CREATED, order.createdAt, true);
    this.view.setFloat64(base + AT_SHIP, order.shipAt, true);
    this.view.setFloat64(base + AT_DELIVER, order.deliverAt, true);
    this.view.setFloat64(base + AT_ESTIMATE, order.estimatedDeliveryAt ?? Number.NaN, true);
    this.view.setInt32(base + AT_COST, order.costCents, true);
    this.view.setInt32(base + AT_SHIPPING, order.shippingCents, true);
    this.view.setInt32(base + AT_TOTAL, order.totalCents, true);
    this.view.setUint16(base + AT_PROMO, order.promoId === '' ? NO_PROMO : this.promoOf(order.promoId), true);
    this.data[base + AT_STATUS] = order.status === 'shipped' ? STATUS_SHIPPED : STATUS_PREPARING;
    this.data[base + AT_SERVICE] = order.shippingService === '' ? 0 : serviceCode(order.shippingService);
    return index;
  }

  /** The order at an index, as an object. */
  get(index: number): OpenOrder {
    const base = index * RECORD;
    const estimate = this.view.getFloat64(base + AT_ESTIMATE, true);
    const promo = this.view.getUint16(base + AT_PROMO, true);
    const service = this.data[base + AT_SERVICE] as number;
    return {
      orderId: this.readId(base, 0),
      userId: this.readId(base, 1),
      addressId: this.readId(base, 2),
      sessionId: this.readId(base, 3),
      createdAt: this.view.getFloat64(base + AT_CREATED, true),
      promoId: promo === NO_PROMO ? '' : (this.promos[promo] as string),
      costCents: this.view.getInt32(base + AT_COST, true),
      shippingCents: this.view.getInt32(base + AT_SHIPPING, true),
      totalCents: this.view.getInt32(base + AT_TOTAL, true),
      status: this.data[base + AT_STATUS] === STATUS_SHIPPED ? 'shipped' : 'preparing',
      shippingService: service === 0 ? '' : (SHIPPING_SERVICES[service - 1] as string),
      trackingId: this.readId(base, 4),
      estimatedDeliveryAt: Number.isNaN(estimate) ? null : estimate,
      shipAt: this.view.getFloat64(base + AT_SHIP, true),
      deliverAt: this.view.getFloat64(base + AT_DELIVER, true),
    };
  }

  /** Marks an order shipped, with its carrier, tracking id and the carrier's estimate. */
  ship(index: number, shippingService: string, trackingId: string, estimatedDeliveryAt: number | null): void {
    const base = index * RECORD;
    this.data[base + AT_STATUS] = STATUS_SHIPPED;
    this.data[base + AT_SERVICE] = serviceCode(shippingService);
    this.data[base + AT_EXOTIC] = (this.data[base + AT_EXOTIC] as number) & ~(1 << 4);
    this.writeId(base, 4, trackingId);
    this.view.setFloat64(base + AT_ESTIMATE, estimatedDeliveryAt ?? Number.NaN, true);
  }

  /** Delivered: the order leaves the store (a tombstone until the next compaction). */
  close(index: number): void {
    if (!this.isOpen(index)) return;
    this.data[index * RECORD + AT_STATUS] = STATUS_DELIVERED;
    this.dead += 1;
  }

  /** Compaction is due when a quarter of the slots are tombstones (a rule both a run and a replay follow). */
  get compactionDue(): boolean {
    return this.dead > 0 && this.dead * 4 >= this.used;
  }

  /** Removes the tombstones, keeping the open orders in their order. */
  compact(): void {
    if (this.dead === 0) return;
    let write = 0;
    for (let read = 0; read < this.used; read++) {
      if (!this.isOpen(read)) continue;
      if (write !== read) this.data.copy(this.data, write * RECORD, read * RECORD, (read + 1) * RECORD);
      write += 1;
    }
    this.used = write;
    this.dead = 0;
  }

  /** Every open order, in order, as tuples. */
  *tuples(): Generator<OpenOrderTuple> {
    for (let index = 0; index < this.used; index++) if (this.isOpen(index)) yield toTuple(this.get(index));
  }

  private grow(): void {
    const bigger = Buffer.alloc(Math.max(this.data.byteLength * 2, FIRST_CAPACITY * RECORD));
    this.data.copy(bigger, 0, 0, this.used * RECORD);
    this.data = bigger;
    this.view = new DataView(bigger.buffer, bigger.byteOffset, bigger.byteLength);
  }

  private promoOf(name: string): number {
    let index = this.promoIndex.get(name);
    if (index === undefined) {
      index = this.promos.length;
      if (index >= NO_PROMO) throw new RangeError('too many distinct promos on open orders');
      this.promos.push(name);
      this.promoIndex.set(name, index);
    }
    return index;
  }

  private writeId(base: number, field: number, id: string): void {
    const at = base + field * 16;
    if (id.length === 36 && UUID.test(id)) {
      for (let i = 0; i < 16; i++) {
        const offset = UUID_OFFSETS[i] as number;
        this.data[at + i] = (hexValue(id.charCodeAt(offset)) << 4) | hexValue(id.charCodeAt(offset + 1));
      }
      return;
    }
    // Anything else goes to the side table (ids of data nobody here generated); an empty id takes no entry.
    this.data[base + AT_EXOTIC] = (this.data[base + AT_EXOTIC] as number) | (1 << field);
    this.view.setUint32(at, id === '' ? EMPTY_ID : this.exotic.length, true);
    if (id !== '') this.exotic.push(id);
  }

  private readId(base: number, field: number): string {
    const at = base + field * 16;
    if (((this.data[base + AT_EXOTIC] as number) & (1 << field)) !== 0) {
      const entry = this.view.getUint32(at, true);
      return entry === EMPTY_ID ? '' : (this.exotic[entry] as string);
    }
    let out = 0;
    for (let i = 0; i < 16; i++) {
      if (out === 8 || out === 13 || out === 18 || out === 23) uuidScratch[out++] = 45;
      const byte = this.data[at + i] as number;
      uuidScratch[out++] = HEX.charCodeAt(byte >> 4);
      uuidScratch[out++] = HEX.charCodeAt(byte & 15);
    }
    return uuidScratch.toString('latin1', 0, 36);
  }
}

function serviceCode(name: string): number {
  const index = (SHIPPING_SERVICES as readonly string[]).indexOf(name);
  if (index < 0) return 0;
  return index + 1;
}
