-- The identity of this database as a deployment: one row, made on first start, so a Redis
-- key prefix can be claimed by exactly one database (see src/deployment.rs).
CREATE TABLE deployment_identity (
    singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    id uuid NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
