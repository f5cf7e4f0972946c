/**
 * Reference data for a fresh warehouse: the plant shop's catalogue and promotions,
 * in the style of the real Greenery data.
 */

export interface PlantSpec {
  readonly name: string;
  /** Price in cents. */
  readonly priceCents: number;
  /** Relative popularity: how often the plant is viewed and bought. */
  readonly popularity: number;
}

export const PLANTS: readonly PlantSpec[] = [
  { name: 'Monstera', priceCents: 5099, popularity: 9 },
  { name: 'Pothos', priceCents: 3025, popularity: 8 },
  { name: 'Snake Plant', priceCents: 2899, popularity: 8 },
  { name: 'Fiddle Leaf Fig', priceCents: 8275, popularity: 6 },
  { name: 'ZZ Plant', priceCents: 2900, popularity: 6 },
  { name: 'Money Tree', priceCents: 4188, popularity: 5 },
  { name: 'Calathea Makoyana', priceCents: 3045, popularity: 4 },
  { name: 'Peace Lily', priceCents: 2241, popularity: 5 },
  { name: 'Alocasia Polly', priceCents: 4480, popularity: 4 },
  { name: 'Arrow Head', priceCents: 1925, popularity: 3 },
  { name: 'Philodendron', priceCents: 3500, popularity: 5 },
  { name: 'Pink Anthurium', priceCents: 1465, popularity: 3 },
  { name: 'Rubber Plant', priceCents: 5100, popularity: 4 },
  { name: 'Aloe Vera', priceCents: 1602, popularity: 5 },
  { name: 'String of Pearls', priceCents: 5014, popularity: 3 },
  { name: 'Ficus', priceCents: 2962, popularity: 3 },
  { name: 'Bird of Paradise', priceCents: 6033, popularity: 4 },
  { name: 'Spider Plant', priceCents: 1450, popularity: 6 },
  { name: 'Angel Wings Begonia', priceCents: 2433, popularity: 2 },
  { name: 'Bamboo', priceCents: 1598, popularity: 3 },
  { name: "Bird's Nest Fern", priceCents: 2489, popularity: 2 },
  { name: 'Boston Fern', priceCents: 1869, popularity: 3 },
  { name: 'Cactus', priceCents: 1100, popularity: 4 },
  { name: "Devil's Ivy", priceCents: 2250, popularity: 3 },
  { name: 'Dragon Tree', priceCents: 6200, popularity: 2 },
  { name: 'Jade Plant', priceCents: 1745, popularity: 3 },
  { name: 'Majesty Palm', priceCents: 5570, popularity: 2 },
  { name: 'Orchid', priceCents: 4500, popularity: 4 },
  { name: 'Ponytail Palm', priceCents: 4077, popularity: 2 },
  { name: 'Pilea Peperomioides', priceCents: 1654, popularity: 3 },
];

export interface PromoSpec {
  readonly name: string;
  /** Discount in whole US dollars, as in the raw data. */
  readonly discount: number;
  readonly status: 'active' | 'inactive';
}

export const PROMOS: readonly PromoSpec[] = [
  { name: 'task-force', discount: 10, status: 'inactive' },
  { name: 'instruction set', discount: 5, status: 'active' },
  { name: 'leverage', discount: 25, status: 'inactive' },
  { name: 'Optional', discount: 20, status: 'active' },
  { name: 'Mandatory', discount: 15, status: 'active' },
  { name: 'Digitized', discount: 5, status: 'active' },
  { name: 'spring-bloom', discount: 8, status: 'active' },
];

export const SHIPPING_SERVICES = ['ups', 'usps', 'fedex', 'dhl'] as const;

export const SITE = 'https://greenary.com';


/** Plants the shop brings in when it discontinues one (the catalogue changes, it does not shrink). */
export const NEW_PLANTS: readonly PlantSpec[] = [
  { name: 'Hoya Carnosa', priceCents: 2199, popularity: 3 },
  { name: 'Maranta', priceCents: 2650, popularity: 3 },
  { name: 'String of Hearts', priceCents: 2899, popularity: 2 },
  { name: 'Olive Tree', priceCents: 7400, popularity: 2 },
  { name: 'Staghorn Fern', priceCents: 5200, popularity: 2 },
  { name: 'Chinese Evergreen', priceCents: 3100, popularity: 3 },
  { name: 'Parlor Palm', priceCents: 3800, popularity: 3 },
  { name: 'Prayer Plant', priceCents: 2400, popularity: 3 },
  { name: 'Kentia Palm', priceCents: 8900, popularity: 2 },
  { name: 'Air Plant', priceCents: 999, popularity: 4 },
  { name: 'Haworthia', priceCents: 1399, popularity: 3 },
  { name: 'Bromeliad', priceCents: 3300, popularity: 2 },
];

/** Names for the promos marketing starts over time (a number follows once they are used up). */
export const NEW_PROMOS: readonly string[] = [
  'fern-friday', 'green-thumb', 'repot-week', 'leaf-it-to-us', 'spring-refresh', 'monstera-madness',
  'plant-parent', 'succulent-season', 'grow-together', 'jungle-deal', 'sprout', 'bloom-boom',
];
