-- PostgreSQL keeps a larger sample of deployment_changes' columns from here on; SQLite's ANALYZE reads every
-- index entry already. Nothing to change here (the file keeps both folders' histories alike).
SELECT 1;
