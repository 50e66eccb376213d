-- Schools and DCs (issue 13). An existing single-school database keeps working unchanged: every
-- room and host lands in `default-school` (fixed id below) on the DC `default`, every operation on
-- the DC `default`. Names are per school (hostname, room), MACs and IPs per DC.

CREATE TABLE "dcs" (
    "id" VARCHAR(32) NOT NULL,
    "description" VARCHAR(255),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "dcs_pkey" PRIMARY KEY ("id"),
    -- the id names a Redis stream key and ACL user: lower-case slug only
    CONSTRAINT "dcs_id_check" CHECK ("id" ~ '^[a-z0-9]([a-z0-9-]{0,30}[a-z0-9])?$')
);
INSERT INTO "dcs" ("id", "description") VALUES ('default', 'the DC of a single-school installation');

CREATE TABLE "worker_keys" (
    "id" UUID NOT NULL,
    "dc_id" VARCHAR(32) NOT NULL,
    "key_hash" VARCHAR(64) NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "revoked_at" TIMESTAMPTZ(3),
    CONSTRAINT "worker_keys_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "worker_keys_dc_id_fkey" FOREIGN KEY ("dc_id") REFERENCES "dcs"("id") ON DELETE CASCADE ON UPDATE CASCADE
);
CREATE UNIQUE INDEX "worker_keys_key_hash_key" ON "worker_keys"("key_hash");
CREATE INDEX "worker_keys_dc_id_idx" ON "worker_keys"("dc_id");

CREATE TABLE "schools" (
    "id" UUID NOT NULL,
    "name" VARCHAR(16) NOT NULL,
    "description" VARCHAR(255),
    "dc_id" VARCHAR(32) NOT NULL DEFAULT 'default',
    "csv_col0_source" VARCHAR(8) NOT NULL DEFAULT 'room',
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "schools_pkey" PRIMARY KEY ("id"),
    -- sophomorix school names: lower case letters, digits and '-', starting with a letter (docs/DOMAIN.md)
    CONSTRAINT "schools_name_check" CHECK ("name" ~ '^[a-z]([a-z0-9-]{0,14}[a-z0-9])?$'),
    CONSTRAINT "schools_csv_col0_source_check" CHECK ("csv_col0_source" IN ('room', 'group')),
    CONSTRAINT "schools_dc_id_fkey" FOREIGN KEY ("dc_id") REFERENCES "dcs"("id") ON DELETE RESTRICT ON UPDATE CASCADE
);
CREATE UNIQUE INDEX "schools_name_key" ON "schools"("name");
-- target of the hosts' (school_id, dc_id) foreign key
CREATE UNIQUE INDEX "schools_id_dc_id_key" ON "schools"("id", "dc_id");
INSERT INTO "schools" ("id", "name", "dc_id", "description")
VALUES ('00000000-0000-4000-8000-000000000001', 'default-school', 'default', 'linuxmuster.net''s default school');

-- Rooms belong to a school; names are unique per school (case-insensitively, checked by the API)
ALTER TABLE "rooms" ADD COLUMN "school_id" UUID NOT NULL DEFAULT '00000000-0000-4000-8000-000000000001';
ALTER TABLE "rooms" ADD CONSTRAINT "rooms_school_id_fkey" FOREIGN KEY ("school_id") REFERENCES "schools"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
DROP INDEX "rooms_name_key";
CREATE UNIQUE INDEX "rooms_school_id_name_key" ON "rooms"("school_id", "name");
CREATE UNIQUE INDEX "rooms_id_school_id_key" ON "rooms"("id", "school_id");

-- Hosts: school from the room (a composite FK keeps them equal), DC from the school (a composite FK
-- that follows a school moved to another DC: ON UPDATE CASCADE)
ALTER TABLE "hosts" ADD COLUMN "school_id" UUID NOT NULL DEFAULT '00000000-0000-4000-8000-000000000001';
ALTER TABLE "hosts" ADD COLUMN "dc_id" VARCHAR(32) NOT NULL DEFAULT 'default';
ALTER TABLE "hosts" ADD CONSTRAINT "hosts_school_id_fkey" FOREIGN KEY ("school_id") REFERENCES "schools"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
ALTER TABLE "hosts" ADD CONSTRAINT "hosts_school_id_dc_id_fkey" FOREIGN KEY ("school_id", "dc_id") REFERENCES "schools"("id", "dc_id") ON DELETE RESTRICT ON UPDATE CASCADE;
ALTER TABLE "hosts" ADD CONSTRAINT "hosts_room_id_school_id_fkey" FOREIGN KEY ("room_id", "school_id") REFERENCES "rooms"("id", "school_id") ON DELETE RESTRICT ON UPDATE RESTRICT;

DROP INDEX "hosts_hostname_key";
DROP INDEX "hosts_mac_address_key";
DROP INDEX "hosts_ip_address_key";
-- (hostname, school_id): unique per school, and still the unique tail of every list order
CREATE UNIQUE INDEX "hosts_hostname_school_id_key" ON "hosts"("hostname", "school_id");
CREATE UNIQUE INDEX "hosts_dc_id_mac_address_key" ON "hosts"("dc_id", "mac_address");
CREATE UNIQUE INDEX "hosts_dc_id_ip_address_key" ON "hosts"("dc_id", "ip_address");

-- the list indexes of 20261202180000 end in the unique (hostname, school_id) now
DROP INDEX "hosts_created_at_hostname_idx";
DROP INDEX "hosts_updated_at_hostname_idx";
DROP INDEX "hosts_config_id_hostname_idx";
DROP INDEX "hosts_provision_status_hostname_idx";
DROP INDEX "hosts_ip_inet_hostname_idx";
CREATE INDEX "hosts_created_at_hostname_school_id_idx" ON "hosts"("created_at", "hostname", "school_id");
CREATE INDEX "hosts_updated_at_hostname_school_id_idx" ON "hosts"("updated_at", "hostname", "school_id");
CREATE INDEX "hosts_config_id_hostname_school_id_idx" ON "hosts"("config_id", "hostname", "school_id");
CREATE INDEX "hosts_provision_status_hostname_school_id_idx" ON "hosts"("provision_status", "hostname", "school_id");
CREATE INDEX "hosts_ip_inet_hostname_school_id_idx" ON "hosts"(("ip_address"::inet), "hostname", "school_id") INCLUDE ("ip_address");
CREATE INDEX "hosts_school_id_hostname_idx" ON "hosts"("school_id", "hostname");

-- Operations: the DC whose stream and worker the job is for
ALTER TABLE "operations" ADD COLUMN "dc_id" VARCHAR(32) NOT NULL DEFAULT 'default';
CREATE INDEX "operations_dc_id_idx" ON "operations"("dc_id");
