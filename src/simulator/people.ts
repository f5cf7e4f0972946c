/**
 * Human-looking customer details (names, e-mail, phone, street address, US state, zipcode) drawn
 * with the simulator's own generator from faker's English word lists. Faker's own API cost about
 * 30 µs per new customer (a third of generating a purchase); a pick from its lists costs a few
 * hundred nanoseconds, and stays reproducible for a seed.
 */
import { en, en_US } from '@faker-js/faker';
import type { Random } from '../core/random';

const list = (value: unknown, what: string): readonly string[] => {
  if (!Array.isArray(value) || value.length === 0 || !value.every((item) => typeof item === 'string')) {
    throw new Error(`faker's English locale has no ${what} list`);
  }
  return value;
};

const FIRST_NAMES = list(en.person?.first_name?.generic, 'first name');
const LAST_NAMES = list(en.person?.last_name?.generic, 'last name');
const STREET_SUFFIXES = list(en.location?.street_suffix, 'street suffix');
const STREET_NAMES = list(en_US.location?.street_name, 'street name');
const STATES = list(en.location?.state, 'US state');
const MAIL_DOMAINS = list(en.internet?.free_email, 'e-mail domain');

export interface Person {
  firstName: string;
  lastName: string;
  email: string;
  phone: string;
}

const digits = (random: Random, count: number): string => {
  let text = '';
  for (let i = 0; i < count; i++) text += String(random.int(0, 9));
  return text;
};

/** A person: a hyphenated last name now and then, an e-mail address made of the name, a phone like 831-155-1615. */
export function person(random: Random): Person {
  const firstName = random.pick(FIRST_NAMES);
  const lastName = random.chance(0.05) ? `${random.pick(LAST_NAMES)}-${random.pick(LAST_NAMES)}` : random.pick(LAST_NAMES);
  const separator = random.pick(['.', '_', '']);
  const suffix = random.chance(0.5) ? String(random.int(1, 99)) : '';
  const email = `${firstName}${separator}${lastName}${suffix}@${random.pick(MAIL_DOMAINS)}`.toLowerCase().replace(/[^a-z0-9._@-]/g, '');
  return { firstName, lastName, email, phone: `${digits(random, 3)}-${digits(random, 3)}-${digits(random, 4)}` };
}

/** `4821 Maple Avenue`, `77 Ruth Branch`, `303 10th Street`. */
export function streetAddress(random: Random): string {
  const number = random.int(1, [99, 999, 9999, 99999][random.int(0, 3)] as number);
  const choice = random.int(0, 2);
  const street =
    choice === 0 ? `${random.pick(FIRST_NAMES)} ${random.pick(STREET_SUFFIXES)}` : choice === 1 ? `${random.pick(LAST_NAMES)} ${random.pick(STREET_SUFFIXES)}` : random.pick(STREET_NAMES);
  return `${number} ${street}`;
}

/** A US state's full name. */
export const usState = (random: Random): string => random.pick(STATES);

/** A five-digit zipcode as the source stores it: a number, so leading zeros are lost (4-digit zipcodes exist). */
export const zipcode = (random: Random): number => random.int(601, 99950);
