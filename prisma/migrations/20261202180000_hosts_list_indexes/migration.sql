-- GET /hosts at 100,000 hosts (issue 13 "Scale"): every sort, filter and search runs in the database
-- on an index, so a page costs the rows it returns plus the entries it skips, not the whole table.

-- Substring search (`search=` matches hostname, MAC or IP anywhere, case-insensitively, DOMAIN.md §7):
-- trigram GIN indexes serve `ILIKE '%…%'`. pg_trgm ships with PostgreSQL (contrib) and is a trusted
-- extension since PostgreSQL 13: the database owner may create it, no superuser needed.
CREATE EXTENSION IF NOT EXISTS pg_trgm;

CREATE INDEX "hosts_hostname_trgm_idx" ON "hosts" USING GIN ("hostname" gin_trgm_ops);
CREATE INDEX "hosts_mac_address_trgm_idx" ON "hosts" USING GIN ("mac_address" gin_trgm_ops);
CREATE INDEX "hosts_ip_address_trgm_idx" ON "hosts" USING GIN ("ip_address" gin_trgm_ops);

-- Numeric IP order (10.0.0.2 before 10.0.0.10; DHCP = NULL last ascending, first descending): an
-- expression index on the inet value. The CHECK on ip_address runs before the index entry is built, so
-- a malformed address is still refused by that constraint. INCLUDE (ip_address) lets PostgreSQL answer
-- the page from the index alone (an index-only scan needs every column the expression reads).
CREATE INDEX "hosts_ip_inet_hostname_idx" ON "hosts"(("ip_address"::inet), "hostname") INCLUDE ("ip_address");

-- Sort keys with a unique tail, so a page is a range of one index (forward or backward scan) and
-- deep pages skip index entries only. hostname is unique itself (hosts_hostname_key).
CREATE INDEX "hosts_created_at_hostname_idx" ON "hosts"("created_at", "hostname");
CREATE INDEX "hosts_updated_at_hostname_idx" ON "hosts"("updated_at", "hostname");

-- Filter + default sort: a room's (config's, status') hosts in hostname order straight from one index.
CREATE INDEX "hosts_room_id_hostname_idx" ON "hosts"("room_id", "hostname");
CREATE INDEX "hosts_config_id_hostname_idx" ON "hosts"("config_id", "hostname");
CREATE INDEX "hosts_provision_status_hostname_idx" ON "hosts"("provision_status", "hostname");
-- the composite indexes above lead with the same columns
DROP INDEX "hosts_room_id_idx";
DROP INDEX "hosts_config_id_idx";
DROP INDEX "hosts_provision_status_idx";
