#!/usr/bin/env node
// Applies prisma/migrations/*/migration.sql in order and records each one in
// "_prisma_migrations" exactly as `prisma migrate deploy` does (same table, sha256 checksum),
// so a machine that has Prisma's schema engine sees them as applied. We need our own runner
// because the engine binary cannot be downloaded on offline build machines (docs/DEVELOPMENT.md).
'use strict';
const { createHash, randomUUID } = require('node:crypto');
const { readdirSync, readFileSync, existsSync } = require('node:fs');
const { join } = require('node:path');
const { Client } = require('pg');

const MIGRATIONS_DIR = join(__dirname, '..', 'prisma', 'migrations');

/** `until`: apply only the migrations whose folder name sorts at or before it (tests of old data). */
async function migrate(databaseUrl, log = console.log, until = undefined) {
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    // one runner at a time, across processes
    await client.query('SELECT pg_advisory_lock(72707369)');
    await client.query(`CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
      "id" VARCHAR(36) PRIMARY KEY NOT NULL,
      "checksum" VARCHAR(64) NOT NULL,
      "finished_at" TIMESTAMPTZ,
      "migration_name" VARCHAR(255) NOT NULL,
      "logs" TEXT,
      "rolled_back_at" TIMESTAMPTZ,
      "started_at" TIMESTAMPTZ NOT NULL DEFAULT now(),
      "applied_steps_count" INTEGER NOT NULL DEFAULT 0
    )`);
    const { rows } = await client.query(
      'SELECT migration_name, checksum FROM "_prisma_migrations" WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL',
    );
    const applied = new Map(rows.map((r) => [r.migration_name, r.checksum]));
    const names = readdirSync(MIGRATIONS_DIR, { withFileTypes: true })
      .filter((d) => d.isDirectory() && existsSync(join(MIGRATIONS_DIR, d.name, 'migration.sql')))
      .map((d) => d.name)
      .filter((name) => until === undefined || name <= until)
      .sort();
    let count = 0;
    for (const name of names) {
      const sql = readFileSync(join(MIGRATIONS_DIR, name, 'migration.sql'), 'utf8');
      const checksum = createHash('sha256').update(sql).digest('hex');
      if (applied.has(name)) {
        if (applied.get(name) !== checksum) {
          throw new Error(`migration ${name} was changed after it was applied (checksum differs)`);
        }
        continue;
      }
      const id = randomUUID();
      await client.query('BEGIN');
      try {
        await client.query(
          'INSERT INTO "_prisma_migrations" (id, checksum, migration_name, started_at) VALUES ($1, $2, $3, now())',
          [id, checksum, name],
        );
        await client.query(sql);
        await client.query(
          'UPDATE "_prisma_migrations" SET finished_at = now(), applied_steps_count = 1 WHERE id = $1',
          [id],
        );
        await client.query('COMMIT');
      } catch (err) {
        await client.query('ROLLBACK');
        throw new Error(`migration ${name} failed: ${err.message}`);
      }
      count += 1;
      log(`applied ${name}`);
    }
    log(count === 0 ? 'database is up to date' : `${count} migration(s) applied`);
    return count;
  } finally {
    await client.query('SELECT pg_advisory_unlock(72707369)').catch(() => undefined);
    await client.end();
  }
}

/** Creates the database named in the URL when it does not exist (connects to `postgres`). */
async function ensureDatabase(databaseUrl) {
  const url = new URL(databaseUrl);
  const name = decodeURIComponent(url.pathname.replace(/^\//, ''));
  if (!/^[A-Za-z0-9_]+$/.test(name)) throw new Error(`unsupported database name "${name}"`);
  url.pathname = '/postgres';
  const client = new Client({ connectionString: url.toString() });
  await client.connect();
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (rowCount === 0) await client.query(`CREATE DATABASE "${name}"`);
  } finally {
    await client.end();
  }
}

module.exports = { migrate, ensureDatabase };

if (require.main === module) {
  const url = process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/linbo';
  ensureDatabase(url)
    .then(() => migrate(url))
    .catch((err) => {
      console.error(`db:migrate: ${err.message}`);
      process.exit(1);
    });
}
