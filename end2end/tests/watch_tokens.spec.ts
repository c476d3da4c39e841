import { execFileSync } from "node:child_process";
import { expect, test } from "@playwright/test";
import { signIn } from "./sign_in";

// The rollout it starts takes 20 s.
test.setTimeout(90_000);

function curl(args: string[]): { status: number; body: any } {
  const out = execFileSync("curl", ["-sS", "-w", "\n%{http_code}", ...args], { encoding: "utf8" });
  const lines = out.trimEnd().split("\n");
  const status = Number(lines.pop());
  return { status, body: JSON.parse(lines.join("\n")) };
}

test("a token created in the dashboard deploys through the API with curl, and is revoked", async ({ page, baseURL }) => {
  // New code ships only through a green gate: dev's waits for ticks unless another test overrode it already.
  await signIn(page, "alice");
  await page.getByRole("link", { name: /Deploy to dev/ }).click();
  await expect(page.locator("body[data-hydrated=true]")).toHaveCount(1);
  const gate = page.getByRole("region", { name: "Verification gate" });
  if ((await gate.textContent())!.includes("Waiting for verification")) {
    await gate.getByText("Override the gate…").click();
    await gate.getByLabel("Why should this deploy go ahead").fill("CI deploys through the API in this test");
    await gate.getByRole("button", { name: "Override and allow the deploy" }).click();
    await expect(gate).toContainText("Overridden by alice");
  }

  await page.goto("/settings/tokens");
  await expect(page.locator("body[data-hydrated=true]")).toHaveCount(1);
  await page.getByLabel("Name").fill("CI deploys");
  await page.getByLabel("May").selectOption("dev");
  await page.getByRole("button", { name: "Create token" }).click();
  const secret = (await page.locator("#new-token").textContent())!.trim();
  expect(secret).toMatch(/^tengu_[0-9a-f]{64}$/);
  await expect(page.locator("tbody tr").first()).toContainText("deploy:dev");

  const image = "123456789012.dkr.ecr.us-east-1.amazonaws.com/acme/shop:ci-e2e";
  // The commit CI built it from: tengu checks the gate against it and records what it ships.
  const sha = "ce2ece2ece2ece2ece2ece2ece2ece2ece2ece2e";
  const auth = ["-H", `Authorization: Bearer ${secret}`];
  const started = curl([...auth, "-H", "Content-Type: application/json", "-H", "Idempotency-Key: e2e-1",
    "-X", "POST", "-d", JSON.stringify({ image, sha }), `${baseURL}/api/v1/environments/dev/deployments`]);
  expect(started.status, JSON.stringify(started.body)).toBe(202);
  const id = started.body.id;
  expect(started.body.url).toContain(`/deployments/${id}`);
  const refused = curl([...auth, "-H", "Content-Type: application/json", "-X", "POST", "-d", JSON.stringify({ image, sha }),
    `${baseURL}/api/v1/environments/production/deployments`]);
  expect(refused.status).toBe(403);

  // Follows it to the end, as a CI step would.
  await expect(async () => {
    const now = curl([...auth, `${baseURL}/api/v1/deployments/${id}`]);
    expect(now.status).toBe(200);
    expect(now.body.finished).toBe(true);
    expect(now.body.succeeded).toBe(true);
  }).toPass({ timeout: 60_000, intervals: [2_000] });

  await page.reload();
  await expect(page.locator("tbody tr").first()).not.toContainText("never");
  await page.getByRole("button", { name: "Revoke" }).first().click();
  await expect(page.locator("tbody tr").first()).toContainText("revoked");
  const after = curl([...auth, `${baseURL}/api/v1/deployments/${id}`]);
  expect(after.status).toBe(401);
});
