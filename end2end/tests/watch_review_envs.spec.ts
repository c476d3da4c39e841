import { expect, test } from "@playwright/test";
import { signIn } from "./sign_in";

// Sandbox tasks come up in ~6 s and the reconciliation looks every 2 s; the page refreshes every 2 s.
test.setTimeout(90_000);

test("a pull request's review environment: open, running with its URL, push replaced without a gap, close", async ({ page, request }) => {
  await signIn(page, "alice", "/review-envs");
  await expect(page.getByRole("heading", { level: 1, name: "Review environments" })).toBeVisible();
  await expect(page.locator("body[data-hydrated=true]")).toHaveCount(1);

  const opened = Date.now();
  await page.getByLabel("Title").fill("Add wish lists");
  await page.getByRole("button", { name: "Open a pull request" }).click();
  const said = page.getByRole("status");
  await expect(said).toContainText("review environment starting at https://pr-");
  const url = (await said.textContent())!.match(/https:\/\/\S+/)![0];
  const number = url.match(/pr-(\d+)-/)![1];
  const host = new URL(url).host;
  const row = page.locator(`tr[data-pr="${number}"]`);
  await expect(row).toHaveAttribute("data-state", "starting");
  await expect(row).toHaveAttribute("data-state", "running", { timeout: 30_000 });
  console.log(`opened → running on the page: ${Date.now() - opened} ms`);
  await expect(row.getByRole("link", { name: url })).toBeVisible();

  const route = async () => {
    const answer = await request.get(`/api/review-envs/route?host=${host}`);
    return { status: answer.status(), upstream: await answer.text() };
  };
  const first = await route();
  expect(first.status).toBe(200);

  // Push: the old task serves until the new one is ready; the route never answers "nothing".
  await row.getByRole("button", { name: "Push" }).click();
  const seen: { status: number; upstream: string }[] = [];
  const deadline = Date.now() + 30_000;
  let now = first;
  while (now.upstream === first.upstream && Date.now() < deadline) {
    await page.waitForTimeout(200);
    now = await route();
    seen.push(now);
  }
  expect(seen.every((answer) => answer.status === 200), JSON.stringify(seen)).toBe(true);
  expect(now.upstream).not.toBe(first.upstream);
  console.log(`push → new task serving after ${seen.length} route checks, none without an upstream`);
  await expect(row).toHaveAttribute("data-state", "running");

  await row.getByRole("button", { name: "Close" }).click();
  await expect(row).toHaveAttribute("data-state", "stopped", { timeout: 10_000 });
  expect((await route()).status).toBe(404);
  await expect(row).toContainText("pull request closed");
});
