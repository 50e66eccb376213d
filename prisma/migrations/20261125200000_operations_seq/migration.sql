-- Outbox order (SPEC §8). created_at is the transaction's start time, so two changes of one host
-- (serialised by a row lock) can get their timestamps in the wrong order; a sequence value is
-- drawn at INSERT time, after the lock, so it orders the operations of a host as they were made.
-- The relay publishes by seq and the superseding logic finds a host's latest operation by seq.
ALTER TABLE "operations" ADD COLUMN "seq" BIGSERIAL NOT NULL;

-- CreateIndex
CREATE UNIQUE INDEX "operations_seq_key" ON "operations"("seq");

-- CreateIndex: the latest operation of a host
CREATE INDEX "operations_host_id_seq_idx" ON "operations"("host_id", "seq");

-- The relay's batch query: only queued, unpublished rows, in order (stays tiny however many
-- operations the table holds)
CREATE INDEX "operations_outbox_idx" ON "operations"("seq")
  WHERE "published_at" IS NULL AND "status" IN ('pending', 'retrying');

-- DB constraints mirror the API rules (SPEC §6)
ALTER TABLE "operations" ADD CONSTRAINT "operations_action_check"
  CHECK ("action" IN ('create', 'update', 'delete', 'repair'));
ALTER TABLE "operations" ADD CONSTRAINT "operations_attempt_check"
  CHECK ("attempt" >= 0 AND "max_attempts" >= 1);
