import { expect, Page, test } from "@playwright/test";

// The sandbox seeds the production deploy PR with #123, #125 and #126 verified; these two are not.
const HYDRATED_ITEM = "Verified #124 Add returns page";
const FORM_ITEM = "Verified #128 Add invoice PDF download";

async function openProductionDeployPr(page: Page) {
  await page.goto("/");
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
  await page.goto("/");
  await expect(page.getByRole("heading", { name: "Environments", exact: true })).toBeVisible();
  await expect(page.getByRole("heading", { level: 3, name: "production" })).toBeVisible();
  await expect(page.getByRole("progressbar", { name: "3 of 8 verified" })).toBeVisible();
  await expect(page.getByRole("progressbar", { name: "1 of 3 verified" })).toBeVisible();
  await expect(page.getByRole("heading", { name: "Recent deployments" })).toBeVisible();
  await expect(page.getByText("Rolled back").first()).toBeVisible();
  await expect(page.locator("body[data-hydrated=true]")).toHaveCount(1);
  await page.getByRole("button", { name: "Open or refresh the deploy PR of dev" }).click();
  await expect(page.getByRole("alert")).toHaveCount(0);
  await expect(page.getByRole("progressbar", { name: "1 of 3 verified" })).toBeVisible();
  await expect(page.getByRole("heading", { name: "Review environments" })).toBeVisible();
});

test("ticking an item after hydration records it, attributed, across a reload", async ({ page }) => {
  await openProductionDeployPr(page);
  await expect(page.locator("body[data-hydrated=true]")).toHaveCount(1);
  const box = page.getByRole("checkbox", { name: HYDRATED_ITEM });
  await expect(box).toHaveAttribute("aria-checked", "false");
  await box.click();
  await expect(box).toHaveAttribute("aria-checked", "true");
  await expect(itemRow(page, HYDRATED_ITEM)).toContainText("verified by visitor");
  await expect(page.getByRole("progressbar", { name: "4 of 8 verified" })).toBeVisible();

  await page.reload();
  const reloaded = page.getByRole("checkbox", { name: HYDRATED_ITEM });
  await expect(reloaded).toHaveAttribute("aria-checked", "true");
  await expect(itemRow(page, HYDRATED_ITEM)).toContainText("verified by visitor");
});

test.describe("without JavaScript", () => {
  test.use({ javaScriptEnabled: false });

  test("the plain form ticks an item as the person chosen in the sandbox", async ({ page }) => {
    await openProductionDeployPr(page);
    await page.getByLabel("Acting as").selectOption("dave");
    await page.getByRole("button", { name: "Switch" }).click();
    await expect(page.getByLabel("Acting as")).toHaveValue("dave");

    const box = page.getByRole("checkbox", { name: FORM_ITEM });
    await expect(box).toHaveAttribute("aria-checked", "false");
    await box.click();
    await expect(page.getByRole("checkbox", { name: FORM_ITEM })).toHaveAttribute("aria-checked", "true");
    await expect(itemRow(page, FORM_ITEM)).toContainText("verified by dave");

    await page.reload();
    await expect(page.getByRole("checkbox", { name: FORM_ITEM })).toHaveAttribute("aria-checked", "true");
    await expect(itemRow(page, FORM_ITEM)).toContainText("verified by dave");
  });
});

test("a person overrides the gate with a written reason", async ({ page }) => {
  await page.goto("/");
  await page.getByRole("link", { name: /Deploy to dev/ }).click();
  await expect(page.locator("body[data-hydrated=true]")).toHaveCount(1);
  const gate = page.getByRole("region", { name: "Verification gate" });
  await expect(gate).toContainText("Waiting for verification");
  await expect(gate).toContainText("1 of 3 verified — waiting for @");
  await gate.getByText("Override the gate…").click();
  await gate.getByLabel("Why should this deploy go ahead").fill("Hotfix for the checkout outage");
  await gate.getByRole("button", { name: "Override and allow the deploy" }).click();
  await expect(gate).toContainText("Overridden by visitor: Hotfix for the checkout outage");
  await page.reload();
  await expect(page.getByRole("region", { name: "Verification gate" })).toContainText("Overridden by visitor");
  const history = page.getByRole("region", { name: "History" });
  await expect(history).toContainText("overrode the verification gate of");
  await expect(history).toContainText("Hotfix for the checkout outage");
});
