import { expect, Page, test } from "@playwright/test";
import { signIn } from "./sign_in";

// Sandbox rollouts take 20 s; the page follows them over server-sent events.
test.setTimeout(90_000);

// Deploy, Redeploy and Rollback show the review first (what would change on ECS); its button asks for it and
// brings the person back to the environment page.
async function reviewAndConfirm(page: Page, button: string, twice = false) {
  const name = page.url().split("/environments/")[1];
  if (twice) await page.getByRole("button", { name: button, exact: true }).dblclick();
  else await page.getByRole("button", { name: button, exact: true }).click();
  await expect(page.getByRole("heading", { level: 1, name: /^Review: / })).toBeVisible();
  await expect(page.getByText("Service settings (a deploy leaves them as they are)").first()).toBeVisible();
  const confirm = page.getByRole("button", { name: `Confirm ${button.toLowerCase()}` });
  if (twice) await confirm.dblclick();
  else await confirm.click();
  await expect(page).toHaveURL(new RegExp(`/environments/${name}$`));
  await expect(page.locator("body[data-hydrated=true]")).toHaveCount(1);
}

async function openEnvironment(page: Page, name: string, login = "carol") {
  await signIn(page, login, `/environments/${name}`);
  await expect(page.getByRole("heading", { level: 1, name: `Environment ${name}` })).toBeVisible();
  await expect(page.locator("body[data-hydrated=true]")).toHaveCount(1);
}

test("Redeploy: a double click makes one deployment, the bar reaches 100 % live, and it is in the history", async ({ page }) => {
  await openEnvironment(page, "dev");
  const live = page.locator(".live");
  const before = Number(await live.getAttribute("data-deployment"));
  await reviewAndConfirm(page, "Redeploy", true);
  // Records how long each ECS snapshot took to reach the page (snapshot time → DOM change), for the closing note
  // (from the page the confirmation came back to; the rollout takes 20 s).
  await page.evaluate(() => {
    const seen: number[] = [];
    (window as any).tenguLatencies = seen;
    let last = "";
    new MutationObserver(() => {
      const taken = document.querySelector(".live")?.getAttribute("data-taken-at") ?? "";
      if (taken && taken !== last && taken !== "0") {
        last = taken;
        seen.push(Date.now() - Number(taken));
      }
    }).observe(document.body, { subtree: true, childList: true, attributes: true });
  });

  await expect(live).not.toHaveAttribute("data-deployment", String(before));
  const started = Number(await live.getAttribute("data-deployment"));
  expect(started).toBeGreaterThan(before);
  await expect(page.getByRole("button", { name: "Abort" })).toBeVisible();
  const bar = live.getByRole("progressbar");
  // Part-way first (the sandbox's tasks come up over 20 s), then all of them, without a reload.
  await expect(bar).not.toHaveAttribute("aria-valuenow", "100", { timeout: 5_000 });
  await expect(bar).toHaveAttribute("aria-valuenow", "100", { timeout: 45_000 });
  await expect(live).toHaveAttribute("data-state", "succeeded");
  await expect(page.getByRole("button", { name: "Abort" })).toHaveCount(0);
  const latencies: number[] = await page.evaluate(() => (window as any).tenguLatencies);
  console.log(`snapshot-to-page latencies (ms): ${JSON.stringify(latencies)}`);
  expect(latencies.length).toBeGreaterThan(3);

  await page.goto("/deployments?env=dev");
  const links = page.locator("table tbody tr td:first-child a");
  const ids = (await links.allTextContents()).map(Number);
  expect(ids[0]).toBe(started);
  expect(ids.filter((id) => id > before)).toEqual([started]);
  await page.getByRole("link", { name: String(started), exact: true }).click();
  await expect(page.getByRole("heading", { name: "Timeline" })).toBeVisible();
  await expect(page.getByText("Succeeded (end)")).toBeVisible();
});

