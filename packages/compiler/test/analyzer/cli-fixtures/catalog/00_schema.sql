-- Given with the MVs: the views and external schemas they read.
-- doc: https://docs.aws.amazon.com/redshift/latest/dg/materialized-view-create-sql-command.html (an MV cannot read a view, nor a late-binding one; AUTO REFRESH is refused on external schemas)
-- doc: https://docs.aws.amazon.com/redshift/latest/dg/r_CREATE_VIEW.html (WITH NO SCHEMA BINDING)
-- doc: https://docs.aws.amazon.com/redshift/latest/dg/r_CREATE_EXTERNAL_SCHEMA.html
CREATE VIEW active_tenants AS SELECT tenant_id FROM tenants WHERE active;
CREATE VIEW recent_clicks AS SELECT * FROM public.clicks WITH NO SCHEMA BINDING;
CREATE EXTERNAL SCHEMA IF NOT EXISTS crm FROM POSTGRES DATABASE 'crm' SCHEMA 'public' URI 'crm.cluster-x.eu-west-1.rds.amazonaws.com' IAM_ROLE default SECRET_ARN 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:crm';
CREATE EXTERNAL SCHEMA kds FROM KINESIS IAM_ROLE default;
