-- What each deployment carried (its source PRs with their authors, its commits, the commits without a pull request
-- with theirs), so the history finds deployments by pull request, commit SHA or author, each from an index.
CREATE TABLE deployment_changes (
    deployment_id BIGINT NOT NULL REFERENCES deployments (id) ON DELETE CASCADE,
    source_pr     BIGINT,
    sha           TEXT,
    author        TEXT
);
CREATE INDEX deployment_changes_deployment ON deployment_changes (deployment_id);
-- Each index holds only the rows that have its value (a source PR row has no SHA, a commit in a PR no author).
CREATE INDEX deployment_changes_source_pr ON deployment_changes (source_pr, deployment_id) WHERE source_pr IS NOT NULL;
CREATE INDEX deployment_changes_sha ON deployment_changes (sha, deployment_id) WHERE sha IS NOT NULL;
CREATE INDEX deployment_changes_author ON deployment_changes (author, deployment_id) WHERE author IS NOT NULL;
-- The history's repository filter, and a deploy PR's page listing the deployments that shipped it.
CREATE INDEX deployments_repo ON deployments (repo, id);
CREATE INDEX deployments_deploy_pr ON deployments (deploy_pr, id) WHERE deploy_pr IS NOT NULL;

-- What the deployments recorded before this knew: the deployed commit, the source PRs with the authors their
-- deploy PR's checklist names ...
INSERT INTO deployment_changes (deployment_id, sha)
    SELECT id, sha FROM deployments WHERE sha IS NOT NULL;
INSERT INTO deployment_changes (deployment_id, source_pr, author)
    SELECT d.id, listed.value::BIGINT, item.author
    FROM deployments d
    CROSS JOIN LATERAL jsonb_array_elements_text(d.source_prs::jsonb) AS listed (value)
    LEFT JOIN checklist_items item
        ON item.repo = d.repo AND item.deploy_pr = d.deploy_pr AND item.source_pr = listed.value::BIGINT;
-- ... the commits their deploy PR listed under each of those source PRs ...
INSERT INTO deployment_changes (deployment_id, source_pr, sha)
    SELECT d.id, item.source_pr, listed_commit.value->>'sha'
    FROM deployments d
    CROSS JOIN LATERAL jsonb_array_elements_text(d.source_prs::jsonb) AS listed (value)
    JOIN checklist_items item
        ON item.repo = d.repo AND item.deploy_pr = d.deploy_pr AND item.source_pr = listed.value::BIGINT
    CROSS JOIN LATERAL jsonb_array_elements(item.commits::jsonb) AS listed_commit (value);
-- ... and its commits without a pull request, with their authors.
INSERT INTO deployment_changes (deployment_id, sha, author)
    SELECT d.id, direct.value->>'sha', direct.value->>'author'
    FROM deployments d
    JOIN deploy_prs pr ON pr.repo = d.repo AND pr.number = d.deploy_pr
    CROSS JOIN LATERAL jsonb_array_elements(pr.direct_commits::jsonb) AS direct (value);
