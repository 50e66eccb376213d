-- CreateEnum
CREATE TYPE "UserRole" AS ENUM ('admin', 'operator', 'viewer');

-- CreateEnum
CREATE TYPE "ProvisionStatus" AS ENUM ('pending', 'running', 'synced', 'failed');

-- CreateEnum
CREATE TYPE "OperationType" AS ENUM ('provision_host', 'macct_repair');

-- CreateEnum
CREATE TYPE "OperationStatus" AS ENUM ('pending', 'running', 'completed', 'failed', 'retrying', 'cancelled');

-- CreateTable
CREATE TABLE "users" (
    "id" UUID NOT NULL,
    "username" VARCHAR(64) NOT NULL,
    "password_hash" TEXT NOT NULL,
    "role" "UserRole" NOT NULL DEFAULT 'viewer',
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "users_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "rooms" (
    "id" UUID NOT NULL,
    "name" VARCHAR(32) NOT NULL,
    "description" VARCHAR(255),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "rooms_pkey" PRIMARY KEY ("id"),
    -- SPEC §6: the name becomes devices.csv column 0
    CONSTRAINT "rooms_name_check" CHECK ("name" ~ '^[A-Za-z0-9-]{1,32}$')
);

-- CreateTable
CREATE TABLE "configs" (
    "id" UUID NOT NULL,
    "name" VARCHAR(64) NOT NULL,
    "description" VARCHAR(255),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "configs_pkey" PRIMARY KEY ("id"),
    -- SPEC §6: the name becomes devices.csv column 2
    CONSTRAINT "configs_name_check" CHECK ("name" ~ '^[A-Za-z0-9_-]{1,64}$')
);

-- CreateTable
CREATE TABLE "hosts" (
    "id" UUID NOT NULL,
    "hostname" VARCHAR(15) NOT NULL,
    "mac_address" VARCHAR(17) NOT NULL,
    "ip_address" VARCHAR(15),
    "room_id" UUID,
    "config_id" UUID,
    "role" VARCHAR(32) NOT NULL DEFAULT 'classroom-studentcomputer',
    "pxe_flag" SMALLINT NOT NULL DEFAULT 0,
    "provision_status" "ProvisionStatus",
    "provision_op_id" UUID,
    "provision_error" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "hosts_pkey" PRIMARY KEY ("id"),
    -- stored lower case, so the unique index below is case-insensitive (SPEC §6)
    CONSTRAINT "hosts_hostname_check" CHECK ("hostname" ~ '^[a-z0-9]([a-z0-9-]{0,13}[a-z0-9])?$'),
    CONSTRAINT "hosts_mac_address_check" CHECK ("mac_address" ~ '^[0-9A-F]{2}(:[0-9A-F]{2}){5}$'),
    CONSTRAINT "hosts_ip_address_check" CHECK ("ip_address" IS NULL OR "ip_address" ~ '^[0-9]{1,3}(\.[0-9]{1,3}){3}$'),
    CONSTRAINT "hosts_pxe_flag_check" CHECK ("pxe_flag" BETWEEN 0 AND 3)
);

-- CreateTable
CREATE TABLE "operations" (
    "id" UUID NOT NULL,
    "type" "OperationType" NOT NULL,
    "action" VARCHAR(16) NOT NULL,
    "target_host" VARCHAR(15) NOT NULL,
    "host_id" UUID,
    "school" VARCHAR(64) NOT NULL DEFAULT 'default-school',
    "options" JSONB NOT NULL DEFAULT '{}',
    "status" "OperationStatus" NOT NULL DEFAULT 'pending',
    "attempt" INTEGER NOT NULL DEFAULT 0,
    "max_attempts" INTEGER NOT NULL DEFAULT 3,
    "result" JSONB,
    "error" TEXT,
    "published_at" TIMESTAMPTZ(3),
    "stream_id" VARCHAR(64),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,
    "started_at" TIMESTAMPTZ(3),
    "completed_at" TIMESTAMPTZ(3),

    CONSTRAINT "operations_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "users_username_key" ON "users"("username");

-- CreateIndex
CREATE UNIQUE INDEX "rooms_name_key" ON "rooms"("name");

-- CreateIndex
CREATE UNIQUE INDEX "configs_name_key" ON "configs"("name");

-- CreateIndex
CREATE UNIQUE INDEX "hosts_hostname_key" ON "hosts"("hostname");

-- CreateIndex
CREATE UNIQUE INDEX "hosts_mac_address_key" ON "hosts"("mac_address");

-- CreateIndex
CREATE UNIQUE INDEX "hosts_ip_address_key" ON "hosts"("ip_address");

-- CreateIndex
CREATE INDEX "hosts_room_id_idx" ON "hosts"("room_id");

-- CreateIndex
CREATE INDEX "hosts_config_id_idx" ON "hosts"("config_id");

-- CreateIndex
CREATE INDEX "hosts_provision_status_idx" ON "hosts"("provision_status");

-- CreateIndex
CREATE INDEX "operations_status_idx" ON "operations"("status");

-- CreateIndex
CREATE INDEX "operations_target_host_idx" ON "operations"("target_host");

-- CreateIndex
CREATE INDEX "operations_host_id_idx" ON "operations"("host_id");

-- CreateIndex
CREATE INDEX "operations_published_at_idx" ON "operations"("published_at");

-- AddForeignKey
ALTER TABLE "hosts" ADD CONSTRAINT "hosts_room_id_fkey" FOREIGN KEY ("room_id") REFERENCES "rooms"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "hosts" ADD CONSTRAINT "hosts_config_id_fkey" FOREIGN KEY ("config_id") REFERENCES "configs"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
