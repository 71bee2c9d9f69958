/**
 * The machine's floor: a single-row INSERT, committed on its own (autocommit),
 * round trip from this process to the bench's PostgreSQL. With fsync and
 * synchronous_commit on, each is one WAL flush: no durable engine can hand a
 * task on in less than one of these, so every figure reads as a multiple of it.
 */
import pg from 'pg';
import type { Floor } from './report';
import { percentile } from './stats';

const WARM_UP = 50;
const SAMPLES = 500;

export async function measureFloor(databaseUrl: string): Promise<Floor> {
  const client = new pg.Client({ connectionString: databaseUrl, application_name: 'bench-floor' });
  await client.connect();
  try {
    const setting = async (name: string) =>
      String((await client.query(`show ${name}`)).rows[0]?.[name] ?? '?');
    const fsync = await setting('fsync');
    const synchronousCommit = await setting('synchronous_commit');
    await client.query(
      'create table if not exists bench_floor (id bigserial primary key, at timestamptz not null default now())',
    );
    // A prepared statement, as drivers use: the floor is the commit, not parsing.
    const insert = { name: 'bench-floor-insert', text: 'insert into bench_floor default values' };
    for (let i = 0; i < WARM_UP; i++) await client.query(insert);
    const samples: number[] = [];
    for (let i = 0; i < SAMPLES; i++) {
      const t0 = performance.now();
      await client.query(insert);
      samples.push(performance.now() - t0);
    }
    await client.query('drop table bench_floor');
    return {
      p50Ms: percentile(samples, 50),
      p99Ms: percentile(samples, 99),
      fsync,
      synchronousCommit,
      samples: SAMPLES,
    };
  } finally {
    await client.end();
  }
}
