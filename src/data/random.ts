/**
 * The studio's seeded randomness is the models' own (models/core/random.ts): phantoms, splits and
 * fixed noise must draw from the same generator the networks do, and models/ may not import from
 * src/, so the one implementation lives there and is re-exported here for the rest of the app.
 */
export { deriveSeed, Random } from '../../models/core/random';
