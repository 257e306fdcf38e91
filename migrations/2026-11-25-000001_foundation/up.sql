-- Foundation: wards, hubs, organisations (the parts auth needs), users, API keys, login throttling.
-- Enumerations are text with CHECK constraints so that adding a value is a one-line migration and
-- every value is readable in plain SQL.

CREATE TABLE wards (
    id          uuid PRIMARY KEY,
    name        text NOT NULL CHECK (length(btrim(name)) BETWEEN 1 AND 120),
    deri_score  double precision CHECK (deri_score >= 0 AND deri_score <= 10),
    version     integer NOT NULL DEFAULT 1,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX wards_name_key ON wards (lower(name));

CREATE TABLE hubs (
    id          uuid PRIMARY KEY,
    name        text NOT NULL CHECK (length(btrim(name)) BETWEEN 1 AND 200),
    kind        text NOT NULL CHECK (kind IN ('library', 'community_centre', 'popup', 'warehouse', 'partner_site')),
    address     text CHECK (length(address) <= 500),
    postcode    text CHECK (length(postcode) <= 10),
    ward_id     uuid REFERENCES wards (id),
    active      boolean NOT NULL DEFAULT true,
    version     integer NOT NULL DEFAULT 1,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX hubs_name_key ON hubs (lower(name));
CREATE INDEX hubs_ward_idx ON hubs (ward_id);

-- Organisations play one or more parts; the inventory slice extends this table with contacts.
CREATE TABLE organisations (
    id          uuid PRIMARY KEY,
    name        text NOT NULL CHECK (length(btrim(name)) BETWEEN 1 AND 200),
    roles       text[] NOT NULL DEFAULT '{}'
                CHECK (roles <@ ARRAY['donor', 'refurbisher', 'connectivity_supplier', 'recycler']::text[]),
    version     integer NOT NULL DEFAULT 1,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX organisations_name_key ON organisations (lower(name));

CREATE TABLE users (
    id               uuid PRIMARY KEY,
    email            text NOT NULL CHECK (length(email) BETWEEN 3 AND 254),
    display_name     text NOT NULL CHECK (length(btrim(display_name)) BETWEEN 1 AND 200),
    -- NULL for integration accounts that only ever sign in with an API key.
    password_hash    text,
    role             text NOT NULL CHECK (role IN ('admin', 'hub_staff', 'partner', 'reporter')),
    organisation_id  uuid REFERENCES organisations (id),
    active           boolean NOT NULL DEFAULT true,
    -- Bumped whenever a user's existing tokens must stop working (disabled, password or role change).
    token_epoch      integer NOT NULL DEFAULT 0,
    version          integer NOT NULL DEFAULT 1,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT users_partner_has_organisation CHECK ((role = 'partner') = (organisation_id IS NOT NULL))
);
CREATE UNIQUE INDEX users_email_key ON users (lower(email));

CREATE TABLE user_hubs (
    user_id  uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    hub_id   uuid NOT NULL REFERENCES hubs (id),
    PRIMARY KEY (user_id, hub_id)
);
CREATE INDEX user_hubs_hub_idx ON user_hubs (hub_id);

CREATE TABLE api_keys (
    id            uuid PRIMARY KEY,
    user_id       uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name          text NOT NULL CHECK (length(btrim(name)) BETWEEN 1 AND 200),
    -- The public part of the key, used to find the row; the secret part is stored only as SHA-256.
    prefix        text NOT NULL,
    secret_sha256 bytea NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    last_used_at  timestamptz,
    revoked_at    timestamptz
);
CREATE UNIQUE INDEX api_keys_prefix_key ON api_keys (prefix);
CREATE INDEX api_keys_user_idx ON api_keys (user_id);

-- Failed sign-ins, kept only for the throttling window; shared by every instance of the service.
CREATE TABLE login_failures (
    id          uuid PRIMARY KEY,
    account     text NOT NULL,
    client_addr text NOT NULL,
    failed_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX login_failures_account_idx ON login_failures (account, failed_at);
CREATE INDEX login_failures_addr_idx ON login_failures (client_addr, failed_at);
CREATE INDEX login_failures_time_idx ON login_failures (failed_at);
