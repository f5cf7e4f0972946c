/**
 * The simulator's rows as CSV lines, built directly (no array of values, no test per cell where
 * a value cannot hold a separator: UUIDs the simulator drew, numbers, formatted times), in the
 * dialect of core/csv: an unquoted empty field is NULL, `""` an empty string. Column order is the
 * bronze contract's (core/bronze.ts; a unit test checks every line against it).
 */
import { csvCell } from '../core/csv';

/** Any text: quoted when it must be, `""` when empty. */
export const text = (value: string): string => csvCell(value);
/** Text the simulator made that holds no separator (UUIDs, URLs, codes), `""` when empty. */
const safe = (value: string): string => (value === '' ? '""' : value);
/** Money from integer cents, as the source writes it (12.5, 30). */
const money = (cents: number): string => String(cents / 100);
const flag = (deleted: boolean): string => (deleted ? 'true' : 'false');

/** An addresses row. */
export function addressLine(addressId: string, zipcode: number, address: string, state: string, deleted: boolean, synced: string): string {
  return `${text(addressId)},${zipcode},United States,${text(address)},${text(state)},${flag(deleted)},${synced}\n`;
}

export interface UserFields {
  userId: string;
  updatedAt: string;
  addressId: string;
  lastName: string;
  createdAt: string;
  phone: string;
  totalOrders: number;
  firstName: string;
  email: string;
}

/** A users row (times already formatted as timestamp_tz text). */
export function userLine(user: UserFields, deleted: boolean, synced: string): string {
  return (
    `${text(user.userId)},${user.updatedAt},${text(user.addressId)},${text(user.lastName)},${user.createdAt},${text(user.phone)},` +
    `${user.totalOrders},${text(user.firstName)},${text(user.email)},${flag(deleted)},${synced}\n`
  );
}

/** An event; `productId` or `orderId` empty as the raw data has them. `userId` and `sessionId` may come from data nobody here generated. */
export function eventLine(eventId: string, url: string, type: string, userId: string, productId: string, sessionId: string, createdAt: string, orderId: string, synced: string): string {
  return `${eventId},${text(url)},${type},${text(userId)},${text(productId)},${text(sessionId)},${createdAt},${text(orderId)},false,${synced}\n`;
}

export interface OrderFields {
  orderId: string;
  shippingService: string;
  shippingCents: number;
  addressId: string;
  createdAt: string;
  promoId: string;
  estimatedDeliveryAt: string | null;
  costCents: number;
  userId: string;
  totalCents: number;
  deliveredAt: string | null;
  trackingId: string;
  status: string;
}

/** An orders row as it stands at sync time. */
export function orderLine(order: OrderFields, synced: string): string {
  return (
    `${text(order.orderId)},${safe(order.shippingService)},${money(order.shippingCents)},${text(order.addressId)},${order.createdAt},` +
    `${text(order.promoId)},${order.estimatedDeliveryAt ?? ''},${money(order.costCents)},${text(order.userId)},${money(order.totalCents)},` +
    `${order.deliveredAt ?? ''},${text(order.trackingId)},${order.status},false,${synced}\n`
  );
}

/** An order_items row. */
export function orderItemLine(orderId: string, productId: string, quantity: number, synced: string): string {
  return `${orderId},${text(productId)},${quantity},false,${synced}\n`;
}

/** A products row: a version of the product. */
export function productLine(productId: string, priceCents: number, name: string, inventory: number, deleted: boolean, synced: string): string {
  return `${text(productId)},${money(priceCents)},${text(name)},${inventory},${flag(deleted)},${synced}\n`;
}

/** A promos row. */
export function promoLine(promoId: string, discount: number, status: string, deleted: boolean, synced: string): string {
  return `${text(promoId)},${discount},${status},${flag(deleted)},${synced}\n`;
}

/** A budget row of the Google Sheet (no `_fivetran_deleted` there). */
export function budgetLine(row: number, productId: string, quantity: number, month: string, synced: string): string {
  return `${row},${text(productId)},${quantity},${month},${synced}\n`;
}
