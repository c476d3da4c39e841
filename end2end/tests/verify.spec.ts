import { createHmac, randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { expect, Page, test } from "@playwright/test";
import { signIn } from "./sign_in";

// The sandbox seeds the production deploy PR with #123, #125 and #126 verified; these two are not.
const HYDRATED_ITEM = "Verified #124 Add returns page";
const FORM_ITEM = "Verified #128 Add invoice PDF download";

async function openProductionDeployPr(page: Page, login: string) {
  await signIn(page, login);
  await expect(page.getByRole("note", { name: "Sandbox" })).toContainText("Sandbox");
  const link = page.getByRole("link", { name: /Deploy to production/ });
  await expect(link).toBeVisible();
  await link.click();
  await expect(page.getByRole("heading", { level: 1, name: /Deploy to production/ })).toBeVisible();
}

function itemRow(page: Page, label: string) {
  return page.locator("li.checklist__item", { has: page.getByRole("checkbox", { name: label }) });
}

test("the overview shows environments, deploy PRs with progress, deployments and review environments", async ({ page }) => {
  await signIn(page, "alice");
  await expect(page.getByRole("heading", { name: "Environments", exact: true })).toBeVisible();
  await expect(page.getByRole("heading", { level: 3, name: "production" })).toBeVisible();
  await expect(page.getByRole("progressbar", { name: "3 of 8 verified" })).toBeVisible();
  await expect(page.getByRole("progressbar", { name: "1 of 3 verified" })).toBeVisible();
  await expect(page.getByRole("heading", { name: "Recent deployments" })).toBeVisible();
  await expect(page.getByText("Rolled back").first()).toBeVisible();
  await expect(page.locator("body[data-hydrated=true]")).toHaveCount(1);
  await page.getByRole("button", { name: "Open / refresh deploy PR of dev" }).click();
  await expect(page.getByRole("alert")).toHaveCount(0);
  await expect(page.getByRole("progressbar", { name: "1 of 3 verified" })).toBeVisible();
  await expect(page.getByRole("heading", { name: "Review environments" })).toBeVisible();
});

test("ticking an item after hydration records it, attributed, across a reload", async ({ page }) => {
  // #124 is erin's change: she ticks her own box.
  await openProductionDeployPr(page, "erin");
  await expect(page.locator("body[data-hydrated=true]")).toHaveCount(1);
  const box = page.getByRole("checkbox", { name: HYDRATED_ITEM });
  await expect(box).toHaveAttribute("aria-checked", "false");
  await box.click();
  await expect(box).toHaveAttribute("aria-checked", "true");
  await expect(itemRow(page, HYDRATED_ITEM)).toContainText("verified by erin");
  await expect(page.getByRole("progressbar", { name: "4 of 8 verified" })).toBeVisible();

  await page.reload();
  const reloaded = page.getByRole("checkbox", { name: HYDRATED_ITEM });
  await expect(reloaded).toHaveAttribute("aria-checked", "true");
  await expect(itemRow(page, HYDRATED_ITEM)).toContainText("verified by erin");
});

test.describe("without JavaScript", () => {
  test.use({ javaScriptEnabled: false });

  test("signing in and ticking work as plain links and forms", async ({ page }) => {
    // #128 is bob's change.
    await openProductionDeployPr(page, "bob");

    const box = page.getByRole("checkbox", { name: FORM_ITEM });
    await expect(box).toHaveAttribute("aria-checked", "false");
    await box.click();
    await expect(page.getByRole("checkbox", { name: FORM_ITEM })).toHaveAttribute("aria-checked", "true");
    await expect(itemRow(page, FORM_ITEM)).toContainText("verified by bob");

    await page.reload();
    await expect(page.getByRole("checkbox", { name: FORM_ITEM })).toHaveAttribute("aria-checked", "true");
    await expect(itemRow(page, FORM_ITEM)).toContainText("verified by bob");
  });
});

test("an admin overrides the gate with a written reason", async ({ page }) => {
  await signIn(page, "alice");
  await page.getByRole("link", { name: /Deploy to dev/ }).click();
  await expect(page.locator("body[data-hydrated=true]")).toHaveCount(1);
  const gate = page.getByRole("region", { name: "Verification gate" });
  await expect(gate).toContainText("Waiting for verification");
  await expect(gate).toContainText("1 of 3 verified — waiting for @");
  await gate.getByText("Override the gate…").click();
  await gate.getByLabel("Why should this deploy go ahead").fill("Hotfix for the checkout outage");
  await gate.getByRole("button", { name: "Override and allow the deploy" }).click();
  await expect(gate).toContainText("Overridden by alice: Hotfix for the checkout outage");
  await page.reload();
  await expect(page.getByRole("region", { name: "Verification gate" })).toContainText("Overridden by alice");
  const history = page.getByRole("region", { name: "History" });
  await expect(history).toContainText("overrode the verification gate of");
  await expect(history).toContainText("Hotfix for the checkout outage");
});

// Tests in this file run in order on one server. By here, on production, #123, #124, #125, #126 and #128 are
// verified; #127 and #129 are not.
const DASHBOARD_ITEM = "Verified #127 Fix sort order of reviews";
const GITHUB_ITEM = "Verified #125 Reduce worker memory usage";
const SIMULATED_ITEM = "Verified #129 Retry failed webhook deliveries";

const secret = process.env.TENGU_E2E_WEBHOOK_SECRET ?? "";

/// GitHub's own `pull_request.opened` example (octokit/webhooks), turned into the `edited` event GitHub sends
/// when `sender` edits the deploy PR's body.
function editedPayload(deployPr: number, from: string, to: string, sender: string): string {
  const path = join(__dirname, "../../server/tests/fixtures/github-webhooks/pull_request.opened.json");
  const payload = JSON.parse(readFileSync(path, "utf8"));
  payload.action = "edited";
  payload.number = deployPr;
  payload.changes = { body: { from } };
  payload.repository.full_name = "acme/shop";
  payload.pull_request.number = deployPr;
  payload.pull_request.body = to;
  payload.pull_request.base.ref = "deployment/production";
  payload.pull_request.head.ref = "master";
  payload.sender.login = sender;
  return JSON.stringify(payload);
}

test("a tick in the dashboard and an untick on GitHub both survive", async ({ page, request }) => {
  expect(secret, "scripts/e2e.sh passes the webhook secret the server was started with").not.toBe("");
  // #127 is carol's change.
  await signIn(page, "carol");
  await page.getByRole("link", { name: /Deploy to production/ }).click();
  await expect(page.locator("body[data-hydrated=true]")).toHaveCount(1);
  const deployPr = Number(new URL(page.url()).pathname.split("/").pop());
  expect(deployPr).toBeGreaterThan(0);

  const box = page.getByRole("checkbox", { name: DASHBOARD_ITEM });
  await expect(box).toHaveAttribute("aria-checked", "false");
  await box.click();
  await expect(box).toHaveAttribute("aria-checked", "true");
  await expect(page.getByRole("progressbar", { name: "6 of 8 verified" })).toBeVisible();

  // erin unticks #125 on GitHub; GitHub tells tengu with a signed pull_request.edited delivery carrying the
  // whole body before and after her edit.
  const before = (await page.locator(".github-body pre").textContent()) ?? "";
  expect(before).toContain("- [x] #127 Fix sort order of reviews");
  expect(before).toContain("- [x] #125 Reduce worker memory usage");
  const after = before.replace("- [x] #125 ", "- [ ] #125 ");
  const body = editedPayload(deployPr, before, after, "erin");
  const signature = "sha256=" + createHmac("sha256", secret).update(body).digest("hex");
  const headers = {
    "content-type": "application/json",
    "x-github-event": "pull_request",
    "x-github-delivery": randomUUID(),
    "x-hub-signature-256": signature,
  };
  const unsigned = await request.post("/webhooks/github", { data: body, headers: { ...headers, "x-hub-signature-256": "sha256=00" } });
  expect(unsigned.status()).toBe(401);
  const delivered = await request.post("/webhooks/github", { data: body, headers });
  expect(delivered.status()).toBe(202);

  // The delivery is handled after GitHub gets its answer: reload until the untick and its history entry show.
  await expect(async () => {
    await page.reload();
    await expect(page.getByRole("checkbox", { name: GITHUB_ITEM })).toHaveAttribute("aria-checked", "false", { timeout: 1000 });
    await expect(page.getByRole("region", { name: "History" })).toContainText("Reduce worker memory usage (on GitHub)", {
      timeout: 1000,
    });
    // tengu writes the body back to GitHub after it records the untick: a reload may come between the two.
    await expect(page.locator(".github-body pre")).toContainText("- [ ] #125 Reduce worker memory usage", { timeout: 1000 });
  }).toPass({ timeout: 10_000 });
  await expect(page.getByRole("checkbox", { name: DASHBOARD_ITEM })).toHaveAttribute("aria-checked", "true");
  await expect(itemRow(page, DASHBOARD_ITEM)).toContainText("verified by carol");
  await expect(itemRow(page, GITHUB_ITEM)).toContainText("not verified yet");
  await expect(page.getByRole("progressbar", { name: "5 of 8 verified" })).toBeVisible();
  await expect(page.locator(".github-body pre")).toContainText("- [ ] #125 Reduce worker memory usage");
  const history = page.getByRole("region", { name: "History" });
  await expect(history).toContainText("erin");
  await expect(history).toContainText("Reduce worker memory usage (on GitHub)");
});

test("the sandbox simulates a tick on GitHub through the same webhook path", async ({ page }) => {
  await signIn(page, "alice");
  await page.getByRole("link", { name: /Deploy to production/ }).click();
  await expect(page.locator("body[data-hydrated=true]")).toHaveCount(1);
  const panel = page.getByRole("region", { name: "Sandbox: edit the checklist on GitHub" });
  await panel.getByLabel("Item").selectOption({ label: "#129 Retry failed webhook deliveries" });
  // #129 is alice's: the simulated edit on GitHub passes tengu's rule table as hers.
  await panel.getByLabel("As").selectOption("alice");
  await panel.getByLabel("Box").selectOption("true");
  await panel.getByRole("button", { name: "Save on GitHub" }).click();
  await expect(page.getByRole("checkbox", { name: SIMULATED_ITEM })).toHaveAttribute("aria-checked", "true");
  await expect(itemRow(page, SIMULATED_ITEM)).toContainText("verified by alice");
  await expect(page.getByRole("region", { name: "History" })).toContainText("Retry failed webhook deliveries (on GitHub)");
});
