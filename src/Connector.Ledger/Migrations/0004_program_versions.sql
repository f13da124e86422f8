-- Version 4: the program's configuration as admins edit it (field mapping, status/stage mapping, routing, reward rules),
-- every saved version kept as a JSON document with who saved it, when and why. The current version is the highest;
-- a rollback is a new version copying an old one, so history only grows.
CREATE TABLE program_versions (
    id               {{id}},
    program_id       VARCHAR(100) NOT NULL,
    version          INTEGER      NOT NULL,
    document         {{json}}     NOT NULL,
    saved_by         VARCHAR(255) NOT NULL,
    saved_at         {{timestamp}} NOT NULL,
    comment          VARCHAR(1000) NULL,
    copied_from      INTEGER      NULL,                   -- the version a rollback restored
    CONSTRAINT ux_program_versions_version UNIQUE (program_id, version)
);

-- What people changed through the admin console, the API or the CLI: who, when, what. Append-only.
CREATE TABLE admin_audit (
    id               {{id}},
    actor            VARCHAR(255) NOT NULL,
    action           VARCHAR(60)  NOT NULL,
    subject          VARCHAR(200) NULL,
    detail           VARCHAR(2000) NULL,
    at               {{timestamp}} NOT NULL
);
CREATE INDEX ix_admin_audit_at ON admin_audit (at, id);