test("Abort during a rollout points the services back and says who", async ({ page }) => {
  await openEnvironment(page, "dev");
  const live = page.locator(".live");
  await reviewAndConfirm(page, "Redeploy");
  await expect(live).toHaveAttribute("data-state", /rolling_out|service_updated|task_definition_registered|checked|requested/);
  await page.getByRole("button", { name: "Abort" }).click();
  await expect(live).toHaveAttribute("data-state", "aborted");
  await expect(live).toContainText("aborted by carol");
});

test.describe("without JavaScript", () => {
  test.use({ javaScriptEnabled: false });

  test("the history filters by state and pages back", async ({ page }) => {
    await signIn(page, "visitor", "/deployments");
    await page.getByLabel("State").selectOption("rolled_back");
    await page.getByRole("button", { name: "Filter" }).click();
    await expect(page).toHaveURL(/state=rolled_back/);
    const rows = page.locator("table tbody tr");
    expect(await rows.count()).toBeGreaterThan(0);
    for (const text of await rows.allTextContents()) {
      expect(text).toContain("Rolled back");
    }
  });
});

test("a viewer sees the buttons off with the reason; production needs a maintainer and a second person's approval", async ({ page }) => {
  // A stranger is sent to sign in, and comes back to the page they asked for.
  await signIn(page, "visitor", "/environments/production");
  await expect(page).toHaveURL(/\/environments\/production$/);
  await expect(page.getByRole("heading", { level: 1, name: "Environment production" })).toBeVisible();
  await expect(page.getByRole("button", { name: "Redeploy" })).toBeDisabled();
  await expect(page.getByRole("button", { name: "Deploy", exact: true })).toBeDisabled();
  await expect(page.getByText("Redeploy needs the deployer role (write on acme/shop); you have read").first()).toBeVisible();

  // A writer may deploy to dev but production asks for maintain, and says so.
  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page).toHaveURL(/\/sign-in/);
  await page.goto("/environments/production");
  await expect(page).toHaveURL(/\/sign-in\?next=/, { timeout: 5_000 });
  await signIn(page, "carol", "/environments/production");
  await expect(page.getByText("Redeploying to production needs maintain on acme/shop; you have write")).toBeVisible();
  await expect(page.getByRole("button", { name: "Redeploy" })).toBeDisabled();

  // A maintainer asks to redeploy production: it waits for another person, who may not be bob himself.
  await page.getByRole("button", { name: "Sign out" }).click();
  await openEnvironment(page, "production", "bob");
  const live = page.locator(".live");
  const before = Number(await live.getAttribute("data-deployment"));
  await reviewAndConfirm(page, "Redeploy");
  await expect(live).not.toHaveAttribute("data-deployment", String(before));
  await expect(live).toHaveAttribute("data-state", "awaiting_approval");
  const asked = Number(await live.getAttribute("data-deployment"));
  const approval = page.getByRole("region", { name: "Waiting for approval" });
  await expect(approval).toContainText("bob asks to deploy");
  await expect(approval.getByRole("button", { name: "Approve" })).toBeDisabled();
  await expect(approval).toContainText("you asked for this one");

  // The overview lists it; alice approves it, and the rollout runs live to the end.
  await page.getByRole("button", { name: "Sign out" }).click();
  await signIn(page, "alice");
  await expect(page.getByRole("region", { name: "Waiting for approval" })).toContainText("asked by bob");
  await page.goto("/environments/production");
  await expect(page.locator("body[data-hydrated=true]")).toHaveCount(1);
  await page.getByRole("region", { name: "Waiting for approval" }).getByRole("button", { name: "Approve" }).click();
  await expect(page.locator(".live")).toHaveAttribute("data-state", /requested|checked|task_definition_registered|service_updated|rolling_out/);
  await expect(page.locator(".live")).toHaveAttribute("data-state", "succeeded", { timeout: 60_000 });
  await page.goto(`/deployments/${asked}`);
  await expect(page.getByText("Approved by")).toBeVisible();
  await expect(page.locator("dd", { hasText: /^alice$/ })).toBeVisible();
});
