-- Version 6: the admin console's ASP.NET Core Data Protection key ring, shared by every instance on this ledger, so a
-- sign-in cookie (and an anti-forgery token) issued by one replica is accepted by another behind a load balancer.
-- Keys are XML as Data Protection writes them, one row per key; rows are only added (expired keys stay readable so old
-- cookies fail as "expired", not "unreadable"). Whoever can read this table can forge console cookies: protect the
-- ledger database like the console's credentials.
CREATE TABLE data_protection_keys (
    id               {{id}},
    friendly_name    VARCHAR(200) NOT NULL,
    xml              TEXT         NOT NULL,
    CONSTRAINT ux_data_protection_keys_name UNIQUE (friendly_name)
);
