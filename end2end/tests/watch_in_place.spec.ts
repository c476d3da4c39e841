import { expect, test } from "@playwright/test";
import { signIn } from "./sign_in";

// A press sent as a plain form (before the page's script woke, or without JavaScript) that was refused comes back
// in the address. The server draws the refusal above the buttons; the buttons must still answer in place there.
test("a refusal that came back in the address is shown, and the environment's buttons still answer in place", async ({ page }) => {
  const problems: string[] = [];
  page.on("pageerror", (error) => problems.push(error.message));
  // The browser itself logs each refused server function call ("Failed to load resource"); anything else is ours.
  page.on("console", (message) => {
    if (message.type() === "error" && !message.text().startsWith("Failed to load resource")) problems.push(message.text());
  });
  await signIn(page, "carol", "/environments/dev");
  await expect(page.locator("body[data-hydrated=true]")).toHaveCount(1);

  // Rolling back to a deployment that does not exist, as the review's plain form would send it.
  const rollback = page.getByRole("button", { name: "Rollback", exact: true });
  // An earlier test's deployment may still roll out: the buttons wait for it.
  await expect(rollback).toBeEnabled({ timeout: 60_000 });
  await rollback.click();
  await expect(page.getByRole("heading", { level: 1, name: /^Review: roll dev back/ })).toBeVisible();
  const action = await page.locator("form", { has: page.getByRole("button", { name: "Confirm rollback" }) }).getAttribute("action");
  expect(action).toMatch(/^\/api\//);
  const answer = await page.request.post(action!, {
    form: { env: "dev", to: "987654321", key: "e2e-refused-rollback" },
    headers: { accept: "text/html", referer: page.url() },
    maxRedirects: 0,
  });
  expect(answer.status()).toBeGreaterThanOrEqual(300);
  expect(answer.status()).toBeLessThan(400);
  // Back to the review's address, which leads to the environment page with what the address carries.
  const location = answer.headers()["location"];
  expect(location).toContain("__err=");
  await page.goto(location);
  const back = page.url();
  expect(back).toMatch(/\/environments\/dev\?/);

  const alert = page.getByRole("alert");
  await expect(alert).toHaveCount(1);
  const refusal = (await alert.textContent()) ?? "";
  expect(refusal.length).toBeGreaterThan(10);
  await expect(page.locator("body[data-hydrated=true]")).toHaveCount(1);

  // Sent in place: a lock without a reason (only spaces) is refused without leaving the page.
  await page.getByLabel("Why lock").fill("   ");
  await page.getByRole("button", { name: "Lock", exact: true }).click();
  await expect(alert).not.toHaveText(refusal);
  await expect(alert).toHaveCount(1);
  expect(page.url()).toBe(back);
  expect(problems).toEqual([]);
});
