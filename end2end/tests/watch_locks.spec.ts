import { expect, test } from "@playwright/test";
import { signIn } from "./sign_in";

// A lock set on the environment page shows at once, in place (the page's live stream draws its region again), on
// the overview too, and is lifted the same way. dev is left unlocked for the other tests.
test("a lock set on the environment page shows in place and on the overview, and is lifted", async ({ page }) => {
  await signIn(page, "carol", "/environments/dev");
  await expect(page.locator("body[data-hydrated=true]")).toHaveCount(1);
  const at = page.url();

  await page.getByLabel("Why lock").fill("demo at three");
  await page.getByLabel("How long").selectOption("2h");
  await page.getByRole("button", { name: "Lock", exact: true }).click();
  const notice = page.getByRole("status").filter({ hasText: "Locked:" });
  await expect(notice).toContainText(/dev is locked by carol since .* until .*: demo at three/);
  await expect(page.getByRole("button", { name: "Unlock" })).toBeVisible();
  expect(page.url()).toBe(at);

  await page.goto("/");
  await expect(page.getByRole("status").filter({ hasText: "dev is locked by carol" })).toHaveCount(1);

  await page.goto("/environments/dev");
  await expect(page.locator("body[data-hydrated=true]")).toHaveCount(1);
  await page.getByRole("button", { name: "Unlock" }).click();
  await expect(page.getByRole("button", { name: "Lock", exact: true })).toBeVisible();
  await expect(page.getByRole("status").filter({ hasText: "Locked:" })).toHaveCount(0);
});
