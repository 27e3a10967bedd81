-- pgbench custom script (bench/run.sh): one transaction = one single-row INSERT of ~1 KB, like the
-- outbox/inbox rows the services write. Runs against the scratch table bench.pg_insert_probe.
INSERT INTO bench.pg_insert_probe (payload) VALUES (repeat('x', 1000));
