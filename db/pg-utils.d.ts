/** node-postgres's value serialiser, the one its own queries bind parameters with (db/pipeline.ts). */
declare module 'pg/lib/utils' {
  const utils: { prepareValue(value: unknown): unknown };
  export default utils;
}
