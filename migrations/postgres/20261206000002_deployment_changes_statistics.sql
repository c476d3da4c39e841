-- What a deployment carried is searched by rare values (one author among hundreds, one pull request, one commit).
-- With the default sample (30,000 rows) the planner misjudged a rare author's count by up to 70 % and read the
-- history backwards through every deployment instead of looking the author up; a sample of 300,000 rows knows
-- the rare values' counts.
ALTER TABLE deployment_changes ALTER COLUMN author SET STATISTICS 1000;
ALTER TABLE deployment_changes ALTER COLUMN source_pr SET STATISTICS 1000;
ALTER TABLE deployment_changes ALTER COLUMN sha SET STATISTICS 1000;
