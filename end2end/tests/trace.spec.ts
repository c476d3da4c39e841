import { expect, test } from "@playwright/test";
import { signIn } from "./sign_in";

// The sandbox's history: #110 shipped to dev in bob's first merge and to production in dave's second, which carol
// later rolled back to.
test("a source pull request leads to the deployments that carried it, to their deploy PR, and back", async ({ page }) => {
  await signIn(page, "alice", "/deployments");
  await page.getByLabel("Pull request").fill("#110");
  await page.getByRole("button", { name: "Filter" }).click();
  await expect(page).toHaveURL(/pr=%23110/);
  const rows = page.locator("tbody tr");
  await expect(rows).toHaveCount(3);
  await expect(rows.filter({ hasText: "production" })).toHaveCount(2);
  await expect(rows.filter({ hasText: "rollback" })).toHaveCount(1);
  await expect(rows.filter({ hasText: "dev" })).toHaveCount(1);

  // The production merge: its page names its deploy PR, the compare view and the console's revisions.
  const production = rows.filter({ hasText: "production" }).filter({ hasText: "merge" });
  const id = (await production.locator("td a").first().textContent())!.trim();
  await production.locator("td a").first().click();
  await expect(page.getByRole("heading", { level: 1, name: `Deployment ${id} to production` })).toBeVisible();
  await expect(page.getByRole("link", { name: "on GitHub" })).toHaveAttribute("href", /\/acme\/shop\/pull\/\d+$/);
  await expect(page.locator("a[href*='/compare/']")).toHaveCount(1);
  await expect(page.locator("a[href*='console.aws.amazon.com/ecs/v2/task-definitions/']").first()).toBeVisible();
  const deployPr = page.locator("dt:text-is('Deploy PR') + dd a").first();
  await deployPr.click();

  // The deploy PR lists the deployment that shipped it, and #110 among what it shipped.
  await expect(page.getByRole("heading", { level: 1, name: /Deploy to production/ })).toBeVisible();
  const shipped = page.locator("section", { has: page.getByRole("heading", { name: "Deployments that shipped it" }) });
  await expect(shipped.getByRole("link", { name: id, exact: true })).toBeVisible();
  const item = page.locator("li.checklist__item", { hasText: "#110" });
  await item.getByRole("link", { name: "Deployments that carried it" }).click();
  await expect(page).toHaveURL(/\/deployments\?repo=acme%2Fshop&pr=110/);
  await expect(page.locator("tbody tr")).toHaveCount(3);

  // And back from the deploy PR's list to the deployment.
  await page.goBack();
  await shipped.getByRole("link", { name: id, exact: true }).click();
  await expect(page.getByRole("heading", { level: 1, name: `Deployment ${id} to production` })).toBeVisible();
});

test("the history's CSV holds the filtered rows", async ({ page }) => {
  await signIn(page, "alice", "/deployments?pr=110");
  const csv = await page.request.get("/deployments.csv?pr=110");
  expect(csv.status()).toBe(200);
  expect(csv.headers()["content-type"]).toContain("text/csv");
  const lines = (await csv.text()).trim().split("\r\n");
  expect(lines[0]).toMatch(/^id,environment,repository,state,/);
  expect(lines.length).toBe(4);
  await expect(page.getByRole("link", { name: "Download CSV" })).toHaveAttribute("href", "/deployments.csv?pr=110");
});

test("the header's links stand apart at every width", async ({ page }) => {
  await signIn(page, "alice");
  for (const width of [1280, 800, 375]) {
    await page.setViewportSize({ width, height: 800 });
    const boxes = await page.locator("header.site-header nav a").evaluateAll((links) =>
      links.map((link) => link.getBoundingClientRect()).map((r) => ({ left: r.left, right: r.right, top: r.top, bottom: r.bottom })),
    );
    expect(boxes.length).toBe(7);
    for (let i = 1; i < boxes.length; i++) {
      const [before, after] = [boxes[i - 1], boxes[i]];
      const sameRow = after.top < before.bottom && before.top < after.bottom;
      if (sameRow) expect(after.left - before.right, `gap after link ${i} at ${width}px`).toBeGreaterThanOrEqual(12);
      else expect(after.top, `link ${i + 1} starts a new row at ${width}px`).toBeGreaterThanOrEqual(before.bottom);
    }
  }
});

test("the overview shows each service's health, and marks the one below its desired count", async ({ page }) => {
  await signIn(page, "alice");
  const dev = page.locator("article[aria-labelledby='env-dev']");
  const production = page.locator("article[aria-labelledby='env-production']");
  // The health check runs as the server starts; its first report may land just after the first page.
  await expect(async () => {
    await page.reload();
    await expect(dev.locator(".health li", { hasText: "worker" })).toContainText("1 of 2 running", { timeout: 1_000 });
  }).toPass({ timeout: 15_000 });
  await expect(dev.locator(".health li", { hasText: "worker" })).toContainText("below its desired count");
  await expect(dev.locator(".health li", { hasText: "web" })).toContainText("3 of 3 running");
  await expect(dev).toContainText(/reported (just now|\d+ s ago)/);
  await expect(production.getByText("below its desired count")).toHaveCount(0);
  await expect(production.locator(".health li", { hasText: "web" })).toContainText("last rollout completed");
});
